package tp3.client;

/** A command that could not do its job for a reason that is no RPC status: exit status 1. */
final class CommandFailed extends RuntimeException {
    CommandFailed(String message) {
        super(message);
    }
}
