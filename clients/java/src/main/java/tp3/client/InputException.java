package tp3.client;

/** Input the command could not use (a malformed line, a bad target): exit status 2. */
public final class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }
}
