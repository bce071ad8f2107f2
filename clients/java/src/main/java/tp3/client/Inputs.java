package tp3.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Parsing of command arguments and stdin lines ("AMOUNT CODE", "AMOUNT FROM TO"). */
public final class Inputs {
    private Inputs() {}

    /** One non-blank, non-comment input line: its 1-based number and whitespace-split fields. */
    public record Record(int number, List<String> fields) {
        public String text() {
            return String.join(" ", fields);
        }
    }

    /** One item of a batch. */
    public record BatchItem(String amount, String currency) {}

    /** One request of an exchange. */
    public record ExchangeRequest(String amount, String from, String to) {}

    /** Fields of a line, or null for a blank line or a comment (first field starting with '#'). */
    public static List<String> fields(String line) {
        String stripped = line.strip();
        if (stripped.isEmpty()) {
            return null;
        }
        List<String> fields = Arrays.asList(stripped.split("\\s+"));
        return fields.get(0).startsWith("#") ? null : fields;
    }

    /** Reads the next record, skipping blank and comment lines; null at end of input. */
    public static Record next(BufferedReader reader, int[] lineNumber) {
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber[0]++;
                List<String> f = fields(line);
                if (f != null) {
                    return new Record(lineNumber[0], f);
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Batch items from arguments "AMOUNT CODE [AMOUNT CODE]...". */
    public static List<BatchItem> pairs(List<String> args) {
        if (args.size() % 2 != 0) {
            throw new InputException("items come in pairs: AMOUNT CODE [AMOUNT CODE]...");
        }
        List<BatchItem> items = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            items.add(new BatchItem(args.get(i), args.get(i + 1)));
        }
        return items;
    }

    /** A batch item from a stdin record, or InputException naming the line. */
    public static BatchItem batchItem(Record record) {
        if (record.fields().size() != 2) {
            throw new InputException(
                    "line " + record.number() + ": expected 'AMOUNT CODE', got " + quote(record.text()));
        }
        return new BatchItem(record.fields().get(0), record.fields().get(1));
    }

    /** An exchange request from a stdin record, or null if the line is malformed. */
    public static ExchangeRequest exchangeRequest(Record record) {
        List<String> f = record.fields();
        return f.size() == 3 ? new ExchangeRequest(f.get(0), f.get(1), f.get(2)) : null;
    }

    /** The message for a malformed exchange line. */
    public static String exchangeLineError(Record record) {
        return "expected 'AMOUNT FROM TO', got " + quote(record.text());
    }

    /** Seconds as decimal text ("1", "0.5") to a protobuf Duration; InputException if not > 0. */
    public static com.google.protobuf.Duration interval(String seconds) {
        java.math.BigDecimal value;
        try {
            value = new java.math.BigDecimal(seconds.strip());
        } catch (NumberFormatException e) {
            throw new InputException("--interval: not a number of seconds: " + quote(seconds));
        }
        if (value.signum() <= 0) {
            throw new InputException("--interval must be > 0, got " + seconds);
        }
        long whole = value.longValue();
        int nanos = value.subtract(java.math.BigDecimal.valueOf(whole)).movePointRight(9).intValue();
        return com.google.protobuf.Duration.newBuilder().setSeconds(whole).setNanos(nanos).build();
    }

    static String quote(String text) {
        return "'" + text + "'";
    }
}
