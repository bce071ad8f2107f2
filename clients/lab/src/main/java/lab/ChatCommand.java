package lab;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.example.stubs.ChatGrpc;
import org.example.stubs.ChatOuterClass.Message;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chat --name NAME}: ChatGrpcClient, with a name. Each stdin line is a message; "exit" or
 * the end of stdin half-closes, and the command ends when the server completes the call.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Bidirectional Chat (ChatGrpcClient): stdin lines as messages.",
            "Each stdin line is sent as a Message; a line 'exit' (any case) or the end of stdin half-closes.",
            "Prints each message received as '[SECONDS] USER: TEXT', then END when the server completes."})
final class ChatCommand implements Callable<Integer> {
    /** How long the server has to complete the call after the half-close. */
    static final long CLOSE_SECONDS = 10;

    @Mixin Endpoint endpoint;

    @Option(names = "--name", required = true, description = "user_id of the messages sent.")
    String name;

    @Override
    public Integer call() {
        try (Endpoint.Connection c = endpoint.connect()) {
            Ending<Message> replies = new Ending<>(ChatCommand::print);
            StreamObserver<Message> requests = ChatGrpc.newStub(c.channel()).chat(replies);
            StdinLines lines = StdinLines.start();
            // stdin is read on its own thread so that a call the server ends (or fails) ends the
            // command at once, even while nothing is typed
            while (!replies.ended()) {
                String line = lines.poll(100);
                if (line == null) {
                    continue;
                }
                if (line == StdinLines.EOF || line.equalsIgnoreCase("exit")) {
                    requests.onCompleted();
                    break;
                }
                requests.onNext(message(line));
            }
            if (!replies.await(CLOSE_SECONDS, TimeUnit.SECONDS)) {
                throw new Failure("the server did not end the chat within " + CLOSE_SECONDS + " s of the half-close");
            }
            Out.line("END");
        }
        return 0;
    }

    /** The line as the original sends it, but with the real time (it put only the clock's second of minute). */
    Message message(String text) {
        Instant now = Instant.now();
        return Message.newBuilder()
                .setUserId(name)
                .setText(text)
                .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
    }

    /** "[SECONDS] USER: TEXT", as the original prints it. */
    static void print(Message m) {
        Out.line("[" + m.getTimestamp().getSeconds() + "] " + m.getUserId() + ": " + m.getText());
    }
}
