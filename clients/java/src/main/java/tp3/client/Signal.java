package tp3.client;

import io.grpc.Status;

/**
 * What an interactive session reacts to, in arrival order on one queue: the user's lines (from
 * the console's reader thread) and the server's messages (from gRPC's callback threads). One
 * thread takes them in turn, so a session's state needs no locks.
 */
sealed interface Signal {
    /** A line the user typed (without its line break). */
    record Line(String text) implements Signal {}

    /** The user is done: end of input, Ctrl-D, or Ctrl-C on a terminal. */
    record EndOfInput() implements Signal {}

    /** A message the server sent on the session's stream. */
    record Received(Object message) implements Signal {}

    /** The server ended the stream with this status (OK: it closed the session). */
    record Closed(Status status) implements Signal {}
}
