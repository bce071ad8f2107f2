package tp3.client;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** What a line typed in {@code game play} means: a guess, a command, or a problem to show. */
final class GameLines {
    private static final Pattern NUMBER = Pattern.compile("[+-]?[0-9]+");

    private GameLines() {}

    sealed interface Action {}

    record Nothing() implements Action {}

    record Guess(long number) implements Action {}

    record Help() implements Action {}

    record Quit() implements Action {}

    /** Not sent; {@code message} says why (shown as "! message"). */
    record Problem(String message) implements Action {}

    /** The meaning of {@code line}, a guess only if it lies within {@code low..high}; problems
     * are worded in {@code lang}. */
    static Action parse(String line, long low, long high, Lang lang) {
        String text = line.strip();
        if (text.isEmpty()) {
            return new Nothing();
        }
        if (text.startsWith("/")) {
            String[] words = text.substring(1).strip().split("\\s+", 2);
            String command = words[0].toLowerCase(Locale.ROOT);
            return switch (command) {
                case "quit", "exit", "leave", "q" -> new Quit();
                case "help", "h", "?" -> new Help();
                default -> new Problem(GameTexts.say(lang, "unknown", Map.of("command", command)));
            };
        }
        if (!NUMBER.matcher(text).matches()) {
            return new Problem(GameTexts.say(lang, "not_a_number", Map.of("line", text, "low", low, "high", high)));
        }
        long number;
        try {
            number = Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
        } catch (NumberFormatException e) { // more digits than a long holds
            return new Problem(outOfRange(text, low, high, lang));
        }
        if (number < low || number > high) {
            return new Problem(outOfRange(number, low, high, lang));
        }
        return new Guess(number);
    }

    private static String outOfRange(Object number, long low, long high, Lang lang) {
        return GameTexts.say(lang, "out_of_range", Map.of("number", number, "low", low, "high", high));
    }
}
