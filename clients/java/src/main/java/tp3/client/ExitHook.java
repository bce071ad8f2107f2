package tp3.client;

/**
 * A JVM shutdown hook for the life of a session: Ctrl-C without a terminal (SIGINT ends the JVM,
 * exit status 130) still sends the leave, so the others read "left", not "was disconnected".
 */
final class ExitHook implements AutoCloseable {
    private final Thread hook;

    private ExitHook(Thread hook) {
        this.hook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static <Req> ExitHook leaving(BidiSession<Req, ?> session, Req leave) {
        return new ExitHook(new Thread(() -> session.leaveOnExit(leave), "tp3-leave-on-exit"));
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs
        }
    }
}
