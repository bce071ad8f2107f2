package tp3.client;

import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Round;

/** The current round as a player knows it: the range its hints narrowed the secret to. */
final class RoundKnowledge {
    long round;
    long low;
    long high;
    boolean open;
    /** The round's whole range (1 and 1000). */
    long lowest;
    long highest;

    RoundKnowledge(Round info) {
        start(info);
    }

    void start(Round info) {
        round = info.getNumber();
        low = lowest = info.getLow();
        high = highest = info.getHigh();
        open = info.getOpen();
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
        }
    }

    /** The round and the range left: "round 3: guess a number between 501 and 1000". */
    String describe(GameTexts texts) {
        return texts.round(round, low, high);
    }
}
