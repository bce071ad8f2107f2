package tp3.client;

import java.util.concurrent.atomic.AtomicReference;

/** Receives the one response of an async unary or client-streaming call, for a caller to wait on. */
final class SingleResponse<T> extends CallObserver<T> {
    private final AtomicReference<T> result = new AtomicReference<>();

    @Override
    public void onNext(T value) {
        result.set(value);
    }

    /** The response, once the call has ended; its status as an exception if it failed. */
    T await() {
        awaitEnd();
        return result.get();
    }
}
