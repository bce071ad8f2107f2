package tp3.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Observes an async call to its end, for a caller to wait on: subclasses take the messages in
 * {@code onNext}; {@link #awaitEnd} returns once the call completed, or throws its status.
 */
abstract class CallObserver<T> implements StreamObserver<T> {
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

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
    boolean isDone() {
        return done.getCount() == 0;
    }

    /** Waits for the end of the call; its status as an exception if it failed. */
    void awaitEnd() {
        CurrencyCommand.await(done);
        if (failure.get() != null) {
            throw Status.fromThrowable(failure.get()).asRuntimeException();
        }
    }
}
