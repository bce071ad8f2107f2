package tp3.client;

import java.util.Map;

/** Where the server is: {@code host:port} targets and their default, as in the Python client. */
public final class Targets {
    public static final String DEFAULT_TARGET = "127.0.0.1:50051";
    public static final String TARGET_ENV = "TP3_TARGET";

    /** A parsed target; {@code host} has no IPv6 brackets. */
    public record HostPort(String host, int port) {}

    private Targets() {}

    /** {@code $TP3_TARGET} if set and not empty, else 127.0.0.1:50051. */
    public static String defaultTarget(Map<String, String> env) {
        String value = env.get(TARGET_ENV);
        return value == null || value.isEmpty() ? DEFAULT_TARGET : value;
    }

    /** The --target value if given, else the default from the environment. */
    public static String resolve(String option, Map<String, String> env) {
        return option != null ? option : defaultTarget(env);
    }

    /** Splits "host:port" or "[ipv6]:port"; InputException says what is wrong. */
    public static HostPort parse(String target) {
        String text = target.strip();
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new InputException(
                    "target '" + target + "' must look like host:port, e.g. " + DEFAULT_TARGET);
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[")) {
            host = host.substring(1);
        }
        if (host.endsWith("]")) {
            host = host.substring(0, host.length() - 1);
        }
        int port = -1;
        if (!portText.isEmpty() && portText.length() <= 5 && portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            port = Integer.parseInt(portText);
        }
        if (port <= 0 || port >= 65536) {
            throw new InputException("target '" + target + "' has no valid port (1-65535)");
        }
        return new HostPort(host, port);
    }
}
