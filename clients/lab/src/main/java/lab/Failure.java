package lab;

/** A command that gave up for a reason that is no RPC status (e.g. waited too long): exit status 1. */
final class Failure extends RuntimeException {
    Failure(String message) {
        super(message);
    }
}
