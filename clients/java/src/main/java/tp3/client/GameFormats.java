package tp3.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import tp3.game.v1.EventKind;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.PlayerScore;
import tp3.game.v1.Round;
import tp3.game.v1.RoundResult;
import tp3.game.v1.Scoreboard;

/**
 * The scoreboard as text tables, as the Python CLI's {@code tp3 game scoreboard} shows it, and
 * the game's --json objects (docs/json-lines.md).
 */
final class GameFormats {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private GameFormats() {}

    static List<String> scoreboard(Scoreboard board, ZoneId zone) {
        if (board.getPlayersCount() == 0) {
            return List.of("no round has been won yet");
        }
        List<String[]> players = new ArrayList<>();
        players.add(new String[] {"#", "Player", "Wins", "Best (guesses)"});
        int rank = 0;
        for (PlayerScore p : board.getPlayersList()) {
            players.add(new String[] {
                Integer.toString(++rank), p.getName(), Integer.toString(p.getWins()),
                Integer.toString(p.getBestAttempts())});
        }
        List<String[]> rounds = new ArrayList<>();
        rounds.add(new String[] {"Round", "Winner", "Secret", "Guesses", "Ended", "Lasted"});
        for (RoundResult r : board.getRecentRoundsList()) {
            double lasted = seconds(r.getEndedAt()) - seconds(r.getStartedAt());
            rounds.add(new String[] {
                Long.toString(r.getRound()), r.getWinner(), Long.toString(r.getSecret()),
                Integer.toString(r.getAttempts()),
                CLOCK.format(Instant.ofEpochSecond(r.getEndedAt().getSeconds(), r.getEndedAt().getNanos()).atZone(zone)),
                String.format(java.util.Locale.ROOT, "%.1f s", lasted)});
        }
        List<String> lines = new ArrayList<>();
        lines.add("Players");
        lines.addAll(Formats.table(players, 1));
        lines.add("");
        lines.add("Recent rounds");
        lines.addAll(Formats.table(rounds, 1));
        return lines;
    }

    private static double seconds(Timestamp t) {
        return t.getSeconds() + t.getNanos() / 1e9;
    }

    /** One event as an object, its "text" in {@code texts}' language. */
    static JsonObject eventJson(GameEvent event, GameTexts texts) {
        if (event.getKind() == EventKind.EVENT_KIND_NOTICE) {
            return JsonOption.notice(event.getNotice().getCode(), event.getNotice().getText());
        }
        JsonObject o = JsonOption.object(JsonOption.word(event.getKind(), "EVENT_KIND_"));
        switch (event.getKind()) {
            case EVENT_KIND_JOINED, EVENT_KIND_WATCHING, EVENT_KIND_ROUND_STARTED -> {
                Round r = event.getRound();
                o.addProperty("round", r.getNumber());
                o.addProperty("low", r.getLow());
                o.addProperty("high", r.getHigh());
                o.addProperty("open", r.getOpen());
                // a closed round's: when the next one starts
                if (r.hasNextRoundAt()) {
                    o.addProperty("next_round_at", JsonOption.time(r.getNextRoundAt()));
                } else {
                    o.add("next_round_at", JsonNull.INSTANCE);
                }
            }
            case EVENT_KIND_HINT -> {
                Hint h = event.getHint();
                o.addProperty("round", h.getRound());
                o.addProperty("guess", h.getGuess());
                o.addProperty("verdict", JsonOption.word(h.getVerdict(), "VERDICT_"));
                o.addProperty("attempts", h.getAttempts());
                JsonOption.optional(o, "winner", h.getWinner()); // only a ROUND_OVER names one
            }
            case EVENT_KIND_GAME_OVER -> {
                GameOver over = event.getGameOver();
                o.addProperty("round", over.getRound());
                o.addProperty("winner", over.getWinner());
                o.addProperty("secret", over.getSecret());
                o.addProperty("attempts", over.getAttempts());
                o.addProperty("next_round_at", JsonOption.time(over.getNextRoundAt()));
            }
            case EVENT_KIND_SCOREBOARD -> scoreboard(o, event.getScoreboard());
            default -> { }
        }
        o.addProperty("time", JsonOption.time(event.getTime()));
        o.addProperty("text", texts.event(event));
        return o;
    }

    /** The Scoreboard answer: the players and the recent rounds, as one object. */
    static JsonObject scoreboardJson(Scoreboard board) {
        return scoreboard(JsonOption.object("scoreboard"), board);
    }

    private static JsonObject scoreboard(JsonObject o, Scoreboard board) {
        JsonArray players = new JsonArray();
        for (PlayerScore p : board.getPlayersList()) {
            JsonObject player = new JsonObject();
            player.addProperty("name", p.getName());
            player.addProperty("wins", p.getWins());
            player.addProperty("best_attempts", p.getBestAttempts());
            players.add(player);
        }
        JsonArray rounds = new JsonArray();
        for (RoundResult r : board.getRecentRoundsList()) {
            JsonObject round = new JsonObject();
            round.addProperty("round", r.getRound());
            round.addProperty("winner", r.getWinner());
            round.addProperty("secret", r.getSecret());
            round.addProperty("attempts", r.getAttempts());
            round.addProperty("started_at", JsonOption.time(r.getStartedAt()));
            round.addProperty("ended_at", JsonOption.time(r.getEndedAt()));
            rounds.add(round);
        }
        o.add("players", players);
        o.add("recent_rounds", rounds);
        return o;
    }
}
