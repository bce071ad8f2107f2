package lab;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.example.stubs.JeuGrpc;
import org.example.stubs.JeuOuterClass.Empty;
import org.example.stubs.JeuOuterClass.GuessRequest;
import org.example.stubs.JeuOuterClass.Result;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code play --name NAME}: JeuGrpcClient1, playing by itself. Start's messages are printed
 * prefixed "start: "; Guess's as they are; on "BRAVO..." or "Jeu terminé..." it half-closes
 * Guess, calls Stop and prints its message and winner.
 */
@Command(name = "play", mixinStandardHelpOptions = true,
        description = {"The guessing game (JeuGrpcClient1), played by binary search.",
            "Guesses on 1..1000 by itself. Prints Start's messages as 'start: MESSAGE', every Guess reply as is, and once the game is",
            "over (BRAVO... or Jeu terminé...) Stop's result as 'stop: MESSAGE' and 'winner: NAME'."})
final class PlayCommand implements Callable<Integer> {
    static final long LIMIT_SECONDS = 60;
    /** Silence after a notice that means it took the place of a hint: ask again. */
    static final long QUIET_MILLIS = 1000;
    /** How long Start's first message may take to be printed before the first guess. */
    static final long START_WAIT_MILLIS = 2000;

    /** Guess's end, in the queue of its messages. */
    private static final Object COMPLETED = new Object();

    @Mixin Endpoint endpoint;

    @Option(names = "--name", required = true, description = "username of the guesses.")
    String name;

    @Option(names = "--delay", defaultValue = "0", paramLabel = "MILLIS",
            description = "Wait this long after each reply before the next guess (a slower player, to race another fairly).")
    long delayMillis;

    /** Start's lines and the last lines are printed under it, so none comes after "winner:". */
    private final Object printing = new Object();
    private boolean finished;

    @Override
    public Integer call() throws InterruptedException {
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        // the calls' own deadline, a little later: the clear "no end of the game" comes first
        Deadline deadline = Deadline.after(LIMIT_SECONDS + 5, TimeUnit.SECONDS);
        try (Endpoint.Connection c = endpoint.connect()) {
            JeuGrpc.JeuStub stub = JeuGrpc.newStub(c.channel()).withDeadline(deadline);

            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> startFailed = new AtomicReference<>();
            stub.start(Empty.getDefaultInstance(), new StreamObserver<>() {
                @Override
                public void onNext(Result r) {
                    synchronized (printing) {
                        if (!finished) {
                            Out.line("start: " + r.getMessage());
                        }
                    }
                    started.countDown();
                }

                @Override
                public void onError(Throwable t) {
                    startFailed.set(t);
                    started.countDown();
                }

                @Override
                public void onCompleted() { // the original server ends it with the game
                    started.countDown();
                }
            });
            // so that Start's announcement comes first, as for the original's player
            started.await(START_WAIT_MILLIS, TimeUnit.MILLISECONDS);

            BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
            StreamObserver<GuessRequest> guesses = stub.guess(new StreamObserver<>() {
                @Override
                public void onNext(Result r) {
                    replies.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    replies.add(t);
                }

                @Override
                public void onCompleted() {
                    replies.add(COMPLETED);
                }
            });
            Player player = new Player(guess -> guesses.onNext(
                    GuessRequest.newBuilder().setGuess(guess).setUsername(name).build()));
            player.begin();
            while (true) {
                if (startFailed.get() != null) {
                    throw Status.fromThrowable(startFailed.get()).asRuntimeException();
                }
                long left = TimeUnit.NANOSECONDS.toMillis(limit - System.nanoTime());
                if (left <= 0) {
                    throw new Failure("no end of the game within " + LIMIT_SECONDS + " s ("
                            + player.sent() + " guesses sent)");
                }
                Object reply = replies.poll(Math.min(left, QUIET_MILLIS), TimeUnit.MILLISECONDS);
                if (reply == null) {
                    player.quiet();
                } else if (reply instanceof Throwable t) {
                    throw Status.fromThrowable(t).asRuntimeException();
                } else if (reply == COMPLETED) {
                    throw new Failure("the server ended Guess before the game was over");
                } else {
                    String message = ((Result) reply).getMessage();
                    Out.line(message);
                    Thread.sleep(delayMillis);
                    if (player.take(message)) {
                        break;
                    }
                }
            }
            guesses.onCompleted();
            Result stop = JeuGrpc.newBlockingStub(c.channel()).withDeadline(deadline)
                    .stop(Empty.getDefaultInstance());
            synchronized (printing) {
                finished = true;
                Out.line("stop: " + stop.getMessage());
                Out.line("winner: " + stop.getWinner());
            }
        }
        return 0;
    }
}
