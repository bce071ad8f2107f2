package tp3.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tp3.chat.v1.ChatRequest;
import tp3.chat.v1.ChatResponse;
import tp3.chat.v1.Join;
import tp3.chat.v1.Joined;
import tp3.chat.v1.Leave;
import tp3.chat.v1.ListMembersRequest;
import tp3.chat.v1.ListMembersResponse;
import tp3.chat.v1.ListRoomsRequest;
import tp3.chat.v1.ListRoomsResponse;
import tp3.chat.v1.Member;
import tp3.chat.v1.RoomSummary;
import tp3.chat.v1.RoomMessage;
import tp3.chat.v1.Send;
import tp3.chat.v1.ChatServiceGrpc;

/**
 * {@code chat --name N [--room R]}: one member in one room, interactively (a bidi session); its
 * subcommands send, listen (one-shot sessions, in {@link ChatScripts}), rooms and who (unary).
 */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        subcommands = {
            ChatScripts.SendOnce.class, ChatScripts.Listen.class, ChatCommand.Rooms.class, ChatCommand.Who.class
        },
        description = {
            "Chat rooms. Without a command: join ROOM as NAME and chat interactively.",
            "Messages from the others appear as they come, above the line you type.",
            "Commands: /msg NAME TEXT (private), /who, /quit, /help.",
            "Anything else is said to the room. Ctrl-D or Ctrl-C leaves.",
            "Each message waits for the server's answer (its echo, or a notice saying why not)",
            "before the next line is read.",
            "Without a terminal, lines are read from stdin the same way, and the exit status is 1",
            "if any line failed.",
            "Example: chat --name alice --room lobby"
        })
public final class ChatCommand implements Callable<Integer> {
    static final String DEFAULT_ROOM = "lobby";
    static final ChatRequest LEAVE = ChatRequest.newBuilder().setLeave(Leave.getDefaultInstance()).build();

    @Option(names = {"--name", "-n"}, paramLabel = "NAME",
            description = "Your name in the room (required to chat): letters, digits, '_', '-', '.'; "
                    + "unique in the room.")
    String name;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"--room", "-r"}, paramLabel = "ROOM", defaultValue = DEFAULT_ROOM,
            description = "Room to join (letters, digits, '_', '-', '.'); made on demand (default: ${DEFAULT-VALUE}).")
    String room;

    @Mixin CommonOptions common;
    @Mixin LangOption lang;

    @Override
    public Integer call() {
        if (name == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing required option: '--name=NAME': your name in the room, e.g. chat --name alice");
        }
        try (Connection conn = common.connect()) {
            BidiSession<ChatRequest, ChatResponse> session = join(conn, name, room);
            Joined joined = session.welcome().getJoined();
            try (ExitHook hook = ExitHook.leaving(session, LEAVE);
                    UserConsole console = UserConsole.open(joined.getName() + "@" + joined.getRoom() + "> ")) {
                new Interactive(conn, session, console, joined, lang.lang()).run();
            }
        }
        return 0;
    }

    /** Joins {@code room} as {@code name}; the welcome is a Joined. */
    static BidiSession<ChatRequest, ChatResponse> join(Connection conn, String name, String room) {
        ChatRequest join = ChatRequest.newBuilder().setJoin(Join.newBuilder().setName(name).setRoom(room)).build();
        BidiSession<ChatRequest, ChatResponse> session =
                BidiSession.join(ChatServiceGrpc.newStub(conn.channel())::chat, join, TimeoutOption.DEFAULT_MILLIS);
        if (!session.welcome().hasJoined()) {
            throw new CommandFailed("the server answered the join with no welcome");
        }
        return session;
    }

    /** A blocking stub with the unary deadline of --timeout. */
    private static ChatServiceGrpc.ChatServiceBlockingStub blocking(Connection conn, TimeoutOption timeout) {
        return ChatServiceGrpc.newBlockingStub(conn.channel())
                .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS);
    }

    @Command(name = "rooms", mixinStandardHelpOptions = true,
            description = "List the rooms that have members, with their member count and last message number.")
    static final class Rooms extends ChatSubcommand implements Callable<Integer> {
        @Mixin TimeoutOption timeout;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            refuseChatName();
            ListRoomsResponse found;
            try (Connection conn = common.connect()) {
                found = blocking(conn, timeout).listRooms(ListRoomsRequest.getDefaultInstance());
            }
            Lang words = language();
            for (RoomSummary r : found.getRoomsList()) {
                json.print(() -> ChatFormats.roomJson(r), () -> List.of(ChatTexts.WORDS.say(words, "room",
                        Map.of("room", r.getName(), "count", r.getMemberCount(), "sequence", r.getLastSequence()))));
            }
            if (found.getRoomsCount() == 0 && !json.json) {
                System.out.println(ChatTexts.WORDS.say(words, "no_rooms"));
            }
            return 0;
        }
    }

    @Command(name = "who", mixinStandardHelpOptions = true,
            description = {"List the members of a room, in order of arrival (NOT_FOUND if it has none).",
                "Example: chat who --room lobby"})
    static final class Who extends ChatSubcommand implements Callable<Integer> {
        @Mixin RoomOption room;
        @Mixin TimeoutOption timeout;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            refuseChatName();
            ListMembersResponse found;
            try (Connection conn = common.connect()) {
                found = blocking(conn, timeout).listMembers(ListMembersRequest.newBuilder().setRoom(room.room).build());
            }
            ZoneId zone = ZoneId.systemDefault();
            Lang words = language();
            for (Member m : found.getMembersList()) {
                json.print(() -> ChatFormats.memberJson(m), () -> List.of(ChatTexts.WORDS.say(words, "member",
                        Map.of("name", m.getName(), "since", ChatFormats.dateTime(m.getJoinedAt(), zone)))));
            }
            return 0;
        }
    }

    /**
     * The interactive member: shows the room's events, obeys the lines typed. Each message sent
     * is answered (its echo, or a notice if refused) before the next line is obeyed, as the
     * Python CLI does: the notice shows next to the line that failed, and the session never
     * leaves with an answer on its way.
     */
    private static final class Interactive {
        private final Connection conn;
        private final BidiSession<ChatRequest, ChatResponse> session;
        private final UserConsole console;
        private final Joined joined;
        private final Lang lang;
        private final ZoneId zone = ZoneId.systemDefault();
        /** Lines typed while a message waits for its answer. */
        private final Deque<String> waiting = new ArrayDeque<>();
        /** What went wrong with the lines obeyed: notices, unusable lines, a failed /who. */
        private final List<String> failures = new ArrayList<>();
        private boolean answering;
        /** System.nanoTime() by which the message in flight must be answered. */
        private long answerDue;
        private boolean inputEnded;

        Interactive(Connection conn, BidiSession<ChatRequest, ChatResponse> session, UserConsole console, Joined joined,
                Lang lang) {
            this.conn = conn;
            this.session = session;
            this.console = console;
            this.joined = joined;
            this.lang = lang;
        }

        void run() {
            console.show(ChatFormats.welcome(joined, lang));
            if (joined.getHistoryCount() > 0) {
                console.show(ChatTexts.WORDS.say(lang, "recent"));
                for (RoomMessage m : joined.getHistoryList()) {
                    console.show(ChatFormats.message(m, zone));
                }
            }
            console.show(ChatTexts.WORDS.say(lang, "hint"));
            console.startReading(session.signals());
            while (!(inputEnded && !answering && waiting.isEmpty())) {
                Signal signal = answering
                        ? session.poll(Math.max(0, (answerDue - System.nanoTime()) / 1_000_000))
                        : session.take();
                if (signal == null) {
                    throw Status.DEADLINE_EXCEEDED.withDescription("the server did not answer the message within "
                            + TimeoutOption.DEFAULT_MILLIS / 1000 + " s").asRuntimeException();
                }
                if (signal instanceof Signal.Line line) {
                    waiting.add(line.text());
                } else if (signal instanceof Signal.EndOfInput) {
                    inputEnded = true;
                } else if (signal instanceof Signal.Received received) {
                    take((ChatResponse) received.message());
                } else if (signal instanceof Signal.Closed closed) {
                    if (closed.status().isOk()) {
                        throw new CommandFailed("the server ended the chat session");
                    }
                    throw closed.status().asRuntimeException();
                }
                if (!obeyWaitingLines()) {
                    break;
                }
            }
            session.leave(LEAVE);
            // The terminal's user saw the "!" lines; a script learns of them by the exit status.
            if (!console.interactive() && !failures.isEmpty()) {
                int more = failures.size() - 1;
                throw new CommandFailed(failures.get(0) + (more > 0 ? " (and " + more + " more failed line(s))" : ""));
            }
        }

        private void take(ChatResponse r) {
            String text = ChatFormats.event(r, zone, lang);
            if (text != null) {
                console.show(text);
            }
            String me = joined.getName();
            if (r.hasNotice()) {
                failures.add(Formats.codeName(r.getNotice().getCode()) + ": " + r.getNotice().getText());
                answering = false;
            } else if (r.hasMessage() && r.getMessage().getFrom().equals(me)
                    || r.hasPrivateMessage() && r.getPrivateMessage().getFrom().equals(me)) {
                answering = false;
            }
        }

        /** Acts on the lines typed while no message is in flight; false means leave. */
        private boolean obeyWaitingLines() {
            while (!answering && !waiting.isEmpty()) {
                ChatLines.Action action = ChatLines.parse(waiting.poll(), lang);
                if (action instanceof ChatLines.Say say) {
                    send(say.text(), "");
                } else if (action instanceof ChatLines.Whisper whisper) {
                    send(whisper.text(), whisper.to());
                } else if (action instanceof ChatLines.Who) {
                    who();
                } else if (action instanceof ChatLines.Help) {
                    console.show(ChatTexts.WORDS.say(lang, "help"));
                } else if (action instanceof ChatLines.Problem problem) {
                    problem(problem.message());
                } else if (action instanceof ChatLines.Quit) {
                    return false;
                }
            }
            return true;
        }

        private void send(String text, String to) {
            session.send(ChatRequest.newBuilder().setSend(Send.newBuilder().setText(text).setTo(to)).build());
            answering = true;
            answerDue = System.nanoTime() + TimeoutOption.DEFAULT_MILLIS * 1_000_000;
        }

        private void who() {
            try {
                var members = ChatServiceGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(TimeoutOption.DEFAULT_MILLIS, TimeUnit.MILLISECONDS)
                        .listMembers(ListMembersRequest.newBuilder().setRoom(joined.getRoom()).build());
                console.show(ChatTexts.WORDS.say(lang, "who",
                        Map.of("room", joined.getRoom(), "names", ChatFormats.names(members.getMembersList()))));
            } catch (StatusRuntimeException e) {
                problem(Formats.status(e));
            }
        }

        private void problem(String text) {
            failures.add(text);
            console.show("! " + text);
        }
    }
}
