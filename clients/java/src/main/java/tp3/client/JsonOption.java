package tp3.client;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * --json: each result as one line of docs/json-lines.md, the objects the Python CLI prints: a
 * "type" first, money as exact decimal strings, integers as numbers, times in RFC 3339 UTC with
 * microseconds, enums as lower-case words, no field left out for being zero or empty.
 */
public final class JsonOption {
    // nulls kept: a field without a value is null, never missing; no HTML escaping: '<' stays '<'
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @Option(names = "--json",
            description = "One JSON object per line, each with a \"type\", for scripts (docs/json-lines.md).")
    boolean json;

    /** {@code object} as one JSON line with --json, else the lines of {@code text}. */
    void print(Supplier<JsonObject> object, Supplier<List<String>> text) {
        if (json) {
            System.out.println(line(object.get()));
        } else {
            text.get().forEach(System.out::println);
        }
        System.out.flush();
    }

    static String line(JsonObject object) {
        return GSON.toJson(object);
    }

    /** A new object of this type, its fields to add. */
    static JsonObject object(String type) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        return o;
    }

    /** "2026-02-20T14:02:07.123456Z": the server stamps its times to the microsecond. */
    static String time(Timestamp t) {
        return time(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
    }

    /** A time of the client's own, as the server's are written. */
    static String time(Instant t) {
        return TIME.format(t);
    }

    /** A string field whose empty value means none: null. */
    static void optional(JsonObject o, String field, String value) {
        if (value.isEmpty()) {
            o.add(field, JsonNull.INSTANCE);
        } else {
            o.addProperty(field, value);
        }
    }

    /** A proto enum value as a word: VERDICT_TOO_HIGH -> "too_high". */
    static String word(Enum<?> value, String prefix) {
        String name = value.name();
        return (name.startsWith(prefix) ? name.substring(prefix.length()) : name).toLowerCase(Locale.ROOT);
    }

    /** A failure: {"type": "error", "status", "code", "message"}. */
    static JsonObject error(int code, String message) {
        return status("error", code, message);
    }

    /** A request refused in a session that goes on: {"type": "notice", "status", "code", "message"}. */
    static JsonObject notice(int code, String message) {
        return status("notice", code, message);
    }

    private static JsonObject status(String type, int code, String message) {
        Status.Code known = Status.fromCodeValue(code).getCode(); // a code gRPC lacks is UNKNOWN
        JsonObject o = object(type);
        o.addProperty("status", known.name());
        o.addProperty("code", known.value());
        o.addProperty("message", message);
        return o;
    }
}
