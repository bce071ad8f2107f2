package tp3.client;

import com.google.protobuf.Timestamp;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Round;

/**
 * The current round as a player knows it: the range its hints narrowed the secret to, and, once
 * the round is over, when the next one starts (tp3.game.knowledge).
 */
final class RoundKnowledge {
    long round;
    long low;
    long high;
    boolean open;
    /** The round's whole range (1 and 1000). */
    long lowest;
    long highest;
    /** Once the round is over: when the next one starts (null if the server did not say). */
    Timestamp nextRoundAt;

    RoundKnowledge(Round info) {
        start(info);
    }

    /** A round as the server describes it (joined, or started): nothing learnt yet. */
    void start(Round info) {
        round = info.getNumber();
        low = lowest = info.getLow();
        high = highest = info.getHigh();
        open = info.getOpen();
        nextRoundAt = info.hasNextRoundAt() ? info.getNextRoundAt() : null;
    }

    /** Takes in the hint to one of our guesses; true if it narrowed the range. */
    boolean learn(Hint hint) {
        if (hint.getRound() != round) { // a guess judged in an earlier round
            return false;
        }
        long lowBefore = low;
        long highBefore = high;
        switch (hint.getVerdict()) {
            case VERDICT_TOO_HIGH -> high = Math.min(high, hint.getGuess() - 1);
            case VERDICT_TOO_LOW -> low = Math.max(low, hint.getGuess() + 1);
            case VERDICT_CORRECT, VERDICT_ROUND_OVER -> open = false;
            default -> { }
        }
        if (low > high) { // contradicting hints: start again from the whole range
            low = lowest;
            high = highest;
        }
        return low != lowBefore || high != highBefore;
    }

    void end(GameOver over) {
        if (over.getRound() == round) {
            open = false;
            nextRoundAt = over.hasNextRoundAt() ? over.getNextRoundAt() : null;
        }
    }

    /** The round and the range left: "round 3: guess a number between 501 and 1000". */
    String describe(Lang lang) {
        return GameTexts.round(lang, round, low, high);
    }

    /** When the next round starts, if {@code event} tells: a game over, or a closed round watched;
     * else null. */
    static Timestamp nextRoundAt(GameEvent event) {
        if (event.getKind() == EventKind.EVENT_KIND_GAME_OVER && event.getGameOver().hasNextRoundAt()) {
            return event.getGameOver().getNextRoundAt();
        }
        if (event.getKind() == EventKind.EVENT_KIND_WATCHING && !event.getRound().getOpen()
                && event.getRound().hasNextRoundAt()) {
            return event.getRound().getNextRoundAt();
        }
        return null;
    }
}
