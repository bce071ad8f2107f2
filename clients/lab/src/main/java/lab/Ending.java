package lab;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The responses of an async call, each handed to a consumer as it arrives, and its end for the
 * caller to wait on (the originals' StreamObserver, with a latch instead of System.in.read()).
 */
final class Ending<T> implements StreamObserver<T> {
    private final Consumer<T> each;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Ending(Consumer<T> each) {
        this.each = each;
    }

    @Override
    public void onNext(T value) {
        each.accept(value);
    }

    @Override
    public void onError(Throwable t) {
        failure.set(t);
        done.countDown();
    }

    @Override
    public void onCompleted() {
        done.countDown();
    }

    /** True once the call has ended, well or not. */
    boolean ended() {
        return done.getCount() == 0;
    }

    /** Waits for the end (the call's deadline bounds it); its status as an exception if it failed. */
    void await() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
        rethrow();
    }

    /** Waits at most that long; false if the call hasn't ended by then. */
    boolean await(long timeout, TimeUnit unit) {
        try {
            if (!done.await(timeout, unit)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
        rethrow();
        return true;
    }

    private void rethrow() {
        Throwable t = failure.get();
        if (t != null) {
            throw Status.fromThrowable(t).asRuntimeException();
        }
    }
}
