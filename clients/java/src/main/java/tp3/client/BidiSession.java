package tp3.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One chat or game session: a bidirectional stream opened by a join and closed by a leave, as
 * the Python client's {@code BidiSession}. The server's messages and the stream's end arrive on
 * {@link #signals()}, where the console's lines arrive too; requests go out through
 * {@link #send}, from any thread.
 */
final class BidiSession<Req, Resp> {
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final long timeoutMillis;
    private StreamObserver<Req> requests;
    private Resp welcome;
    private boolean halfClosed;

    private BidiSession(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Opens the stream with {@code call} (e.g. {@code stub::chat}), sends {@code join} and waits
     * (at most {@code timeoutMillis}) for the server's first message, the welcome. A refused join
     * throws its status.
     */
    static <Req, Resp> BidiSession<Req, Resp> join(
            Function<StreamObserver<Resp>, StreamObserver<Req>> call, Req join, long timeoutMillis) {
        BidiSession<Req, Resp> session = new BidiSession<>(timeoutMillis);
        session.requests = call.apply(session.observer());
        session.send(join);
        Signal first = session.poll(timeoutMillis);
        if (first instanceof Signal.Received received) {
            @SuppressWarnings("unchecked")
            Resp message = (Resp) received.message();
            session.welcome = message;
            return session;
        }
        if (first instanceof Signal.Closed end && !end.status().isOk()) {
            throw end.status().asRuntimeException();
        }
        session.cancel("no welcome");
        throw (first == null
                        ? Status.DEADLINE_EXCEEDED.withDescription(
                                "no answer to the join within " + timeoutMillis / 1000.0 + " s")
                        : Status.UNKNOWN.withDescription("the server ended the session before welcoming us"))
                .asRuntimeException();
    }

    /** The server's answer to the join. */
    Resp welcome() {
        return welcome;
    }

    /** Where the server's messages arrive; the console puts the user's lines here too. */
    BlockingQueue<Signal> signals() {
        return signals;
    }

    /** The next signal, waiting at most {@code millis}; null if none came. */
    Signal poll(long millis) {
        try {
            return signals.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    /** The next signal, however long it takes. */
    Signal take() {
        try {
            return signals.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    /** Sends one request (ignored once the session is leaving). StreamObserver is not thread-safe. */
    synchronized void send(Req request) {
        if (!halfClosed) {
            requests.onNext(request);
        }
    }

    /**
     * Sends {@code leave}, ends our half of the stream and waits (bounded) for the server to close
     * the session. Called from the session's thread: messages still on their way are dropped.
     */
    void leave(Req leave) {
        endOurHalf(leave);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            Signal signal = poll(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (signal == null) {
                cancel("the server did not close the session");
                return;
            }
            if (signal instanceof Signal.Closed end) {
                if (!end.status().isOk()) {
                    throw end.status().asRuntimeException();
                }
                return;
            }
        }
    }

    /**
     * A leave for a JVM shutdown hook (Ctrl-C without a terminal): whatever the session's thread
     * is doing, tell the server we left, and give it a moment to close the session.
     */
    void leaveOnExit(Req leave) {
        if (closed.getCount() == 0) {
            return;
        }
        endOurHalf(leave);
        try {
            closed.await(Math.min(timeoutMillis, 2000), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void endOurHalf(Req leave) {
        if (!halfClosed && closed.getCount() > 0) {
            requests.onNext(leave);
            requests.onCompleted();
        }
        halfClosed = true;
    }

    private synchronized void cancel(String why) {
        if (requests instanceof ClientCallStreamObserver<Req> call) {
            call.cancel(why, null);
        }
        halfClosed = true;
    }

    private StreamObserver<Resp> observer() {
        return new StreamObserver<>() {
            @Override
            public void onNext(Resp message) {
                if (!Heartbeats.is(message)) {
                    signals.add(new Signal.Received(message));
                }
            }

            @Override
            public void onError(Throwable t) {
                signals.add(new Signal.Closed(Status.fromThrowable(t)));
                closed.countDown();
            }

            @Override
            public void onCompleted() {
                signals.add(new Signal.Closed(Status.OK));
                closed.countDown();
            }
        };
    }
}
