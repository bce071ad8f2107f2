package tp3.client;

import java.util.Map;

/** What a line typed in a chat session means: the commands of the Python CLI's {@code tp3 chat}. */
final class ChatLines {
    private ChatLines() {}

    sealed interface Action {}

    /** Nothing to do (a blank line). */
    record Nothing() implements Action {}

    /** Say {@code text} to the room. */
    record Say(String text) implements Action {}

    /** Say {@code text} to the member {@code to} only. */
    record Whisper(String to, String text) implements Action {}

    record Who() implements Action {}

    record Help() implements Action {}

    record Quit() implements Action {}

    /** The line can't be acted on; {@code message} says why (shown as "! message"). */
    record Problem(String message) implements Action {}

    /** The meaning of {@code line}; problems are worded in {@code lang}. */
    static Action parse(String line, Lang lang) {
        if (line.isBlank()) {
            return new Nothing();
        }
        if (line.startsWith("//")) {
            return new Say(line.substring(1));
        }
        if (!line.startsWith("/")) {
            return new Say(line);
        }
        String body = line.substring(1);
        int space = body.indexOf(' ');
        String command = (space < 0 ? body : body.substring(0, space)).toLowerCase(java.util.Locale.ROOT);
        String rest = space < 0 ? "" : body.substring(space + 1).strip();
        switch (command) {
            case "quit", "exit", "leave", "q":
                return new Quit();
            case "msg", "m", "w": {
                int gap = rest.indexOf(' ');
                String to = gap < 0 ? rest : rest.substring(0, gap);
                String text = gap < 0 ? "" : rest.substring(gap + 1);
                return to.isEmpty() || text.isBlank() ? new Problem(ChatTexts.WORDS.say(lang, "msg_usage")) : new Whisper(to, text);
            }
            case "who":
                return new Who();
            case "help", "h", "?":
                return new Help();
            default:
                return new Problem(ChatTexts.WORDS.say(lang, "unknown", Map.of("command", command)));
        }
    }
}
