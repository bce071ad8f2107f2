package lab;

import java.util.function.IntConsumer;

/**
 * The automatic player: one guess at a time, the next one sent when the last one's hint came.
 * No gRPC here: it is told the messages of the Guess stream, and sends guesses through a
 * callback.
 */
final class Player {
    private final Bisection range = new Bisection();
    private final IntConsumer send;
    /** The guess waiting for its hint, or null. */
    private Integer pending;
    /** Whether a message that is no hint came since the pending guess was sent. */
    private boolean otherSinceSend;
    private int sent;

    Player(IntConsumer send) {
        this.send = send;
    }

    /** Sends the first guess. */
    void begin() {
        sendNext();
    }

    /** Takes one message of the Guess stream; true when the game is over (won or lost). */
    boolean take(String message) {
        Reply reply = Reply.of(message);
        switch (reply) {
            case TOO_SMALL, TOO_BIG -> {
                if (pending == null) {
                    return false; // a second answer to a guess sent twice: nothing new
                }
                if (reply == Reply.TOO_SMALL) {
                    range.tooSmall(pending);
                } else {
                    range.tooBig(pending);
                }
                sendNext();
            }
            case OTHER -> otherSinceSend = true;
            default -> { }
        }
        return reply.endsGame();
    }

    /**
     * Nothing came for a while. If a notice came instead of the pending guess's hint (e.g. the
     * server found it too fast), asks again; else the hint is only late, and waiting goes on.
     */
    void quiet() {
        if (pending != null && otherSinceSend) {
            sendNext();
        }
    }

    /** How many guesses were sent. */
    int sent() {
        return sent;
    }

    private void sendNext() {
        pending = range.next();
        otherSinceSend = false;
        sent++;
        send.accept(pending);
    }
}
