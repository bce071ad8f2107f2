package lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlayerTest {
    private static final String SMALL = "Votre nombre est plus petit";
    private static final String BIG = "Votre nombre est plus grand";

    /** The original server's answer to a guess. */
    private static String answer(int guess, int secret) {
        return guess < secret ? SMALL : guess > secret ? BIG : "BRAVO c'est bob le gagnant !";
    }

    @Test
    void findsEverySecretWithinTenGuesses() {
        for (int secret = Bisection.LOW; secret <= Bisection.HIGH; secret++) {
            List<Integer> sent = new ArrayList<>();
            Player player = new Player(sent::add);
            player.begin();
            while (!player.take(answer(sent.get(sent.size() - 1), secret))) {
                assertTrue(sent.size() <= 10, "secret " + secret + ": " + sent);
            }
            assertEquals(secret, sent.get(sent.size() - 1));
        }
    }

    @Test
    void firstGuessIsTheMiddle() {
        List<Integer> sent = new ArrayList<>();
        new Player(sent::add).begin();
        assertEquals(List.of(500), sent);
    }

    @Test
    void repliesAreReadAsTheServerWordsThem() {
        assertEquals(Reply.TOO_SMALL, Reply.of(SMALL));
        assertEquals(Reply.TOO_BIG, Reply.of(BIG));
        assertEquals(Reply.WON, Reply.of("BRAVO c'est bob le gagnant !"));
        assertEquals(Reply.OVER, Reply.of("Jeu terminé BRAVO c'est alice le gagnant !"));
        assertEquals(Reply.OVER, Reply.of("Jeu termine\u0301 (e + accent combinant)"));
        assertEquals(Reply.OTHER, Reply.of("Nouvelle manche : devinez un nombre entre 1 et 1000"));
        assertTrue(Reply.WON.endsGame() && Reply.OVER.endsGame());
        assertFalse(Reply.TOO_SMALL.endsGame() || Reply.OTHER.endsGame());
    }

    @Test
    void otherMessagesEndNothingAndSendNothing() {
        List<Integer> sent = new ArrayList<>();
        Player player = new Player(sent::add);
        player.begin();
        assertFalse(player.take("Le jeu a commencé"));
        assertEquals(List.of(500), sent);
        assertTrue(player.take("Jeu terminé, le gagnant est alice"));
    }

    @Test
    void asksAgainOnlyWhenANoticeCameInsteadOfTheHint() {
        List<Integer> sent = new ArrayList<>();
        Player player = new Player(sent::add);
        player.begin();
        player.quiet(); // a late hint: keep waiting
        assertEquals(List.of(500), sent);
        player.take("Trop de propositions, ralentissez");
        player.quiet();
        assertEquals(List.of(500, 500), sent);
        player.take(SMALL);
        assertEquals(List.of(500, 500, 750), sent);
    }

    @Test
    void startsOverWhenTheHintsContradictEachOther() {
        List<Integer> sent = new ArrayList<>();
        Player player = new Player(sent::add);
        player.begin();
        player.take(SMALL); // > 500
        player.take(BIG); // < 750
        player.take(BIG); // < 625
        player.take(BIG); // < 562
        player.take(BIG); // < 531
        player.take(BIG); // < 515
        player.take(BIG); // < 507
        player.take(BIG); // < 503
        player.take(BIG); // < 501: nothing left, a new secret
        assertEquals(List.of(500, 750, 625, 562, 531, 515, 507, 503, 501, 500), sent);
    }
}
