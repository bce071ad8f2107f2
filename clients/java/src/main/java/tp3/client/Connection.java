package tp3.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A channel to a tp3 server (plaintext, or TLS with a CA and optionally a client certificate),
 * closed with try-with-resources; with a token, every call carries {@code authorization: Bearer
 * TOKEN}. A server that can't be reached fails calls with UNAVAILABLE and a message naming it,
 * as the Python client says it.
 */
public final class Connection implements AutoCloseable {
    /**
     * grpc-java logs transport trouble (e.g. a host that doesn't resolve) with stack traces through
     * java.util.logging; the failed call already says it in one line. Held here so it isn't
     * collected with its level.
     */
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    static {
        GRPC_LOG.setLevel(Level.OFF);
    }

    private static final String LOST = "Network closed for unknown reason";

    private final ManagedChannel channel;

    /** TLS settings: the CA to trust, and for mutual TLS a certificate and its PKCS#8 key. */
    public record Tls(File ca, File cert, File key) {}

    public Connection(String target) {
        this(target, null, null);
    }

    public Connection(String target, Tls tls, String token) {
        Targets.HostPort hp = Targets.parse(target);
        var builder = Grpc.newChannelBuilderForAddress(hp.host(), hp.port(), credentials(hp, tls))
                .intercept(new NamingUnreachable(target));
        if (token != null && !token.isBlank()) {
            builder.intercept(new BearerToken(token.strip()));
        }
        this.channel = builder.build();
    }

    /** The TLS options, or what the target's scheme says without them (https://: the system's CAs). */
    private static io.grpc.ChannelCredentials credentials(Targets.HostPort hp, Tls tls) {
        if (hp.scheme() == Targets.Scheme.PLAINTEXT && tls != null) {
            throw new InputException("target " + hp.address() + " is plaintext (http://, grpc://) but TLS "
                    + "options were given: use https:// or no scheme, or drop the TLS options");
        }
        if (tls == null) {
            return hp.scheme() == Targets.Scheme.TLS
                    ? TlsChannelCredentials.create()
                    : InsecureChannelCredentials.create();
        }
        if ((tls.cert() == null) != (tls.key() == null)) {
            throw new InputException("--tls-cert and --tls-key go together");
        }
        try {
            var builder = TlsChannelCredentials.newBuilder();
            if (tls.ca() != null) {
                builder.trustManager(tls.ca());
            }
            if (tls.cert() != null) {
                builder.keyManager(tls.cert(), tls.key());
            }
            return builder.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new InputException("cannot use the TLS files: " + e.getMessage());
        }
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * "lost the connection to the tp3 server at HOST:PORT" for a connection that dropped, and
     * "cannot reach the tp3 server at HOST:PORT: connection refused (is it running?)" for an
     * UNAVAILABLE that comes from the transport (it has a cause, digested here and dropped); a
     * server's own status is kept.
     */
    static Status unreachable(Status status, String target) {
        if (status.getCode() != Status.Code.UNAVAILABLE) {
            return status;
        }
        if (status.getCause() == null) {
            // grpc-java's words for a connection that dropped under a call (e.g. the server died)
            return LOST.equals(status.getDescription())
                    ? Status.UNAVAILABLE.withDescription("lost the connection to the tp3 server at " + target)
                    : status;
        }
        Throwable root = status.getCause();
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String text = String.valueOf(root.getMessage());
        String prefix = "cannot reach the tp3 server at " + target + ": ";
        if (root instanceof ConnectException || text.contains("Connection refused")) {
            return Status.UNAVAILABLE.withDescription(prefix + "connection refused (is it running?)");
        }
        if (root instanceof UnknownHostException) { // "nohost.invalid: Name or service not known"
            return Status.UNAVAILABLE.withDescription(prefix + text.substring(text.lastIndexOf(": ") + 1).strip());
        }
        return Status.UNAVAILABLE.withDescription(prefix + text);
    }

    /** Sends the token with every call. */
    private record BearerToken(String token) implements ClientInterceptor {
        private static final Metadata.Key<String> AUTHORIZATION =
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
                MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(AUTHORIZATION, "Bearer " + token);
                    super.start(listener, headers);
                }
            };
        }
    }

    /** Applies {@link #unreachable} to the status every call ends with. */
    private record NamingUnreachable(String target) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
                MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            super.onClose(unreachable(status, target), trailers);
                        }
                    }, headers);
                }
            };
        }
    }
}
