package lab;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * stdout and stderr in UTF-8 whatever the locale (the game speaks French: "Jeu terminé"), each
 * line flushed at once, and whole: observers print from gRPC's threads.
 */
final class Out {
    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    private static final PrintStream ERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), false, StandardCharsets.UTF_8);

    private Out() {}

    /** One line on stdout. */
    static synchronized void line(String text) {
        OUT.println(text);
        OUT.flush();
    }

    /** A message's text format as is: protobuf's toString() already ends its lines. */
    static synchronized void text(String text) {
        OUT.print(text);
        OUT.flush();
    }

    /** One line on stderr. */
    static synchronized void error(String text) {
        ERR.println(text);
        ERR.flush();
    }

    /** For picocli's help and usage. */
    static PrintWriter outWriter() {
        return new PrintWriter(new OutputStreamWriter(OUT, StandardCharsets.UTF_8), true);
    }

    static PrintWriter errWriter() {
        return new PrintWriter(new OutputStreamWriter(ERR, StandardCharsets.UTF_8), true);
    }
}
