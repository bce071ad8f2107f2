package tp3.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** --json: each response as one line of protobuf's JSON mapping, instead of text. */
public final class JsonOption {
    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    @Option(names = "--json",
            description = "One JSON object per line: protobuf's JSON mapping of each response "
                    + "(proto field names; 64-bit integers as strings).")
    boolean json;

    /** {@code message} as one JSON line with --json, else the lines of {@code text}. */
    void print(MessageOrBuilder message, Supplier<List<String>> text) {
        if (json) {
            System.out.println(json(message));
        } else {
            text.get().forEach(System.out::println);
        }
        System.out.flush();
    }

    static String json(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) { // only for Any with unknown types: none here
            throw new IllegalStateException(e);
        }
    }
}
