package tp3.client;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import tp3.game.v1.Game.PlayerScore;
import tp3.game.v1.Game.RoundResult;
import tp3.game.v1.Game.Scoreboard;

/** The scoreboard as text tables, as the Python CLI's {@code tp3 game scoreboard} shows it. */
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
}
