package tp3.client;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/**
 * Not from the server: a bot's own word that it sits out until round {@code round}, which starts
 * at {@code nextRoundAt} (null: once the round in progress is won); {@code time} is when it said
 * so (tp3.game.events.WaitingForRound).
 */
record WaitingForRound(long round, Timestamp nextRoundAt, Instant time) {}
