package lab;

/** Input the command cannot use (a bad target, a bad option value): exit status 2. */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message);
    }
}
