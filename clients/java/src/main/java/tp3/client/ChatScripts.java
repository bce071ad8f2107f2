package tp3.client;

import io.grpc.Status;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tp3.chat.v1.ChatRequest;
import tp3.chat.v1.ChatResponse;
import tp3.chat.v1.Joined;
import tp3.chat.v1.RoomMessage;
import tp3.chat.v1.Send;

/** {@code chat send} and {@code chat listen}: one-shot chat sessions for scripts. */
final class ChatScripts {
    private ChatScripts() {}

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = {"Join ROOM as NAME, say TEXT (to the room, or privately --to a member), and leave.",
                "Waits until the server delivers the message back to you, which confirms it.",
                "Prints nothing on success; with --json, the message as delivered.",
                "A refused message (unknown --to member, invalid text...) is one error line and exit status 1.",
                "Example: chat send --name alice --room lobby --to bob \"see you at noon\""})
    static final class SendOnce extends ChatSubcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TEXT", description = "What to say (1 to 1000 characters, one line).")
        String text;

        @Option(names = {"--name", "-n"}, required = true, paramLabel = "NAME", description = "Your name in the room.")
        String name;

        @Mixin RoomOption room;

        @Option(names = "--to", paramLabel = "NAME", description = "Say it privately to this member of the room only.")
        String to;

        @Mixin TimeoutOption timeout;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            refuseChatName();
            ChatResponse echo;
            String target = common.target();
            try (Connection conn = common.connect()) {
                BidiSession<ChatRequest, ChatResponse> session = ChatCommand.join(conn, name, room.room);
                String me = session.welcome().getJoined().getName();
                session.send(ChatRequest.newBuilder()
                        .setSend(Send.newBuilder().setText(text).setTo(to == null ? "" : to)).build());
                echo = confirmation(session, me, target);
                session.leave(ChatCommand.LEAVE);
            }
            if (echo.hasNotice()) {
                throw Status.fromCodeValue(echo.getNotice().getCode())
                        .withDescription(echo.getNotice().getText()).asRuntimeException();
            }
            if (json.json) {
                json.print(() -> ChatFormats.eventJson(echo), List::of);
            }
            return 0;
        }

        /** The echo of our message, or the notice refusing it, within the deadline. */
        private ChatResponse confirmation(BidiSession<ChatRequest, ChatResponse> session, String me, String target) {
            long due = System.nanoTime() + timeout.millis() * 1_000_000;
            while (true) {
                Signal signal = session.poll(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                if (signal == null) {
                    throw Status.DEADLINE_EXCEEDED.withDescription("the server at " + target
                            + " did not confirm the message within " + timeout.timeout + " s").asRuntimeException();
                }
                if (signal instanceof Signal.Closed closed) {
                    throw closed.status().isOk()
                            ? new CommandFailed("the server ended the chat session before confirming the message")
                            : closed.status().asRuntimeException();
                }
                ChatResponse r = (ChatResponse) ((Signal.Received) signal).message();
                boolean mine = to == null
                        ? r.hasMessage() && r.getMessage().getFrom().equals(me) && r.getMessage().getText().equals(text)
                        : r.hasPrivateMessage() && r.getPrivateMessage().getFrom().equals(me)
                                && r.getPrivateMessage().getText().equals(text);
                if (mine || r.hasNotice()) {
                    return r;
                }
            }
        }
    }

    @Command(name = "listen", mixinStandardHelpOptions = true,
            description = {"Join ROOM as NAME and print what happens there, one line per event, as it happens.",
                "First a welcome line (room, members), then the recent history, marked as such,",
                "then live events: messages, private messages, joins, leaves, notices.",
                "With --json each line is one JSON object with a \"type\": welcome, history,",
                "message, private, joined, left or notice.",
                "Runs until --count messages came or --timeout passed (or Ctrl-C).",
                "Example: chat listen --name bob --room lobby --count 1"})
    static final class Listen extends ChatSubcommand implements Callable<Integer> {
        @Option(names = {"--name", "-n"}, required = true, paramLabel = "NAME", description = "Your name in the room.")
        String name;

        @Mixin RoomOption room;

        @Option(names = "--count", paramLabel = "N",
                description = "Exit 0 after this many live messages (room and private; not history).")
        Integer count;

        @Option(names = "--timeout", paramLabel = "SECONDS",
                description = "Stop listening this many seconds after joining: exit 0, or exit 1 if --count "
                        + "messages have not all come.")
        String timeout;

        @Mixin JsonOption json;

        @Override
        public Integer call() {
            refuseChatName();
            if (count != null && count < 1) {
                throw new InputException("--count must be at least 1, got " + count);
            }
            try (Connection conn = common.connect()) {
                BidiSession<ChatRequest, ChatResponse> session = ChatCommand.join(conn, name, room.room);
                try (ExitHook hook = ExitHook.leaving(session, ChatCommand.LEAVE)) {
                    listen(session);
                }
            }
            return 0;
        }

        private void listen(BidiSession<ChatRequest, ChatResponse> session) {
            long due = timeout == null ? Long.MAX_VALUE : System.nanoTime() + TimeoutOption.toMillis(timeout) * 1_000_000;
            ZoneId zone = ZoneId.systemDefault();
            Lang words = language();
            Joined joined = session.welcome().getJoined();
            json.print(() -> ChatFormats.welcomeJson(joined), () -> List.of(ChatFormats.welcome(joined, words)));
            for (RoomMessage m : joined.getHistoryList()) {
                json.print(() -> ChatFormats.messageJson("history", m), () -> List.of(ChatTexts.WORDS.say(words,
                        "history", Map.of("line", ChatFormats.message(m, zone)))));
            }
            int received = 0;
            while (count == null || received < count) {
                Signal signal = due == Long.MAX_VALUE
                        ? session.take()
                        : session.poll(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                if (signal == null) { // --timeout passed
                    session.leave(ChatCommand.LEAVE);
                    if (count != null) {
                        throw new CommandFailed("timed out after " + timeout + " s with " + received + " of "
                                + count + " messages");
                    }
                    return;
                }
                if (signal instanceof Signal.Closed closed) {
                    throw closed.status().isOk()
                            ? new CommandFailed("the server ended the chat session")
                            : closed.status().asRuntimeException();
                }
                ChatResponse r = (ChatResponse) ((Signal.Received) signal).message();
                if (ChatFormats.eventJson(r) != null) { // not a presence batch (never asked for)
                    json.print(() -> ChatFormats.eventJson(r), () -> List.of(ChatFormats.event(r, zone, words)));
                }
                if (r.hasMessage() || r.hasPrivateMessage()) {
                    received++;
                }
            }
            session.leave(ChatCommand.LEAVE);
        }
    }
}
