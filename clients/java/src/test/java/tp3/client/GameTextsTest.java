package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Notice;
import tp3.game.v1.PlayerScore;
import tp3.game.v1.Scoreboard;
import tp3.game.v1.Verdict;

/** The wording of tp3.game.texts; tests/test_java_client.py compares whole rounds with the Python CLI. */
class GameTextsTest {
    private static GameEvent hint(Verdict verdict) {
        return GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_HINT).setHint(
                Hint.newBuilder().setRound(3).setGuess(500).setVerdict(verdict).setAttempts(7).setWinner("alice"))
                .build();
    }

    @Test
    void hintsInBothLanguages() {
        assertEquals("500: your number is bigger", GameTexts.en.event(hint(Verdict.VERDICT_TOO_HIGH)));
        assertEquals("500 : Votre nombre est plus grand", GameTexts.fr.event(hint(Verdict.VERDICT_TOO_HIGH)));
        assertEquals("500 : Votre nombre est plus petit", GameTexts.fr.event(hint(Verdict.VERDICT_TOO_LOW)));
        assertEquals("500: BRAVO, you won in 7 guesses", GameTexts.en.event(hint(Verdict.VERDICT_CORRECT)));
        assertEquals("500 : BRAVO vous avez gagné en 7 essais", GameTexts.fr.event(hint(Verdict.VERDICT_CORRECT)));
        assertEquals("Manche 3 terminée, le gagnant est alice", GameTexts.fr.event(hint(Verdict.VERDICT_ROUND_OVER)));
    }

    @Test
    void gameOverAndScoreboard() {
        GameEvent over = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_GAME_OVER).setGameOver(
                GameOver.newBuilder().setRound(3).setWinner("alice").setSecret(421).setAttempts(9)).build();
        assertEquals("game over, the winner is alice (round 3, the secret was 421, 9 guesses)",
                GameTexts.en.event(over));
        assertEquals("Jeu terminé, le gagnant est alice (manche 3, nombre secret 421, 9 essais)",
                GameTexts.fr.event(over));
        GameEvent board = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_SCOREBOARD).setScoreboard(
                Scoreboard.newBuilder().addPlayers(PlayerScore.newBuilder().setName("alice").setWins(2))
                        .addPlayers(PlayerScore.newBuilder().setName("bob").setWins(1))).build();
        assertEquals("Classement : alice 2 victoires, bob 1 victoires", GameTexts.fr.event(board));
    }

    @Test
    void noticesAreTheServersText() {
        GameEvent notice = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_NOTICE).setText("slow down")
                .setNotice(Notice.newBuilder().setCode(8).setText("slow down")).build();
        assertEquals("slow down", GameTexts.fr.event(notice));
        assertEquals("! RESOURCE_EXHAUSTED: slow down", GameCommand.text(notice, GameTexts.fr));
    }
}
