package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
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
        assertEquals("round 3: guess a number between 501 and 749", knows.describe(GameTexts.en));
        assertEquals("Manche 3 : devinez un nombre entre 501 et 749", knows.describe(GameTexts.fr));
        assertFalse(knows.learn(hint(3, 900, Verdict.VERDICT_TOO_HIGH)), "already excluded");
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
