package tp3.client;

import com.google.gson.JsonObject;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tp3.currency.v1.ConvertBatchRequest;
import tp3.currency.v1.ConvertBatchResponse;
import tp3.currency.v1.ConvertRequest;
import tp3.currency.v1.ConvertResponse;
import tp3.currency.v1.ConvertStreamRequest;
import tp3.currency.v1.ConvertStreamResponse;
import tp3.currency.v1.Currency;
import tp3.currency.v1.ListCurrenciesRequest;
import tp3.currency.v1.ListCurrenciesResponse;
import tp3.currency.v1.StreamQuotesRequest;
import tp3.currency.v1.StreamQuotesResponse;
import tp3.currency.v1.CurrencyServiceGrpc;

/** {@code currency ...}: the four gRPC call models from the command line. */
@Command(
        name = "currency",
        mixinStandardHelpOptions = true,
        description = "Convert money between currencies (ECB reference rates, exact decimals).",
        subcommands = {
            CurrencyCommand.Convert.class,
            CurrencyCommand.Quotes.class,
            CurrencyCommand.Batch.class,
            CurrencyCommand.Exchange.class,
            CurrencyCommand.ListCurrencies.class
        })
public final class CurrencyCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static BufferedReader stdin() {
        return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    /** Waits for a latch; an interrupt (Ctrl-C is a JVM exit, so rarely) counts as cancellation. */
    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Convert one amount (unary RPC; --async: the asynchronous stub).",
                "Example: currency convert 6500 MAD USD"})
    static final class Convert implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AMOUNT", description = "Amount to convert, e.g. 6500 or 12.50.")
        String amount;

        @Parameters(index = "1", paramLabel = "FROM", description = "Currency code, e.g. MAD.")
        String from;

        @Parameters(index = "2", paramLabel = "TO", description = "Currency code, e.g. USD.")
        String to;

        @Option(names = "--async", description = "Call through the asynchronous stub (a StreamObserver), "
                + "waiting on a latch for the answer.")
        boolean async;

        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin TimeoutOption timeout;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            ConvertRequest request = ConvertRequest.newBuilder()
                    .setAmount(amount).setFromCurrency(from).setToCurrency(to).build();
            long deadline = timeout.millis();
            try (Connection conn = common.connect()) {
                ConvertResponse response = async
                        ? convertAsync(conn, request, deadline)
                        : CurrencyServiceGrpc.newBlockingStub(conn.channel())
                                .withDeadlineAfter(deadline, TimeUnit.MILLISECONDS)
                                .convert(request);
                json.print(() -> Formats.conversionJson(response), () -> List.of(Formats.conversion(response, lang.lang())));
            }
            return 0;
        }

        /** The lab's "unary asynchronous" call: async stub, StreamObserver, wait on a latch. */
        static ConvertResponse convertAsync(Connection conn, ConvertRequest request, long deadlineMillis) {
            SingleResponse<ConvertResponse> response = new SingleResponse<>();
            CurrencyServiceGrpc.newStub(conn.channel())
                    .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                    .convert(request, response);
            return response.await();
        }
    }

    @Command(name = "quotes", mixinStandardHelpOptions = true,
            description = {"Print live simulated quotes as they arrive (server streaming).",
                "Example: currency quotes EUR USD --count 10 --interval 1"})
    static final class Quotes implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "BASE", description = "Base currency, the one quoted, e.g. EUR.")
        String base;

        @Parameters(index = "1", paramLabel = "QUOTE", description = "Quote currency, the price unit, e.g. USD.")
        String quote;

        @Option(names = "--count", defaultValue = "10", description = "Number of ticks (1-100000; default ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
                description = "Seconds between ticks (0.01-60; default ${DEFAULT-VALUE}).")
        String interval;

        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            StreamQuotesRequest request = StreamQuotesRequest.newBuilder()
                    .setBaseCurrency(base).setQuoteCurrency(quote)
                    .setCount(count).setInterval(Inputs.interval(interval)).build();
            ZoneId zone = ZoneId.systemDefault();
            Lang words = lang.lang();
            try (Connection conn = common.connect()) {
                Iterator<StreamQuotesResponse> ticks =
                        CurrencyServiceGrpc.newBlockingStub(conn.channel()).streamQuotes(request);
                while (ticks.hasNext()) {
                    StreamQuotesResponse tick = ticks.next();
                    json.print(() -> Formats.quoteJson(tick), () -> List.of(Formats.tick(tick, zone, words)));
                }
            }
            return 0;
        }
    }

    @Command(name = "batch", mixinStandardHelpOptions = true,
            description = {"Sum many amounts into one currency (client streaming).",
                "Items as pairs (100 EUR 250 MAD), else stdin lines 'AMOUNT CODE'.",
                "Example: printf '100 EUR\\n6500 MAD\\n' | currency batch USD"})
    static final class Batch implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TO", description = "Currency of the total.")
        String to;

        @Parameters(index = "1..*", paramLabel = "AMOUNT CODE", arity = "0..*",
                description = "Items as pairs; without them, stdin lines 'AMOUNT CODE'.")
        List<String> items = new ArrayList<>();

        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            List<Inputs.BatchItem> fromArgs = items.isEmpty() ? null : Inputs.pairs(items);
            String target = common.target();
            SingleResponse<ConvertBatchResponse> response = new SingleResponse<>();
            ConvertBatchResponse summary;
            try (Connection conn = common.connect()) {
                StreamObserver<ConvertBatchRequest> requests =
                        CurrencyServiceGrpc.newStub(conn.channel()).convertBatch(response);
                try {
                    if (fromArgs != null) {
                        for (Inputs.BatchItem item : fromArgs) {
                            send(requests, item);
                        }
                    } else {
                        // Streamed as read: each line goes out before the next is typed.
                        BufferedReader in = stdin();
                        int[] line = {0};
                        Inputs.Record record;
                        while (!response.isDone() && (record = Inputs.next(in, line)) != null) {
                            send(requests, Inputs.batchItem(record));
                        }
                    }
                } catch (RuntimeException e) {
                    requests.onError(Status.CANCELLED.withDescription("bad input").asRuntimeException());
                    throw e;
                }
                requests.onCompleted();
                summary = response.await();
            }
            json.print(() -> Formats.batchJson(summary), () -> Formats.batch(summary, lang.lang()));
            return 0;
        }

        private void send(StreamObserver<ConvertBatchRequest> requests, Inputs.BatchItem item) {
            requests.onNext(ConvertBatchRequest.newBuilder()
                    .setToCurrency(to).setFromCurrency(item.currency()).setAmount(item.amount()).build());
        }
    }

    @Command(name = "exchange", mixinStandardHelpOptions = true,
            description = {"Convert stdin lines 'AMOUNT FROM TO', each answered as it arrives (bidi streaming).",
                "A bad line is reported and the others go on; the exit status is 1 if any line failed.",
                "Example: printf '6500 MAD USD\\n100 EUR JPY\\n' | currency exchange"})
    static final class Exchange implements java.util.concurrent.Callable<Integer> {
        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            // stdin line number of each request sent, by sequence (sequence n -> index n - 1)
            List<Integer> sentLines = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger failures = new AtomicInteger();
            Lang words = lang.lang();
            try (Connection conn = common.connect()) {
                CallObserver<ConvertStreamResponse> replies = new CallObserver<>() {
                    @Override
                    public void onNext(ConvertStreamResponse reply) {
                        int index = (int) reply.getSequence() - 1;
                        long line = index >= 0 && index < sentLines.size() ? sentLines.get(index) : reply.getSequence();
                        if (reply.hasError()) {
                            failures.incrementAndGet();
                            report(line, reply.getError().getCode(), reply.getError().getMessage());
                        } else if (json.json) {
                            JsonObject conversion = Formats.conversionJson(reply.getConversion());
                            conversion.addProperty("line", line);
                            print(System.out, JsonOption.line(conversion));
                        } else {
                            print(System.out, Formats.conversion(reply.getConversion(), words));
                        }
                    }
                };
                StreamObserver<ConvertStreamRequest> requests =
                        CurrencyServiceGrpc.newStub(conn.channel()).convertStream(replies);
                BufferedReader in = stdin();
                int[] lineNumber = {0};
                Inputs.Record record;
                while (!replies.isDone() && (record = Inputs.next(in, lineNumber)) != null) {
                    Inputs.ExchangeRequest request = Inputs.exchangeRequest(record);
                    if (request == null) {
                        failures.incrementAndGet();
                        report(record.number(), Status.Code.INVALID_ARGUMENT.value(), Inputs.exchangeLineError(record));
                        continue;
                    }
                    sentLines.add(record.number());
                    requests.onNext(ConvertStreamRequest.newBuilder().setAmount(request.amount())
                            .setFromCurrency(request.from()).setToCurrency(request.to()).build());
                }
                if (!replies.isDone()) {
                    requests.onCompleted();
                }
                replies.awaitEnd();
            }
            return failures.get() > 0 ? Main.RPC_FAILED : 0;
        }

        /** A refused line: with --json, an error object in order with the conversions; else on stderr. */
        private void report(long line, int code, String message) {
            if (json.json) {
                JsonObject error = JsonOption.error(code, message);
                error.addProperty("line", line);
                print(System.out, JsonOption.line(error));
            } else {
                print(System.err, Formats.lineError(line, Formats.codeName(code), message));
            }
        }

        /** Flushed at once: each answer shows as it arrives. */
        private static void print(PrintStream stream, String line) {
            stream.println(line);
            stream.flush();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the supported currencies with their minor units and rates.")
    static final class ListCurrencies implements java.util.concurrent.Callable<Integer> {
        @Mixin CommonOptions common;
        @Mixin JsonOption json;
        @Mixin TimeoutOption timeout;
        @Mixin LangOption lang;

        @Override
        public Integer call() {
            ListCurrenciesResponse listing;
            try (Connection conn = common.connect()) {
                listing = CurrencyServiceGrpc.newBlockingStub(conn.channel())
                        .withDeadlineAfter(timeout.millis(), TimeUnit.MILLISECONDS)
                        .listCurrencies(ListCurrenciesRequest.getDefaultInstance());
            }
            if (json.json) {
                for (Currency c : listing.getCurrenciesList()) {
                    json.print(() -> Formats.currencyJson(c, listing), List::of);
                }
            } else {
                Formats.currencyTable(listing, lang.lang()).forEach(System.out::println);
            }
            return 0;
        }
    }
}
