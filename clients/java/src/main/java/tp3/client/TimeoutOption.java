package tp3.client;

import java.math.BigDecimal;
import picocli.CommandLine.Option;

/** --timeout SECONDS, the deadline of a unary call. */
public final class TimeoutOption {
    public static final String DEFAULT_TIMEOUT = "10";
    /** The default deadline, also the bound on a session's join and on an answer to a guess. */
    public static final long DEFAULT_MILLIS = toMillis(DEFAULT_TIMEOUT);

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = DEFAULT_TIMEOUT,
            description = "Seconds to wait for the answer (deadline; default ${DEFAULT-VALUE}).")
    String timeout;

    public long millis() {
        return toMillis(timeout);
    }

    /** Seconds as text ("10", "0.5") to whole milliseconds (at least 1); InputException if not > 0. */
    public static long toMillis(String seconds) {
        BigDecimal value;
        try {
            value = new BigDecimal(seconds.strip());
        } catch (NumberFormatException e) {
            throw new InputException("--timeout: not a number of seconds: '" + seconds + "'");
        }
        if (value.signum() <= 0) {
            throw new InputException("--timeout must be > 0, got " + seconds);
        }
        return Math.max(1L, value.movePointRight(3).longValue());
    }
}
