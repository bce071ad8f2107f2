package lab;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.example.stubs.Bank.ConvertCurrencyRequest;
import org.example.stubs.Bank.ConvertCurrencyResponse;
import org.example.stubs.BankServiceGrpc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * BankService's four call models, as BankGrpcClient1 to 5 make them: each response printed with
 * protobuf's toString() (its text format), "END" once the server completed a call observed
 * asynchronously.
 */
final class BankCommands {
    private BankCommands() {}

    /** --target and --timeout, shared by the four commands. */
    abstract static class BankCall implements Callable<Integer> {
        @Mixin Endpoint endpoint;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "Deadline of the call (default: ${DEFAULT-VALUE}; the original's "
                        + "getCurrencyStream takes 20 s).")
        double timeout;

        BankServiceGrpc.BankServiceStub async(Endpoint.Connection c) {
            return BankServiceGrpc.newStub(c.channel()).withDeadlineAfter(deadlineMillis(), TimeUnit.MILLISECONDS);
        }

        long deadlineMillis() {
            if (!(timeout > 0)) {
                throw new UsageError("--timeout must be more than 0 seconds");
            }
            return (long) Math.ceil(timeout * 1000);
        }
    }

    /** The original's request: DH to USD, 6500. */
    abstract static class OneRequest extends BankCall {
        @Option(names = "--from", defaultValue = "DH", description = "currencyFrom (default: ${DEFAULT-VALUE}).")
        String from;

        @Option(names = "--to", defaultValue = "USD", description = "currencyTo (default: ${DEFAULT-VALUE}).")
        String to;

        @Option(names = "--amount", defaultValue = "6500", description = "amount (default: ${DEFAULT-VALUE}).")
        double amount;

        ConvertCurrencyRequest request() {
            return ConvertCurrencyRequest.newBuilder().setCurrencyFrom(from).setCurrencyTo(to).setAmount(amount).build();
        }
    }

    /** Many amounts, sent alone as BankGrpcClient4 and 5 do, unless --from or --to is given. */
    abstract static class ManyRequests extends BankCall {
        @Option(names = "--amounts", paramLabel = "A,B,...", split = ",", required = true,
                description = "The amounts to send, one request each, e.g. 100,200.5,300.")
        List<Double> amounts;

        @Option(names = "--from", description = "currencyFrom of every request (default: not set).")
        String from;

        @Option(names = "--to", description = "currencyTo of every request (default: not set).")
        String to;

        /** Sends every amount while the call lasts, then half-closes. */
        void sendAll(StreamObserver<ConvertCurrencyRequest> requests, Ending<?> replies) {
            for (double amount : amounts) {
                if (replies.ended()) {
                    return; // failed already: await() says why
                }
                ConvertCurrencyRequest.Builder request = ConvertCurrencyRequest.newBuilder().setAmount(amount);
                if (from != null) {
                    request.setCurrencyFrom(from);
                }
                if (to != null) {
                    request.setCurrencyTo(to);
                }
                requests.onNext(request.build());
            }
            requests.onCompleted();
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Unary convert (BankGrpcClient1; --async: BankGrpcClient2).",
                "Prints the response's text format; with --async, then END."})
    static final class Convert extends OneRequest {
        @Option(names = "--async", description = "Call through the async stub and a StreamObserver.")
        boolean async;

        @Override
        public Integer call() {
            try (Endpoint.Connection c = endpoint.connect()) {
                if (!async) {
                    ConvertCurrencyResponse response = BankServiceGrpc.newBlockingStub(c.channel())
                            .withDeadlineAfter(deadlineMillis(), TimeUnit.MILLISECONDS)
                            .convert(request());
                    Out.text(response.toString());
                    return 0;
                }
                Ending<ConvertCurrencyResponse> replies = new Ending<>(r -> Out.text(r.toString()));
                async(c).convert(request(), replies);
                replies.await();
                Out.line("END");
            }
            return 0;
        }
    }

    @Command(name = "stream", mixinStandardHelpOptions = true,
            description = {"Server streaming getCurrencyStream (BankGrpcClient3).",
                "Prints each response's text format and ---, then END."})
    static final class Stream extends OneRequest {
        @Override
        public Integer call() {
            try (Endpoint.Connection c = endpoint.connect()) {
                Ending<ConvertCurrencyResponse> replies = new Ending<>(BankCommands::printWithRule);
                async(c).getCurrencyStream(request(), replies);
                replies.await();
                Out.line("END");
            }
            return 0;
        }
    }

    @Command(name = "perform", mixinStandardHelpOptions = true,
            description = {"Client streaming performStream (BankGrpcClient4).",
                "Sends one request per amount, then half-closes. Prints the response's text format, then END."})
    static final class Perform extends ManyRequests {
        @Override
        public Integer call() {
            try (Endpoint.Connection c = endpoint.connect()) {
                Ending<ConvertCurrencyResponse> replies = new Ending<>(r -> Out.text(r.toString()));
                sendAll(async(c).performStream(replies), replies);
                replies.await();
                Out.line("END");
            }
            return 0;
        }
    }

    @Command(name = "full", mixinStandardHelpOptions = true,
            description = {"Bidirectional fullCurrencyStream (BankGrpcClient5).",
                "Sends one request per amount, then half-closes. Prints each response's text format and ---, then END."})
    static final class Full extends ManyRequests {
        @Override
        public Integer call() {
            try (Endpoint.Connection c = endpoint.connect()) {
                Ending<ConvertCurrencyResponse> replies = new Ending<>(BankCommands::printWithRule);
                sendAll(async(c).fullCurrencyStream(replies), replies);
                replies.await();
                Out.line("END");
            }
            return 0;
        }
    }

    /** A response of a stream, then "---" to tell it from the next. */
    private static void printWithRule(ConvertCurrencyResponse response) {
        Out.text(response.toString() + "---\n");
    }
}
