package tp3.client;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** Receives the one response of an async unary or client-streaming call, for a caller to wait on. */
final class SingleResponse<T> implements StreamObserver<T> {
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<T> result = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Override
    public void onNext(T value) {
        result.set(value);
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
    boolean isDone() {
        return done.getCount() == 0;
    }

    /** The response, once the call has ended; its status as an exception if it failed. */
    T await() {
        CurrencyCommand.await(done);
        if (failure.get() != null) {
            throw Status.fromThrowable(failure.get()).asRuntimeException();
        }
        return result.get();
    }
}
