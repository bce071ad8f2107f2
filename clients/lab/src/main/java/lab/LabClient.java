package lab;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * tp3-lab-client: the course's original clients (BankGrpcClient1-5, ChatGrpcClient,
 * JeuGrpcClient1) in one scriptable command, on the lab's contract (protos/lab).
 *
 * <p>Failures print one line on stderr: "error: CODE: description" for a failed RPC and exit 1;
 * "error: ..." and exit 1 for a command that gave up, 2 for bad usage.
 */
@Command(
        name = "tp3-lab-client",
        mixinStandardHelpOptions = true,
        version = "tp3-lab-client 0.1.0",
        description = "Java client of the lab's contract: BankService, Chat and Jeu (protos/lab).",
        subcommands = {
            BankCommands.Convert.class,
            BankCommands.Stream.class,
            BankCommands.Perform.class,
            BankCommands.Full.class,
            ChatCommand.class,
            PlayCommand.class
        })
public final class LabClient implements java.util.concurrent.Callable<Integer> {
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Override
    public Integer call() {
        Out.error("error: missing command: convert, stream, perform, full, chat or play (see --help)");
        return USAGE;
    }

    /** The command line with the lab client's error handling: one "error: ..." line. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LabClient());
        cl.setOut(Out.outWriter());
        cl.setErr(Out.errWriter());
        cl.setParameterExceptionHandler((ex, args) -> {
            Out.error("error: " + ex.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Out.error(Errors.line(ex));
            return ex instanceof UsageError ? USAGE : FAILED;
        });
        return cl;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }
}
