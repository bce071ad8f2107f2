package lab;

import io.grpc.Status;
import java.util.regex.Pattern;

/** The one stderr line of a failure: "error: CODE: description" for an RPC, else "error: message". */
final class Errors {
    private static final Pattern NATIVE_CALL = Pattern.compile("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");

    private Errors() {}

    static String line(Throwable t) {
        if (t instanceof UsageError || t instanceof Failure) {
            return "error: " + oneLine(t.getMessage());
        }
        Status status = Status.fromThrowable(t);
        if (status.getCode() == Status.Code.UNKNOWN && status.getCause() == t) {
            // not an RPC's status: a bug, said in one line rather than a stack trace
            return "error: " + oneLine(String.valueOf(t));
        }
        return "error: " + status(status);
    }

    /**
     * "UNAVAILABLE: io exception (Connection refused: /127.0.0.1:1)": the code, the description,
     * and the transport's cause when the description doesn't say it (grpc-java's "io exception"
     * alone doesn't say what went wrong). The outermost cause is the one naming the address;
     * Netty's "finishConnect(..) failed with error(-111): " before it says nothing more.
     */
    static String status(Status status) {
        String description = status.getDescription();
        String cause = status.getCause() == null ? null : status.getCause().getMessage();
        if (cause != null) {
            cause = NATIVE_CALL.matcher(cause).replaceFirst("");
        }
        if (cause != null && !cause.isBlank() && (description == null || !description.contains(cause))) {
            description = description == null || description.isBlank() ? cause : description + " (" + cause + ")";
        }
        String code = status.getCode().name();
        return description == null || description.isBlank() ? code : code + ": " + oneLine(description);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
