package tp3.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The user's side of an interactive session: lines read on a thread of their own (so the session
 * reacts to the server while the user types) and lines shown.
 *
 * <p>On a terminal, JLine keeps the line being typed at the bottom and prints what arrives above
 * it; otherwise (stdin piped) lines are read and printed plainly, one per line.
 */
abstract class UserConsole implements AutoCloseable {
    /** JLine reports a terminal it can't use through java.util.logging; we fall back quietly. */
    private static final java.util.logging.Logger JLINE_LOG = java.util.logging.Logger.getLogger("org.jline");

    static {
        JLINE_LOG.setLevel(java.util.logging.Level.OFF);
    }

    /** A terminal console if stdin and stdout are terminals, else a plain one. */
    static UserConsole open(String prompt) {
        if (System.console() != null) {
            try {
                return new OnTerminal(prompt);
            } catch (IOException | RuntimeException e) {
                // no usable terminal after all (e.g. TERM=dumb): plain lines still work
            }
        }
        return new Plain();
    }

    /** Shows one line to the user. */
    abstract void show(String line);

    /** True when the user can edit a line while events are shown (a terminal). */
    abstract boolean interactive();

    /** Starts reading lines on a daemon thread into {@code sink}, then an {@link Signal.EndOfInput}. */
    void startReading(Queue<Signal> sink) {
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = readLine()) != null) {
                    sink.add(new Signal.Line(line));
                }
            } catch (IOException | RuntimeException e) {
                // the input is gone: the same as its end
            }
            sink.add(new Signal.EndOfInput());
        }, "tp3-console");
        reader.setDaemon(true);
        reader.start();
    }

    /** The next line, or null at the end of the input. */
    abstract String readLine() throws IOException;

    @Override
    public void close() {}

    /** stdin and stdout as they are: scripts, pipes, tests. */
    static final class Plain extends UserConsole {
        private final BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        private final PrintStream out = System.out;

        @Override
        void show(String line) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }

        @Override
        boolean interactive() {
            return false;
        }

        @Override
        String readLine() throws IOException {
            return in.readLine();
        }
    }

    /** A terminal: JLine's line editor, events printed above the line being typed. */
    static final class OnTerminal extends UserConsole {
        private final Terminal terminal;
        private final LineReader reader;
        private final String prompt;

        OnTerminal(String prompt) throws IOException {
            this.terminal = TerminalBuilder.builder().system(true).dumb(false).build();
            if (terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
                // TERM=dumb: no cursor control, so JLine could not redraw the typed line below
                // an event; plain lines (the terminal's own echo) keep it visible.
                terminal.close();
                throw new IOException("dumb terminal");
            }
            // The accepted line is erased, as the Python CLI does: the room's echo shows it.
            this.reader = LineReaderBuilder.builder().terminal(terminal)
                    .option(LineReader.Option.ERASE_LINE_ON_FINISH, true).build();
            this.prompt = prompt;
        }

        @Override
        void show(String line) {
            reader.printAbove(line);
        }

        @Override
        boolean interactive() {
            return true;
        }

        @Override
        String readLine() {
            try {
                return reader.readLine(prompt);
            } catch (EndOfFileException | UserInterruptException e) {
                return null; // Ctrl-D or Ctrl-C: leave
            }
        }

        @Override
        public void close() {
            try {
                terminal.close();
            } catch (IOException e) {
                // restoring the terminal is best effort at exit
            }
        }
    }
}
