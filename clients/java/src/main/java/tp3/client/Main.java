package tp3.client;

import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * tp3-client: the Java command-line client of the tp3 services.
 *
 * <p>Expected failures print one line to stderr, "error: ...", and exit non-zero: 1 for a failed
 * RPC, 2 for bad input or usage.
 */
@Command(
        name = "tp3-client",
        mixinStandardHelpOptions = true,
        version = "tp3-client 0.1.0",
        description = "Java client of the tp3 gRPC services.",
        subcommands = {CurrencyCommand.class, ChatCommand.class, GameCommand.class})
public final class Main implements Runnable {
    public static final int RPC_FAILED = 1;
    public static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** The command line with tp3's error handling: one "error: ..." line, exit 1 or 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            int code;
            if (ex instanceof StatusRuntimeException sre) {
                err.println("error: " + Formats.status(sre));
                code = RPC_FAILED;
            } else if (ex instanceof StatusException se) {
                err.println("error: " + Formats.status(se.getStatus()));
                code = RPC_FAILED;
            } else if (ex instanceof CommandFailed cf) {
                err.println("error: " + cf.getMessage());
                code = RPC_FAILED;
            } else if (ex instanceof InputException ie) {
                err.println("error: " + ie.getMessage());
                code = BAD_INPUT;
            } else {
                throw ex;
            }
            err.flush();
            return code;
        });
        return cl;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.out.flush();
        System.exit(code);
    }
}
