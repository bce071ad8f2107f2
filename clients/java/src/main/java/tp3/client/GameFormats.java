package tp3.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.Timestamp;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** The players' table, then the recent rounds', as {@code game scoreboard} prints them in
     * {@code lang}, times in {@code zone}; one line if nobody has won yet. */
    static List<String> scoreboard(Scoreboard board, ZoneId zone, Lang lang) {
        if (board.getPlayersCount() == 0) {
            return List.of(GameTexts.say(lang, "no_winner_yet"));
        }
        List<String[]> players = new ArrayList<>();
        players.add(headers(lang, "rank", "player", "wins", "best"));
        int rank = 0;
        for (PlayerScore p : board.getPlayersList()) {
            players.add(new String[] {
                Integer.toString(++rank), p.getName(), Integer.toString(p.getWins()),
                Integer.toString(p.getBestAttempts())});
        }
        List<String[]> rounds = new ArrayList<>();
        rounds.add(headers(lang, "round_column", "winner", "secret", "guesses", "ended", "lasted"));
        for (RoundResult r : board.getRecentRoundsList()) {
            rounds.add(new String[] {
                Long.toString(r.getRound()), r.getWinner(), Long.toString(r.getSecret()),
                Integer.toString(r.getAttempts()),
                CLOCK.format(GameTexts.instant(r.getEndedAt()).atZone(zone)),
                lasted(r.getStartedAt(), r.getEndedAt()) + " s"});
        }
        List<String> lines = new ArrayList<>(RichTable.render(GameTexts.say(lang, "players"), players, 1, ""));
        lines.addAll(RichTable.render(GameTexts.say(lang, "recent_rounds"), rounds, 1, ""));
        return lines;
    }

    private static String[] headers(Lang lang, String... keys) {
        return Arrays.stream(keys).map(key -> GameTexts.say(lang, key)).toArray(String[]::new);
    }

    /** Seconds between two of the server's times (to the microsecond), to a tenth: as Python's
     * f"{seconds:.1f}" rounds the float, half to even on its exact value. */
    static String lasted(Timestamp started, Timestamp ended) {
        double seconds = (micros(ended) - micros(started)) / 1e6;
        return new BigDecimal(seconds).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static long micros(Timestamp t) {
        return t.getSeconds() * 1_000_000 + t.getNanos() / 1000;
    }

    /** A bot's word that it waits for a round: {"type": "waiting", "round", "next_round_at"
     * (null: once the round in progress is won), "time", "text"}. */
    static JsonObject waitingJson(WaitingForRound waiting, Lang lang, ZoneId zone) {
        JsonObject o = JsonOption.object("waiting");
        o.addProperty("round", waiting.round());
        if (waiting.nextRoundAt() != null) {
            o.addProperty("next_round_at", JsonOption.time(waiting.nextRoundAt()));
        } else {
            o.add("next_round_at", JsonNull.INSTANCE);
        }
        o.addProperty("time", JsonOption.time(waiting.time()));
        o.addProperty("text", GameTexts.waiting(waiting, lang, zone));
        return o;
    }

    /** One event as an object, its "text" in {@code lang}. */
    static JsonObject eventJson(GameEvent event, Lang lang) {
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
        o.addProperty("text", GameTexts.event(event, lang));
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
