package lab;

/** The range the secret can still be in, 1..1000, narrowed by the hints; its middle is the next guess. */
final class Bisection {
    static final int LOW = 1;
    static final int HIGH = 1000;

    private int low = LOW;
    private int high = HIGH;

    /**
     * The middle of the range. An empty range means the hints contradict each other (the secret
     * changed: a new round); the search starts over on 1..1000.
     */
    int next() {
        if (low > high) {
            low = LOW;
            high = HIGH;
        }
        return low + (high - low) / 2;
    }

    /** "plus petit": the secret is above that guess. Max/min keep hints true in any order. */
    void tooSmall(int guess) {
        low = Math.max(low, guess + 1);
    }

    /** "plus grand": the secret is below that guess. */
    void tooBig(int guess) {
        high = Math.min(high, guess - 1);
    }

    int low() {
        return low;
    }

    int high() {
        return high;
    }
}
