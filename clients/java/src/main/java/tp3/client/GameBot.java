package tp3.client;

import com.google.gson.JsonObject;
import io.grpc.Status;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Random;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.PlayRequest;
import tp3.game.v1.PlayResponse;

/** The bot's play: one guess at a time, within the range its hints narrowed. */
final class GameBot {
    /** The longest a rate-limited bot waits between two guesses. */
    private static final long MAX_PACE_MILLIS = 2000;

    private final BidiSession<PlayRequest, PlayResponse> session;
    private final GameCommand.Bot options;
    private final Lang lang;
    private final RoundKnowledge knows;
    private final Random random = new Random();
    /** The round the bot takes part in; 0: waiting for the next one. */
    private long playing;
    /** Rounds the bot took part in that have ended. */
    private int ended;
    private boolean inFlight;
    /** Milliseconds to wait before a guess: grows when the server says we guess too fast. */
    private long pace;

    GameBot(BidiSession<PlayRequest, PlayResponse> session, GameCommand.Bot options) {
        this.session = session;
        this.options = options;
        this.lang = options.lang.lang();
        this.knows = new RoundKnowledge(session.welcome().getEvent().getRound());
        this.playing = options.nextRound || !knows.open ? 0 : knows.round;
    }

    void run() {
        show(session.welcome().getEvent());
        WaitingForRound waiting = waiting(Instant.now());
        if (waiting != null) {
            ZoneId zone = ZoneId.systemDefault();
            options.json.print(() -> GameFormats.waitingJson(waiting, lang, zone),
                    () -> List.of(GameTexts.waiting(waiting, lang, zone)));
        }
        guess();
        while (true) {
            Signal signal = session.take();
            if (signal instanceof Signal.Closed closed) {
                throw GameCommand.ended(closed);
            }
            if (signal instanceof Signal.Received received && take(((PlayResponse) received.message()).getEvent())) {
                break;
            }
            guess();
        }
        session.leave(GameCommand.LEAVE);
    }

    /** What to say when the bot sits out the round in progress: the round it waits for; null
     * when it plays the round in progress. */
    WaitingForRound waiting(Instant now) {
        return playing != 0 ? null : new WaitingForRound(knows.round + 1, knows.nextRoundAt, now);
    }

    /** Takes in one event; true when the bot is done. */
    private boolean take(GameEvent event) {
        if (event.getKind() != EventKind.EVENT_KIND_HINT) {
            show(event);
        }
        switch (event.getKind()) {
            case EVENT_KIND_HINT -> {
                inFlight = false;
                pace = pace > 10 ? pace * 3 / 4 : 0;
                knows.learn(event.getHint());
                showHint(event);
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
        long number = options.strategy == GameCommand.Strategy.binary
                ? Math.floorDiv(knows.low + knows.high, 2)
                : knows.low + (long) (random.nextDouble() * (knows.high - knows.low + 1));
        inFlight = true;
        session.send(GameCommand.guess(number));
    }

    private void show(GameEvent event) {
        options.json.print(() -> GameFormats.eventJson(event, lang), () -> List.of(GameCommand.text(event, lang)));
    }

    /** A hint, and in JSON the range it left ("low", "high"), as the Python bot prints it. */
    private void showHint(GameEvent hint) {
        options.json.print(() -> {
            JsonObject o = GameFormats.eventJson(hint, lang);
            o.addProperty("low", knows.low);
            o.addProperty("high", knows.high);
            return o;
        }, () -> List.of(GameCommand.text(hint, lang)));
    }
}
