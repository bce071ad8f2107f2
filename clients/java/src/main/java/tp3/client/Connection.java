package tp3.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

/** A plaintext channel to a tp3 server, closed with try-with-resources. */
public final class Connection implements AutoCloseable {
    private final ManagedChannel channel;

    public Connection(String target) {
        Targets.HostPort hp = Targets.parse(target);
        this.channel = ManagedChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext().build();
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
}
