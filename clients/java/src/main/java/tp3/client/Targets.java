package tp3.client;

import java.util.Locale;
import java.util.Map;

/**
 * Where the server is: the target forms and their default, as in the Python client
 * ({@code tp3/client/target.py}). A target is {@code host:port} ({@code [ipv6]:port}), or
 * {@code http://host:port} (plaintext; also {@code grpc://}), {@code https://host:port} (TLS,
 * trusting the system's CAs unless --tls-ca is given; also {@code grpcs://}) or
 * {@code dns:///host:port} (gRPC's name syntax; also {@code dns:host:port}). A trailing
 * {@code /} is tolerated; a path, a query, a user, another scheme or a missing port is refused
 * with a message saying what is expected.
 */
public final class Targets {
    public static final String DEFAULT_TARGET = "127.0.0.1:50051";
    public static final String TARGET_ENV = "TP3_TARGET";
    private static final String EXPECTED =
            "expected host:port, http://host:port, https://host:port or dns:///host:port";

    /** What a target says of TLS: nothing (the TLS options decide), plaintext, or TLS. */
    public enum Scheme { ANY, PLAINTEXT, TLS }

    /** A parsed target; {@code host} has no IPv6 brackets. */
    public record HostPort(String host, int port, Scheme scheme) {
        public HostPort(String host, int port) {
            this(host, port, Scheme.ANY);
        }

        /** host:port as people write it (IPv6 in brackets). */
        public String address() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

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

    /** Reads any of the forms above; InputException says what is wrong and what is expected. */
    public static HostPort parse(String target) {
        String text = target.strip();
        String quoted = "target '" + target + "'";
        int colon = text.indexOf(':');
        String scheme = colon < 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? text : text.substring(colon + 1);
        Scheme security = Scheme.ANY;
        boolean named = switch (scheme) {
            case "http", "grpc", "https", "grpcs", "dns" -> !isDigits(rest); // not "http:50051"
            default -> false;
        };
        if (named) {
            security = switch (scheme) {
                case "http", "grpc" -> Scheme.PLAINTEXT;
                case "https", "grpcs" -> Scheme.TLS;
                default -> Scheme.ANY;
            };
            if (scheme.equals("dns")) {
                rest = dnsName(rest, quoted);
            } else if (rest.startsWith("//")) {
                rest = rest.substring(2);
            } else {
                throw new InputException(quoted + ": " + scheme + ": needs //host:port (" + EXPECTED + ")");
            }
            if (rest.endsWith("/")) {
                rest = rest.substring(0, rest.length() - 1);
            }
        } else if (text.contains("://")) {
            throw new InputException(quoted + ": unknown scheme '" + text.substring(0, text.indexOf("://"))
                    + "'; " + EXPECTED);
        } else {
            rest = text;
        }
        if (rest.chars().anyMatch(c -> "/?#@".indexOf(c) >= 0)) {
            throw new InputException(quoted + ": a path, query or user is not allowed; " + EXPECTED);
        }
        int last = rest.lastIndexOf(':');
        if (last <= 0) {
            throw new InputException(quoted + " has no " + (last < 0 ? "port" : "host") + ": "
                    + EXPECTED + ", e.g. " + DEFAULT_TARGET);
        }
        String host = rest.substring(0, last);
        String portText = rest.substring(last + 1);
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new InputException(quoted + ": unbalanced brackets around an IPv6 address");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        if (portText.length() <= 5 && isDigits(portText)) {
            port = Integer.parseInt(portText);
        }
        if (port <= 0 || port >= 65536) {
            throw new InputException(quoted + " has no valid port (1-65535)");
        }
        return new HostPort(host, port, security);
    }

    /** The host:port of gRPC's {@code dns:[//authority/]host:port}; only an empty authority. */
    private static String dnsName(String rest, String quoted) {
        if (!rest.startsWith("//")) {
            return rest;
        }
        int slash = rest.indexOf('/', 2);
        if (slash != 2) {
            throw new InputException(quoted + ": dns: names a DNS server tp3 cannot use; write dns:///host:port");
        }
        return rest.substring(3);
    }

    private static boolean isDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
