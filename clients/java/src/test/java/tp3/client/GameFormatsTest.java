package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Notice;
import tp3.game.v1.PlayerScore;
import tp3.game.v1.Round;
import tp3.game.v1.RoundResult;
import tp3.game.v1.Scoreboard;
import tp3.game.v1.Verdict;

/** The game's --json objects (docs/json-lines.md); tests/test_json_shapes.py compares them with Python's. */
class GameFormatsTest {
    private static final Timestamp TIME = Timestamp.newBuilder().setSeconds(1795957327L).setNanos(123_456_789).build();
    private static final String AT = "2026-11-29T13:02:07.123456Z";
    private static final java.time.ZoneId PARIS = java.time.ZoneId.of("Europe/Paris");

    @Test
    void hintWithoutWinnerSaysNull() {
        GameEvent hint = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_HINT).setTime(TIME).setHint(
                Hint.newBuilder().setRound(3).setGuess(500).setVerdict(Verdict.VERDICT_TOO_HIGH).setAttempts(1)).build();
        assertEquals("{\"type\":\"hint\",\"round\":3,\"guess\":500,\"verdict\":\"too_high\",\"attempts\":1,"
                + "\"winner\":null,\"time\":\"" + AT + "\",\"text\":\"500 : Votre nombre est plus grand\"}",
                JsonOption.line(GameFormats.eventJson(hint, Lang.fr)));
    }

    @Test
    void roundsAndGameOvers() {
        GameEvent round = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_ROUND_STARTED).setTime(TIME)
                .setRound(Round.newBuilder().setNumber(2).setLow(1).setHigh(1000).setOpen(true)).build();
        assertEquals("{\"type\":\"round_started\",\"round\":2,\"low\":1,\"high\":1000,\"open\":true,"
                + "\"next_round_at\":null,\"time\":\"" + AT + "\",\"text\":\"round 2: guess a number between 1 and 1000\"}",
                JsonOption.line(GameFormats.eventJson(round, Lang.en)));
        GameEvent closed = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_JOINED).setTime(TIME)
                .setRound(Round.newBuilder().setNumber(2).setLow(1).setHigh(1000).setNextRoundAt(TIME)).build();
        assertEquals("{\"type\":\"joined\",\"round\":2,\"low\":1,\"high\":1000,\"open\":false,"
                + "\"next_round_at\":\"" + AT + "\",\"time\":\"" + AT + "\",\"text\":\"round 2: guess a number between 1 and 1000\"}",
                JsonOption.line(GameFormats.eventJson(closed, Lang.en)));
        GameEvent over = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_GAME_OVER).setTime(TIME).setGameOver(
                GameOver.newBuilder().setRound(2).setWinner("alice").setSecret(421).setAttempts(9).setNextRoundAt(TIME))
                .build();
        assertEquals("{\"type\":\"game_over\",\"round\":2,\"winner\":\"alice\",\"secret\":421,\"attempts\":9,"
                + "\"next_round_at\":\"" + AT + "\",\"time\":\"" + AT + "\",\"text\":\"game over, the winner is alice "
                + "(round 2, the secret was 421, 9 guesses)\"}", JsonOption.line(GameFormats.eventJson(over, Lang.en)));
    }

    @Test
    void waitingIsTheBotsOwnLine() {
        java.time.Instant now = java.time.Instant.ofEpochSecond(1795957325L, 123_456_789);
        assertEquals("{\"type\":\"waiting\",\"round\":3,\"next_round_at\":null,\"time\":\"2026-11-29T13:02:05.123456Z\","
                + "\"text\":\"waiting for round 3, which starts once round 2 is won\"}",
                JsonOption.line(GameFormats.waitingJson(new WaitingForRound(3, null, now), Lang.en, PARIS)));
        assertEquals("{\"type\":\"waiting\",\"round\":3,\"next_round_at\":\"" + AT + "\",\"time\":\"2026-11-29T13:02:05.123456Z\","
                + "\"text\":\"en attente de la manche 3, qui commence dans 2 s, à 14:02:07\"}",
                JsonOption.line(GameFormats.waitingJson(new WaitingForRound(3, TIME, now), Lang.fr, PARIS)));
    }

    @Test
    void scoreboardTablesAreRichsLastedRoundedAsPythonRoundsIt() {
        Timestamp ended = Timestamp.newBuilder().setSeconds(1795957327L).setNanos(123_456_000).build();
        Scoreboard board = Scoreboard.newBuilder()
                .addPlayers(PlayerScore.newBuilder().setName("alice").setWins(2).setBestAttempts(7))
                .addPlayers(PlayerScore.newBuilder().setName("bob").setWins(1).setBestAttempts(10))
                .addRecentRounds(RoundResult.newBuilder().setRound(3).setWinner("bob").setSecret(12).setAttempts(10)
                        .setStartedAt(ended.toBuilder().setNanos(123_456_000 - 250_000_000 + 1_000_000_000)
                                .setSeconds(1795957326L)).setEndedAt(ended))
                .addRecentRounds(RoundResult.newBuilder().setRound(2).setWinner("alice").setSecret(421).setAttempts(9)
                        .setStartedAt(ended.toBuilder().setSeconds(1795957327L - 48).setNanos(673_456_000))
                        .setEndedAt(ended))
                .build();
        // rich's tables for the same board; 0.25 s and 47.45 s read 0.2 and 47.5, as f"{s:.1f}" says
        assertEquals(java.util.List.of(
                "                    Joueurs                    ",
                "┏━━━━┳━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓",
                "┃ n° ┃ Joueur ┃ Victoires ┃ Meilleur (essais) ┃",
                "┡━━━━╇━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩",
                "│  1 │ alice  │         2 │                 7 │",
                "│  2 │ bob    │         1 │                10 │",
                "└────┴────────┴───────────┴───────────────────┘",
                "                     Manches récentes                     ",
                "┏━━━━━━━━┳━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┓",
                "┃ Manche ┃ Gagnant ┃ Secret ┃ Essais ┃      Fin ┃  Durée ┃",
                "┡━━━━━━━━╇━━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━┩",
                "│      3 │ bob     │     12 │     10 │ 14:02:07 │  0.2 s │",
                "│      2 │ alice   │    421 │      9 │ 14:02:07 │ 47.5 s │",
                "└────────┴─────────┴────────┴────────┴──────────┴────────┘"),
                GameFormats.scoreboard(board, PARIS, Lang.fr));
        assertEquals(java.util.List.of("no round has been won yet"),
                GameFormats.scoreboard(Scoreboard.getDefaultInstance(), PARIS, Lang.en));
    }

    @Test
    void noticeIsAStatusWithoutText() {
        GameEvent notice = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_NOTICE).setTime(TIME).setText("x")
                .setNotice(Notice.newBuilder().setCode(8).setText("too many guesses")).build();
        assertEquals("{\"type\":\"notice\",\"status\":\"RESOURCE_EXHAUSTED\",\"code\":8,"
                + "\"message\":\"too many guesses\"}", JsonOption.line(GameFormats.eventJson(notice, Lang.en)));
    }

    @Test
    void scoreboardAnswerAndEvent() {
        Scoreboard board = Scoreboard.newBuilder()
                .addPlayers(PlayerScore.newBuilder().setName("alice").setWins(2).setBestAttempts(7))
                .addRecentRounds(RoundResult.newBuilder().setRound(2).setWinner("alice").setSecret(421).setAttempts(9)
                        .setStartedAt(TIME).setEndedAt(TIME)).build();
        String fields = "\"players\":[{\"name\":\"alice\",\"wins\":2,\"best_attempts\":7}],"
                + "\"recent_rounds\":[{\"round\":2,\"winner\":\"alice\",\"secret\":421,\"attempts\":9,"
                + "\"started_at\":\"" + AT + "\",\"ended_at\":\"" + AT + "\"}]";
        assertEquals("{\"type\":\"scoreboard\"," + fields + "}", JsonOption.line(GameFormats.scoreboardJson(board)));
        GameEvent changed = GameEvent.newBuilder().setKind(EventKind.EVENT_KIND_SCOREBOARD).setTime(TIME)
                .setScoreboard(board).build();
        assertEquals("{\"type\":\"scoreboard\"," + fields + ",\"time\":\"" + AT + "\",\"text\":\"scoreboard: alice 2 wins\"}",
                JsonOption.line(GameFormats.eventJson(changed, Lang.en)));
    }
}
