package tp3.client;

import io.grpc.Status;
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

    /**
     * The command line with tp3's error handling: one "error: ..." line, exit 1 or 2; with
     * --json, stdout's last line is the same failure as an {"type": "error"} object.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Status status;
            int code = RPC_FAILED;
            if (ex instanceof StatusRuntimeException sre) {
                status = sre.getStatus();
            } else if (ex instanceof StatusException se) {
                status = se.getStatus();
            } else if (ex instanceof CommandFailed) {
                status = Status.UNKNOWN.withDescription(ex.getMessage());
            } else if (ex instanceof InputException) {
                status = Status.INVALID_ARGUMENT.withDescription(ex.getMessage());
                code = BAD_INPUT;
            } else {
                throw ex;
            }
            String message = Formats.statusMessage(status);
            if (commandLine.getParseResult().hasMatchedOption("--json")) {
                String what = message == null ? status.getCode().name() : message;
                System.out.println(JsonOption.line(JsonOption.error(status.getCode().value(), what)));
                System.out.flush();
            }
            // a status of the server's is named; the client's own failures are said as they are
            boolean ours = ex instanceof CommandFailed || ex instanceof InputException;
            PrintWriter err = commandLine.getErr();
            err.println("error: " + (ours ? message : Formats.status(status)));
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
