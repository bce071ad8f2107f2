package tp3.client;

import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Deque;
import tp3.game.v1.GameEvent;
import tp3.game.v1.PlayRequest;
import tp3.game.v1.PlayResponse;

/** One interactive player: one guess at a time, later lines wait for its hint. */
final class GamePlayer {
    private final BidiSession<PlayRequest, PlayResponse> session;
    private final UserConsole console;
    private final GameTexts texts;
    private final RoundKnowledge knows;
    private final Deque<String> waiting = new ArrayDeque<>();
    private boolean guessing;
    /** System.nanoTime() by which the guess in flight must be answered. */
    private long answerDue;
    private boolean inputEnded;

    GamePlayer(BidiSession<PlayRequest, PlayResponse> session, UserConsole console, GameTexts texts) {
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
                throw GameCommand.ended(closed);
            }
            if (!obeyWaitingLines()) {
                break;
            }
        }
        session.leave(GameCommand.LEAVE);
    }

    private void take(GameEvent event) {
        console.show(GameCommand.text(event, texts));
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
