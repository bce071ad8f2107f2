package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Round;
import tp3.game.v1.Verdict;

class RoundKnowledgeTest {
    private static Round round(long number) {
        return Round.newBuilder().setNumber(number).setLow(1).setHigh(1000).setOpen(true).build();
    }

    private static Hint hint(long round, long guess, Verdict verdict) {
        return Hint.newBuilder().setRound(round).setGuess(guess).setVerdict(verdict).build();
    }

    @Test
    void hintsNarrowTheRange() {
        RoundKnowledge knows = new RoundKnowledge(round(3));
        assertTrue(knows.learn(hint(3, 500, Verdict.VERDICT_TOO_LOW)));
        assertTrue(knows.learn(hint(3, 750, Verdict.VERDICT_TOO_HIGH)));
        assertEquals("round 3: guess a number between 501 and 749", knows.describe(Lang.en));
        assertEquals("Manche 3 : devinez un nombre entre 501 et 749", knows.describe(Lang.fr));
        assertFalse(knows.learn(hint(3, 900, Verdict.VERDICT_TOO_HIGH)), "already excluded");
    }

    @Test
    void aClosedRoundKnowsWhenTheNextStarts() {
        Timestamp at = Timestamp.newBuilder().setSeconds(1795957327L).build();
        RoundKnowledge knows = new RoundKnowledge(round(1));
        assertNull(knows.nextRoundAt);
        knows.end(GameOver.newBuilder().setRound(1).setNextRoundAt(at).build());
        assertEquals(at, knows.nextRoundAt);
        knows.start(round(2));
        assertNull(knows.nextRoundAt);
        knows = new RoundKnowledge(round(2).toBuilder().setOpen(false).setNextRoundAt(at).build());
        assertEquals(at, knows.nextRoundAt);
    }

    @Test
    void whatTellsWhenTheNextRoundStarts() {
        Timestamp at = Timestamp.newBuilder().setSeconds(1795957327L).build();
        GameEvent over = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_GAME_OVER)
                .setGameOver(GameOver.newBuilder().setRound(1).setNextRoundAt(at)).build();
        assertEquals(at, RoundKnowledge.nextRoundAt(over));
        Round closed = round(1).toBuilder().setOpen(false).setNextRoundAt(at).build();
        GameEvent watching = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_WATCHING).setRound(closed).build();
        assertEquals(at, RoundKnowledge.nextRoundAt(watching));
        GameEvent open = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_WATCHING).setRound(round(1)).build();
        assertNull(RoundKnowledge.nextRoundAt(open));
        GameEvent started = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_ROUND_STARTED).setRound(closed).build();
        assertNull(RoundKnowledge.nextRoundAt(started), "only a watcher's first round, or a game over");
    }

    @Test
    void hintsOfAnEarlierRoundAreIgnored() {
        RoundKnowledge knows = new RoundKnowledge(round(4));
        assertFalse(knows.learn(hint(3, 500, Verdict.VERDICT_TOO_LOW)));
        assertEquals(1, knows.low);
    }

    @Test
    void contradictingHintsStartAgainFromTheWholeRange() {
        RoundKnowledge knows = new RoundKnowledge(round(1));
        knows.learn(hint(1, 500, Verdict.VERDICT_TOO_LOW));
        knows.learn(hint(1, 400, Verdict.VERDICT_TOO_HIGH));
        assertEquals(1, knows.low);
        assertEquals(1000, knows.high);
    }

    @Test
    void aWinOrAGameOverClosesTheRoundANewRoundReopensIt() {
        RoundKnowledge knows = new RoundKnowledge(round(1));
        knows.learn(hint(1, 42, Verdict.VERDICT_ROUND_OVER));
        assertFalse(knows.open);
        knows.start(round(2));
        assertTrue(knows.open);
        knows.end(GameOver.newBuilder().setRound(1).build());
        assertTrue(knows.open, "the game over of another round");
        knows.end(GameOver.newBuilder().setRound(2).build());
        assertFalse(knows.open);
    }
}
