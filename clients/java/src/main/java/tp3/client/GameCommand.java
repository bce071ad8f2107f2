package tp3.client;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.Guess;
import tp3.game.v1.GuessRequest;
import tp3.game.v1.GuessResponse;
import tp3.game.v1.Join;
import tp3.game.v1.Leave;
import tp3.game.v1.PlayRequest;
import tp3.game.v1.PlayResponse;
import tp3.game.v1.Scoreboard;
import tp3.game.v1.ScoreboardRequest;
import tp3.game.v1.WatchRequest;
import tp3.game.v1.WatchResponse;
import tp3.game.v1.GuessingGameGrpc;

/**
 * {@code game ...}: play the guessing game by hand or let a bot play it (bidi sessions), guess
 * once (unary), watch (server streaming), read the scoreboard (unary).
 */
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
    static final PlayRequest LEAVE = PlayRequest.newBuilder().setLeave(Leave.getDefaultInstance()).build();

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

    /** An event's line in {@code lang}; notices as "! CODE: text". */
    static String text(GameEvent event, Lang lang) {
        if (event.getKind() == EventKind.EVENT_KIND_NOTICE) {
            return "! " + Formats.codeName(event.getNotice().getCode()) + ": " + event.getText();
        }
        return GameTexts.event(event, lang);
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
            try (Connection conn = common.connect()) {
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
                "everyone is told the winner; the next round starts by itself after a pause,",
                "and one line says when. Commands: /help, /quit. Ctrl-D or Ctrl-C leaves too.",
                "Without a terminal, numbers are read from stdin, one per line, each guess",
                "waiting for its hint; the end of the input leaves the game.",
                "Example: game play --name alice"})
    static final class Play extends PlayerCommand {
        @Override
        void play(BidiSession<PlayRequest, PlayResponse> session) {
            try (UserConsole console = UserConsole.open(name.strip() + "> ")) {
                new GamePlayer(session, console, lang.lang()).run();
            }
        }
    }

    enum Strategy { binary, random }

    @Command(name = "bot", mixinStandardHelpOptions = true,
            description = {"Join the game as NAME and play by itself, round after round.",
                "One guess at a time, each within the range the earlier hints left; after a",
                "win (anyone's) it waits for the next round. Guessing too fast for the server",
                "(a RESOURCE_EXHAUSTED notice) slows it down. Prints one line per event; and,",
                "when it joins between rounds or sits one out (--next-round), that it waits for the next.",
                "With --json, each line is one JSON object with a \"type\": joined, waiting (the",
                "\"round\" it waits for, its \"next_round_at\" if known), hint (with the \"low\" and",
                "\"high\" left), game_over, round_started or notice.",
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
            new GameBot(session, this).run();
        }
    }

    @Command(name = "guess", mixinStandardHelpOptions = true,
            description = {"Guess NUMBER in the current round as NAME, without a session (unary RPC).",
                "Prints the hint: your number is bigger (the secret is smaller), smaller,",
                "BRAVO (you won the round), or the round is already over, with its winner.",
                "Example: game guess --name alice 500"})
    static final class GuessOnce implements Callable<Integer> {
        private static final long LOWEST = 1;
        private static final long HIGHEST = 1000;

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
            // the game's range (tp3.game.rules), checked before sending, as the Python CLI does
            if (number < LOWEST || number > HIGHEST) {
                throw new InputException(
                        "number: must be between " + LOWEST + " and " + HIGHEST + ", got " + number);
            }
            GuessResponse answer;
            try (Connection conn = common.connect()) {
                answer = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS)
                        .guess(GuessRequest.newBuilder().setPlayer(name).setNumber(number).build());
            }
            GameEvent event = answer.getEvent();
            Lang words = lang.lang();
            json.print(() -> GameFormats.eventJson(event, words), () -> List.of(text(event, words)));
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Spectate: print the game's events, one line each, as they happen (server streaming).",
                "First the current round, then round starts, game overs (the winner and the",
                "secret, then when the next round starts) and scoreboard changes.",
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
            Lang words = lang.lang();
            try (Connection conn = common.connect()) {
                Iterator<WatchResponse> events = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .watch(WatchRequest.getDefaultInstance());
                while (events.hasNext()) {
                    GameEvent event = events.next().getEvent();
                    if (Heartbeats.is(event)) {
                        continue;
                    }
                    json.print(() -> GameFormats.eventJson(event, words), () -> List.of(text(event, words)));
                    if (event.getKind() == EventKind.EVENT_KIND_GAME_OVER && rounds != null && ++ended >= rounds) {
                        return 0; // closing the channel cancels the stream
                    }
                    Timestamp at = RoundKnowledge.nextRoundAt(event);
                    if (at != null && !json.json) {
                        System.out.println(GameTexts.nextRound(at, Instant.now(), words, ZoneId.systemDefault()));
                        System.out.flush();
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
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            Scoreboard board;
            try (Connection conn = common.connect()) {
                board = GuessingGameGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS)
                        .scoreboard(ScoreboardRequest.getDefaultInstance()).getScoreboard();
            }
            json.print(() -> GameFormats.scoreboardJson(board), () -> GameFormats.scoreboard(board, ZoneId.systemDefault(), lang.lang()));
            return 0;
        }
    }
}
