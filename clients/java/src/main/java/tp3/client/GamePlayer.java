package tp3.client;

import io.grpc.Status;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import tp3.game.v1.GameEvent;
import tp3.game.v1.PlayRequest;
import tp3.game.v1.PlayResponse;

/** One interactive player: one guess at a time, later lines wait for its hint. */
final class GamePlayer {
    private final BidiSession<PlayRequest, PlayResponse> session;
    private final UserConsole console;
    private final Lang lang;
    private final RoundKnowledge knows;
    private final Deque<String> waiting = new ArrayDeque<>();
    private boolean guessing;
    /** System.nanoTime() by which the guess in flight must be answered. */
    private long answerDue;
    private boolean inputEnded;

    GamePlayer(BidiSession<PlayRequest, PlayResponse> session, UserConsole console, Lang lang) {
        this.session = session;
        this.console = console;
        this.lang = lang;
        this.knows = new RoundKnowledge(session.welcome().getEvent().getRound());
    }

    void run() {
        console.show(GameTexts.event(session.welcome().getEvent(), lang));
        if (!knows.open) {
            console.show(GameTexts.say(lang, "waiting"));
            tellNextRound();
        }
        console.show(GameTexts.say(lang, "intro"));
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
                throw GameCommand.ended(closed);
            }
            if (!obeyWaitingLines()) {
                break;
            }
        }
        session.leave(GameCommand.LEAVE);
    }

    private void take(GameEvent event) {
        console.show(GameCommand.text(event, lang));
        switch (event.getKind()) {
            case EVENT_KIND_HINT -> {
                if (knows.learn(event.getHint()) && knows.open) {
                    console.show(knows.describe(lang));
                }
                guessing = false;
            }
            case EVENT_KIND_NOTICE -> guessing = false;
            case EVENT_KIND_GAME_OVER -> {
                knows.end(event.getGameOver());
                tellNextRound();
            }
            case EVENT_KIND_ROUND_STARTED -> knows.start(event.getRound());
            default -> { }
        }
    }

    /**
     * Between rounds, one line: when the next round starts. The Python CLI prints it without a
     * terminal, and counts down beside the prompt on one; this client has no such countdown, so
     * it says it on a terminal too.
     */
    private void tellNextRound() {
        if (!knows.open && knows.nextRoundAt != null) {
            console.show(GameTexts.nextRound(knows.nextRoundAt, Instant.now(), lang, ZoneId.systemDefault()));
        }
    }

    /** Acts on the lines typed while no guess is in flight; false means leave. */
    private boolean obeyWaitingLines() {
        while (!guessing && !waiting.isEmpty()) {
            GameLines.Action action = GameLines.parse(waiting.poll(), knows.lowest, knows.highest, lang);
            if (action instanceof GameLines.Guess guess) {
                session.send(GameCommand.guess(guess.number()));
                guessing = true;
                answerDue = System.nanoTime() + TimeoutOption.DEFAULT_MILLIS * 1_000_000;
            } else if (action instanceof GameLines.Help) {
                console.show(GameTexts.say(lang, "help"));
            } else if (action instanceof GameLines.Problem problem) {
                console.show("! " + problem.message());
            } else if (action instanceof GameLines.Quit) {
                return false;
            }
        }
        return true;
    }
}
