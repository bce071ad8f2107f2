package tp3.client;

import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tp3.game.v1.Game.EventKind;
import tp3.game.v1.Game.GameEvent;
import tp3.game.v1.Game.Guess;
import tp3.game.v1.Game.GuessRequest;
import tp3.game.v1.Game.GuessResponse;
import tp3.game.v1.Game.Join;
import tp3.game.v1.Game.Leave;
import tp3.game.v1.Game.PlayRequest;
import tp3.game.v1.Game.PlayResponse;
import tp3.game.v1.Game.Scoreboard;
import tp3.game.v1.Game.ScoreboardRequest;
import tp3.game.v1.Game.WatchRequest;
import tp3.game.v1.Game.WatchResponse;
import tp3.game.v1.GuessingGameGrpc;

/** {@code game play|bot}: the guessing game, by hand or by a bot (bidi streaming). */
@Command(
        name = "game",
        mixinStandardHelpOptions = true,
        description = "The guessing game: find the secret number (1 to 1000) before the others.",
        subcommands = {
            GameCommand.Play.class,
            GameCommand.Bot.class,
            GameCommand.GuessOnce.class,
            GameCommand.Watch.class,
            GameCommand.ScoreboardCommand.class
        })
public final class GameCommand implements Runnable {
    private static final PlayRequest LEAVE = PlayRequest.newBuilder().setLeave(Leave.getDefaultInstance()).build();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Joins as {@code name}; the welcome is a JOINED event. */
    static BidiSession<PlayRequest, PlayResponse> join(Connection conn, String name) {
        PlayRequest join = PlayRequest.newBuilder().setJoin(Join.newBuilder().setName(name)).build();
        BidiSession<PlayRequest, PlayResponse> session =
                BidiSession.join(GuessingGameGrpc.newStub(conn.channel())::play, join, TimeoutOption.DEFAULT_MILLIS);
        if (session.welcome().getEvent().getKind() != EventKind.EVENT_KIND_JOINED) {
            throw new CommandFailed("the server answered the join with no welcome");
        }
        return session;
    }

    static PlayRequest guess(long number) {
        return PlayRequest.newBuilder().setGuess(Guess.newBuilder().setNumber(number)).build();
    }

    /** An event's line in {@code texts}' language; notices as "! CODE: text". */
    static String text(GameEvent event, GameTexts texts) {
        if (event.getKind() == EventKind.EVENT_KIND_NOTICE) {
            return "! " + Formats.codeName(event.getNotice().getCode()) + ": " + event.getText();
        }
        return texts.event(event);
    }

    /** --lang: the language of the lines printed. */
    static final class LangOption {
        @Option(names = {"--lang", "-l"}, defaultValue = "en", paramLabel = "en|fr",
                description = "Language of the lines printed: en (English) or fr (the lab's French "
                        + "wording); default ${DEFAULT-VALUE}. --json prints the server's English texts.")
        GameTexts texts;
    }

    /** The end of a session the server closed: with its error, or "ended" if it said OK. */
    static RuntimeException ended(Signal.Closed closed) {
        if (closed.status().isOk()) {
            return new CommandFailed("the server ended the game session");
        }
        return closed.status().asRuntimeException();
    }

    /** A player's session command: joins as --name, plays, leaves (Ctrl-C included). */
    abstract static class PlayerCommand implements Callable<Integer> {
        @Option(names = {"--name", "-n"}, required = true, paramLabel = "NAME",
                description = "Player name: letters, digits, '_', '-', '.'; unique among the players.")
        String name;

        @Mixin CommonOptions common;
        @Mixin LangOption lang;

        /** Checks the options before connecting; InputException if they don't go together. */
        void check() {}

        /** Plays the joined session until it is time to leave. */
        abstract void play(BidiSession<PlayRequest, PlayResponse> session);

        @Override
        public Integer call() {
            check();
            try (Connection conn = new Connection(common.target())) {
                BidiSession<PlayRequest, PlayResponse> session = join(conn, name);
                try (ExitHook hook = ExitHook.leaving(session, LEAVE)) {
                    play(session);
                }
            }
            return 0;
        }
    }

    @Command(name = "play", mixinStandardHelpOptions = true,
            description = {"Join the game as NAME and guess interactively, round after round.",
                "Each guess is answered with a hint (\"your number is bigger\": the secret is smaller),",
                "and the range left is shown as the hints narrow it. When someone finds the secret,",
                "everyone is told the winner; the next round starts by itself after a pause.",
                "Commands: /help, /quit. Ctrl-D or Ctrl-C leaves too.",
                "Without a terminal, numbers are read from stdin, one per line, each guess",
                "waiting for its hint; the end of the input leaves the game.",
                "Example: game play --name alice"})
    static final class Play extends PlayerCommand {
        @Override
        void play(BidiSession<PlayRequest, PlayResponse> session) {
            try (UserConsole console = UserConsole.open(name.strip() + "> ")) {
                new Player(session, console, lang.texts).run();
            }
        }
    }

    /** One interactive player: one guess at a time, later lines wait for its hint. */
    private static final class Player {
        private final BidiSession<PlayRequest, PlayResponse> session;
        private final UserConsole console;
        private final GameTexts texts;
        private final RoundKnowledge knows;
        private final Deque<String> waiting = new ArrayDeque<>();
        private boolean guessing;
        /** System.nanoTime() by which the guess in flight must be answered. */
        private long answerDue;
        private boolean inputEnded;

        Player(BidiSession<PlayRequest, PlayResponse> session, UserConsole console, GameTexts texts) {
            this.session = session;
            this.console = console;
            this.texts = texts;
            this.knows = new RoundKnowledge(session.welcome().getEvent().getRound());
        }

        void run() {
            console.show(texts.event(session.welcome().getEvent()));
            if (!knows.open) {
                console.show(texts.waiting());
            }
            console.show(texts.intro());
            console.startReading(session.signals());
            while (!(inputEnded && !guessing && waiting.isEmpty())) {
                Signal signal = guessing
                        ? session.poll(Math.max(0, (answerDue - System.nanoTime()) / 1_000_000))
                        : session.take();
                if (signal == null) {
                    throw Status.DEADLINE_EXCEEDED
                            .withDescription("no answer to the guess within " + TimeoutOption.DEFAULT_MILLIS / 1000 + " s")
                            .asRuntimeException();
                }
                if (signal instanceof Signal.Line line) {
                    waiting.add(line.text());
                } else if (signal instanceof Signal.EndOfInput) {
                    inputEnded = true;
                } else if (signal instanceof Signal.Received received) {
                    take(((PlayResponse) received.message()).getEvent());
                } else if (signal instanceof Signal.Closed closed) {
                    throw ended(closed);
                }
                if (!obeyWaitingLines()) {
                    break;
                }
            }
            session.leave(LEAVE);
        }

        private void take(GameEvent event) {
            console.show(text(event, texts));
            switch (event.getKind()) {
                case EVENT_KIND_HINT -> {
                    if (knows.learn(event.getHint()) && knows.open) {
                        console.show(knows.describe(texts));
                    }
                    guessing = false;
                }
                case EVENT_KIND_NOTICE -> guessing = false;
                case EVENT_KIND_GAME_OVER -> knows.end(event.getGameOver());
                case EVENT_KIND_ROUND_STARTED -> knows.start(event.getRound());
                default -> { }
            }
        }

        /** Acts on the lines typed while no guess is in flight; false means leave. */
        private boolean obeyWaitingLines() {
            while (!guessing && !waiting.isEmpty()) {
                GameLines.Action action = GameLines.parse(waiting.poll(), knows.lowest, knows.highest, texts);
                if (action instanceof GameLines.Guess guess) {
                    session.send(GameCommand.guess(guess.number()));
                    guessing = true;
                    answerDue = System.nanoTime() + TimeoutOption.DEFAULT_MILLIS * 1_000_000;
                } else if (action instanceof GameLines.Help) {
                    console.show(texts.help());
                } else if (action instanceof GameLines.Problem problem) {
                    console.show("! " + problem.message());
                } else if (action instanceof GameLines.Quit) {
                    return false;
                }
            }
            return true;
        }
    }

    enum Strategy { binary, random }

    @Command(name = "bot", mixinStandardHelpOptions = true,
            description = {"Join the game as NAME and play by itself, round after round.",
                "One guess at a time, each within the range the earlier hints left; after a",
                "win (anyone's) it waits for the next round. Guessing too fast for the server",
                "(a RESOURCE_EXHAUSTED notice) slows it down. Prints one line per event.",
                "With --json, each line is one tp3.game.v1.GameEvent in protobuf's JSON mapping.",
                "Example: game bot --name b1 --rounds 3"})
    static final class Bot extends PlayerCommand {
        @Option(names = "--strategy", defaultValue = "binary", paramLabel = "binary|random",
                description = "binary: the middle of the range left (at most 10 guesses a round); "
                        + "random: any number in the range left (default: ${DEFAULT-VALUE}).")
        Strategy strategy;

        @Option(names = "--rounds", paramLabel = "N",
                description = "Exit 0 once this many rounds it played have ended (default: play on).")
        Integer rounds;

        @Option(names = "--next-round",
                description = "Sit out the round in progress and start with the next one, so that bots "
                        + "started together race from the same start.")
        boolean nextRound;

        @Mixin JsonOption json;

        @Override
        void check() {
            if (rounds != null && rounds < 1) {
                throw new InputException("--rounds must be at least 1, got " + rounds);
            }
        }

        @Override
        void play(BidiSession<PlayRequest, PlayResponse> session) {
            new Robot(session, this).run();
        }
    }

    /** The bot's play: one guess at a time, within the range its hints narrowed. */
    private static final class Robot {
        /** The longest a rate-limited bot waits between two guesses. */
        private static final long MAX_PACE_MILLIS = 2000;

        private final BidiSession<PlayRequest, PlayResponse> session;
        private final Bot options;
        private final RoundKnowledge knows;
        private final Random random = new Random();
        /** The round the bot takes part in; 0: waiting for the next one. */
        private long playing;
        /** Rounds the bot took part in that have ended. */
        private int ended;
        private boolean inFlight;
        /** Milliseconds to wait before a guess: grows when the server says we guess too fast. */
        private long pace;

        Robot(BidiSession<PlayRequest, PlayResponse> session, Bot options) {
            this.session = session;
            this.options = options;
            this.knows = new RoundKnowledge(session.welcome().getEvent().getRound());
            this.playing = options.nextRound || !knows.open ? 0 : knows.round;
        }

        void run() {
            show(session.welcome().getEvent());
            guess();
            while (true) {
                Signal signal = session.take();
                if (signal instanceof Signal.Closed closed) {
                    throw ended(closed);
                }
                if (signal instanceof Signal.Received received && take(((PlayResponse) received.message()).getEvent())) {
                    break;
                }
                guess();
            }
            session.leave(LEAVE);
        }

        /** Takes in one event; true when the bot is done. */
        private boolean take(GameEvent event) {
            show(event);
            switch (event.getKind()) {
                case EVENT_KIND_HINT -> {
                    inFlight = false;
                    pace = pace > 10 ? pace * 3 / 4 : 0;
                    knows.learn(event.getHint());
                }
                case EVENT_KIND_NOTICE -> {
                    inFlight = false;
                    Status status = Status.fromCodeValue(event.getNotice().getCode());
                    if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) { // retrying would fail forever
                        throw status.withDescription(event.getText()).asRuntimeException();
                    }
                    pace = Math.min(Math.max(pace * 2, 50), MAX_PACE_MILLIS);
                }
                case EVENT_KIND_GAME_OVER -> {
                    knows.end(event.getGameOver());
                    if (event.getGameOver().getRound() == playing) {
                        playing = 0;
                        ended++;
                    }
                    return options.rounds != null && ended >= options.rounds;
                }
                case EVENT_KIND_ROUND_STARTED -> {
                    knows.start(event.getRound());
                    playing = knows.round;
                }
                default -> { }
            }
            return false;
        }

        /** Makes the next guess, if the bot plays an open round and has none in flight. */
        private void guess() {
            if (inFlight || !knows.open || playing != knows.round) {
                return;
            }
            if (pace > 0) {
                try {
                    Thread.sleep(pace); // events wait in the queue meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
                }
            }
            long number = options.strategy == Strategy.binary
                    ? Math.floorDiv(knows.low + knows.high, 2)
                    : knows.low + (long) (random.nextDouble() * (knows.high - knows.low + 1));
            inFlight = true;
            session.send(GameCommand.guess(number));
        }

        private void show(GameEvent event) {
            options.json.print(event, () -> List.of(text(event, options.lang.texts)));
        }
    }

    @Command(name = "guess", mixinStandardHelpOptions = true,
            description = {"Guess NUMBER in the current round as NAME, without a session (unary RPC).",
                "Prints the hint: your number is bigger (the secret is smaller), smaller,",
                "BRAVO (you won the round), or the round is already over, with its winner.",
                "Example: game guess --name alice 500"})
    static final class GuessOnce implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NUMBER", description = "Your guess, between 1 and 1000.")
        long number;

        @Option(names = {"--name", "-n"}, required = true, paramLabel = "NAME",
                description = "Player name; not one playing through `game play` or `bot` now.")
        String name;

        @Mixin CommonOptions common;
        @Mixin TimeoutOption timeout;
        @Mixin JsonOption json;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            GuessResponse answer;
            try (Connection conn = new Connection(common.target())) {
                answer = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS)
                        .guess(GuessRequest.newBuilder().setPlayer(name).setNumber(number).build());
            }
            json.print(answer.getEvent(), () -> List.of(text(answer.getEvent(), lang.texts)));
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Spectate: print the game's events, one line each, as they happen (server streaming).",
                "First the current round, then round starts, game overs (the winner and the",
                "secret) and scoreboard changes.",
                "Example: game watch --rounds 1"})
    static final class Watch implements Callable<Integer> {
        @Option(names = "--rounds", paramLabel = "N",
                description = "Exit 0 after this many game overs (default: watch until Ctrl-C).")
        Integer rounds;

        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            if (rounds != null && rounds < 1) {
                throw new InputException("--rounds must be at least 1, got " + rounds);
            }
            int ended = 0;
            try (Connection conn = new Connection(common.target())) {
                Iterator<WatchResponse> events = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .watch(WatchRequest.getDefaultInstance());
                while (events.hasNext()) {
                    GameEvent event = events.next().getEvent();
                    json.print(event, () -> List.of(text(event, lang.texts)));
                    if (event.getKind() == EventKind.EVENT_KIND_GAME_OVER && rounds != null && ++ended >= rounds) {
                        return 0; // closing the channel cancels the stream
                    }
                }
            }
            throw new CommandFailed("the server ended the watch");
        }
    }

    @Command(name = "scoreboard", mixinStandardHelpOptions = true,
            description = "Show the players (wins, fewest guesses in a win) and the most recent rounds.")
    static final class ScoreboardCommand implements Callable<Integer> {
        @Mixin CommonOptions common;
        @Mixin TimeoutOption timeout;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            Scoreboard board;
            try (Connection conn = new Connection(common.target())) {
                board = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS)
                        .scoreboard(ScoreboardRequest.getDefaultInstance()).getScoreboard();
            }
            json.print(board, () -> GameFormats.scoreboard(board, ZoneId.systemDefault()));
            return 0;
        }
    }
}
