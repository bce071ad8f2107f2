package lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The lines of stdin (UTF-8), read by a daemon thread, so a reader can also watch a call. */
final class StdinLines {
    /** Comes after the last line (compared by identity). */
    static final String EOF = new String("<end of stdin>");

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private StdinLines() {}

    static StdinLines start() {
        StdinLines s = new StdinLines();
        Thread reader = new Thread(s::read, "stdin");
        reader.setDaemon(true); // never holds the JVM up
        reader.start();
        return s;
    }

    private void read() {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            // an unreadable stdin ends like an empty one
        }
        lines.add(EOF);
    }

    /** The next line, EOF after the last, or null if none came within that many milliseconds. */
    String poll(long millis) {
        try {
            return lines.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EOF;
        }
    }
}
