package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandLineTest {
    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void usageErrorsExitTwo() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "currency", "convert", "6500", "MAD"));
        assertTrue(err.toString().contains("Missing required parameter"), err.toString());
    }

    @Test
    void badTargetIsOneErrorLineAndExitTwo() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "currency", "convert", "1", "EUR", "USD", "--target", "nonsense"));
        assertEquals("error: target 'nonsense' has no port: expected host:port, http://host:port, "
                + "https://host:port or dns:///host:port, e.g. 127.0.0.1:50051", err.toString().strip());
    }

    @Test
    void anHttpTargetWithTlsOptionsIsOneErrorLineAndExitTwo() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "currency", "convert", "1", "EUR", "USD",
                "--target", "http://127.0.0.1:1", "--tls-ca", "ca.pem"));
        assertEquals("error: target 127.0.0.1:1 is plaintext (http://, grpc://) but TLS options were given: "
                + "use https:// or no scheme, or drop the TLS options", err.toString().strip());
    }

    @Test
    void oddBatchPairsAreBadInput() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "currency", "batch", "USD", "100", "EUR", "5", "--target", "127.0.0.1:1"));
        assertEquals("error: items come in pairs: AMOUNT CODE [AMOUNT CODE]...", err.toString().strip());
    }

    @Test
    void anUnreachableServerIsNamedInOneLine() {
        // nothing listens on port 1 of the loopback address: the connection is refused
        for (String[] args : new String[][] {
                {"currency", "convert", "1", "EUR", "USD"}, {"currency", "quotes", "EUR", "USD"},
                {"chat", "--name", "alice"}, {"game", "scoreboard"}}) {
            StringWriter err = new StringWriter();
            String[] withTarget = java.util.Arrays.copyOf(args, args.length + 2);
            withTarget[args.length] = "--target";
            withTarget[args.length + 1] = "127.0.0.1:1";
            assertEquals(1, run(err, withTarget), String.join(" ", args));
            assertEquals("error: UNAVAILABLE: cannot reach the tp3 server at 127.0.0.1:1: "
                    + "connection refused (is it running?)", err.toString().strip());
        }
    }

    @Test
    void aDroppedConnectionIsNamedAServersOwnStatusKept() {
        io.grpc.Status dropped = io.grpc.Status.UNAVAILABLE.withDescription("Network closed for unknown reason");
        assertEquals("UNAVAILABLE: lost the connection to the tp3 server at h:1",
                Formats.status(Connection.unreachable(dropped, "h:1")));
        io.grpc.Status own = io.grpc.Status.UNAVAILABLE.withDescription("the server is shutting down");
        assertEquals(own, Connection.unreachable(own, "h:1"));
        io.grpc.Status other = io.grpc.Status.NOT_FOUND.withCause(new java.net.ConnectException("x"));
        assertEquals(other, Connection.unreachable(other, "h:1"));
    }

    @Test
    void chatAndGameNeedAName() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "chat", "--room", "lobby"));
        assertTrue(err.toString().contains("Missing required option: '--name=NAME'"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "game", "bot"));
        assertTrue(err.toString().contains("Missing required option: '--name=NAME'"), err.toString());
    }

    @Test
    void chatNameBeforeASubcommandIsAMistake() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "chat", "--name", "x", "who"));
        assertTrue(err.toString().startsWith("'chat who' takes no --name"), err.toString());
        err = new StringWriter();
        assertEquals(2, run(err, "chat", "--name", "x", "send", "--name", "y", "hi"));
        assertTrue(err.toString().startsWith("give --name after the command: 'chat send --name ...'"), err.toString());
    }

    @Test
    void botRoundsMustBePositive() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "game", "bot", "--name", "b", "--rounds", "0", "--target", "127.0.0.1:1"));
        assertEquals("error: --rounds must be at least 1, got 0", err.toString().strip());
    }

    @Test
    void unknownStrategyIsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "game", "bot", "--name", "b", "--strategy", "psychic"));
        assertTrue(err.toString().contains("psychic"), err.toString());
    }

    @Test
    void everyCommandTakesLang() {
        List<String> lacking = new ArrayList<>();
        Deque<CommandLine> commands = new ArrayDeque<>(Main.commandLine().getSubcommands().values());
        while (!commands.isEmpty()) {
            CommandLine command = commands.pop();
            commands.addAll(command.getSubcommands().values());
            boolean runs = command.getSubcommands().isEmpty() || command.getCommandName().equals("chat");
            if (runs && (command.getCommandSpec().findOption("--lang") == null
                    || command.getCommandSpec().findOption("-l") == null)) {
                lacking.add(command.getCommandSpec().qualifiedName());
            }
        }
        assertEquals(List.of(), lacking);
    }

    @Test
    void chatsLangIsItsSubcommandsUnlessTheyHaveTheirOwn() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("chat", "--lang", "fr", "rooms");
        assertEquals(Lang.fr, ((ChatSubcommand) parsed.subcommand().subcommand().commandSpec().userObject()).language());
        cl = Main.commandLine();
        parsed = cl.parseArgs("chat", "-l", "FR", "who", "--lang", "en");
        assertEquals(Lang.en, ((ChatSubcommand) parsed.subcommand().subcommand().commandSpec().userObject()).language());
    }

    @Test
    void anUnknownLanguageIsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "currency", "list", "--lang", "de"));
        assertTrue(err.toString().contains("--lang"), err.toString());
    }

    @Test
    void everySubcommandIsRegistered() {
        assertEquals(java.util.Set.of("currency", "chat", "game"),
                java.util.Set.copyOf(Main.commandLine().getSubcommands().keySet()));
        assertEquals(java.util.Set.of("play", "bot", "guess", "watch", "scoreboard"),
                java.util.Set.copyOf(Main.commandLine().getSubcommands().get("game").getSubcommands().keySet()));
        assertEquals(java.util.Set.of("send", "listen", "rooms", "who"),
                java.util.Set.copyOf(Main.commandLine().getSubcommands().get("chat").getSubcommands().keySet()));
        CommandLine currency = Main.commandLine().getSubcommands().get("currency");
        assertEquals(java.util.Set.of("convert", "quotes", "batch", "exchange", "list"),
                java.util.Set.copyOf(currency.getSubcommands().keySet()));
    }
}
