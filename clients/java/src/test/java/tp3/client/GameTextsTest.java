package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
        assertEquals("500: your number is bigger", GameTexts.event(hint(Verdict.VERDICT_TOO_HIGH), Lang.en));
        assertEquals("500 : Votre nombre est plus grand", GameTexts.event(hint(Verdict.VERDICT_TOO_HIGH), Lang.fr));
        assertEquals("500 : Votre nombre est plus petit", GameTexts.event(hint(Verdict.VERDICT_TOO_LOW), Lang.fr));
        assertEquals("500: BRAVO, you won in 7 guesses", GameTexts.event(hint(Verdict.VERDICT_CORRECT), Lang.en));
        assertEquals("500 : BRAVO vous avez gagné en 7 essais", GameTexts.event(hint(Verdict.VERDICT_CORRECT), Lang.fr));
        assertEquals("Manche 3 terminée, le gagnant est alice", GameTexts.event(hint(Verdict.VERDICT_ROUND_OVER), Lang.fr));
    }

    @Test
    void gameOverAndScoreboard() {
        GameEvent over = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_GAME_OVER).setGameOver(
                GameOver.newBuilder().setRound(3).setWinner("alice").setSecret(421).setAttempts(9)).build();
        assertEquals("game over, the winner is alice (round 3, the secret was 421, 9 guesses)",
                GameTexts.event(over, Lang.en));
        assertEquals("Jeu terminé, le gagnant est alice (manche 3, nombre secret 421, 9 essais)",
                GameTexts.event(over, Lang.fr));
        GameEvent board = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_SCOREBOARD).setScoreboard(
                Scoreboard.newBuilder().addPlayers(PlayerScore.newBuilder().setName("alice").setWins(2))
                        .addPlayers(PlayerScore.newBuilder().setName("bob").setWins(1))).build();
        assertEquals("Classement : alice 2 victoires, bob 1 victoires", GameTexts.event(board, Lang.fr));
    }

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    // 2026-11-29T13:02:07Z: 14:02:07 in Paris
    private static final Timestamp AT = Timestamp.newBuilder().setSeconds(1795957327L).build();
    private static final Instant AT_INSTANT = Instant.ofEpochSecond(1795957327L);

    @Test
    void waitingForARound() {
        WaitingForRound forAWin = new WaitingForRound(5, null, AT_INSTANT);
        assertEquals("waiting for round 5, which starts once round 4 is won", GameTexts.waiting(forAWin, Lang.en, PARIS));
        assertEquals("en attente de la manche 5, qui commencera quand la manche 4 sera gagnée",
                GameTexts.waiting(forAWin, Lang.fr, PARIS));
        WaitingForRound until = new WaitingForRound(5, AT, AT_INSTANT.minusMillis(2500));
        assertEquals("waiting for round 5, which starts in 3 s, at 14:02:07", GameTexts.waiting(until, Lang.en, PARIS));
        assertEquals("en attente de la manche 5, qui commence dans 3 s, à 14:02:07",
                GameTexts.waiting(until, Lang.fr, PARIS));
    }

    @Test
    void theNextRoundSecondsRoundedUpNeverBelowZero() {
        assertEquals("next round in 2 s, at 14:02:07", GameTexts.nextRound(AT, AT_INSTANT.minusSeconds(2), Lang.en, PARIS));
        assertEquals("prochaine manche dans 1 s, à 14:02:07",
                GameTexts.nextRound(AT, AT_INSTANT.minusNanos(1000), Lang.fr, PARIS));
        assertEquals("next round in 0 s, at 13:02:07",
                GameTexts.nextRound(AT, AT_INSTANT.plusSeconds(5), Lang.en, ZoneOffset.UTC));
        assertEquals(3, GameTexts.secondsUntil(AT, AT_INSTANT.minusMillis(2001)));
        assertEquals(0, GameTexts.secondsUntil(AT, AT_INSTANT));
    }

    @Test
    void whatThePlayerIsToldItself() {
        assertEquals("la manche est terminée : attente de la suivante", GameTexts.say(Lang.fr, "waiting"));
        assertEquals("type a number and Enter to guess; /help lists the commands", GameTexts.say(Lang.en, "intro"));
        assertEquals("aucune manche n'a encore été gagnée", GameTexts.say(Lang.fr, "no_winner_yet"));
    }

    @Test
    void noticesAreTheServersText() {
        GameEvent notice = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_NOTICE).setText("slow down")
                .setNotice(Notice.newBuilder().setCode(8).setText("slow down")).build();
        assertEquals("slow down", GameTexts.event(notice, Lang.fr));
        assertEquals("! RESOURCE_EXHAUSTED: slow down", GameCommand.text(notice, Lang.fr));
    }
}
