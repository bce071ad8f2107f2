package lab;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Option;

/** --target: where the lab's server is, reached in plaintext as the original clients do. */
final class Endpoint {
    /** Where the course's clients connect (ManagedChannelBuilder.forAddress("localhost", 5555)). */
    static final String DEFAULT_TARGET = "localhost:5555";

    /**
     * grpc-java logs transport trouble with stack traces through java.util.logging; the failed
     * call already says it in one line. Held here so the logger isn't collected with its level.
     */
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    static {
        GRPC_LOG.setLevel(Level.OFF);
    }

    @Option(names = {"--target", "-t"}, paramLabel = "HOST:PORT", defaultValue = DEFAULT_TARGET,
            description = "Server address (default: ${DEFAULT-VALUE}).")
    String target = DEFAULT_TARGET;

    /** A plaintext channel to the target, shut down on close. */
    Connection connect() {
        HostPort hp = HostPort.parse(target);
        return new Connection(Grpc.newChannelBuilderForAddress(
                hp.host(), hp.port(), InsecureChannelCredentials.create()).build());
    }

    /** A channel for try-with-resources. */
    record Connection(ManagedChannel channel) implements AutoCloseable {
        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** "host:port" or "[ipv6]:port", split. */
    record HostPort(String host, int port) {
        static HostPort parse(String target) {
            String text = target.strip();
            int colon = text.lastIndexOf(':');
            String host = colon > 0 ? text.substring(0, colon) : "";
            String port = colon > 0 ? text.substring(colon + 1) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int number = port.matches("[0-9]{1,5}") ? Integer.parseInt(port) : -1;
            if (host.isEmpty() || number < 1 || number > 65535) {
                throw new UsageError("target '" + target + "' must look like host:port, e.g. " + DEFAULT_TARGET);
            }
            return new HostPort(host, number);
        }
    }
}
