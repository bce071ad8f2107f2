package tp3.client;

import static java.util.Map.entry;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Round;

/**
 * Every word of the game, in English (the server's own texts) and in the lab's French:
 * tp3/game/texts.py's table, for the events as {@link #event} words them and for what
 * {@code game} says itself ({@link #say}).
 */
final class GameTexts {
    static final Phrases WORDS = new Phrases(Map.of(
            Lang.en, Map.ofEntries(
                    // the game's events; a hint is worded by its verdict
                    entry("round", "round {number}: guess a number between {low} and {high}"),
                    entry("too_high", "{guess}: your number is bigger"),
                    entry("too_low", "{guess}: your number is smaller"),
                    entry("correct", "{guess}: BRAVO, you won in {attempts} guesses"),
                    entry("round_over", "round {round} is over, the winner is {winner}"),
                    entry("game_over", "game over, the winner is {winner} (round {round}, the secret was {secret},"
                            + " {attempts} guesses)"),
                    entry("scoreboard", "scoreboard: {scores}"),
                    entry("score", "{name} {wins} wins"),
                    // between rounds
                    entry("next_round", "next round in {seconds} s, at {clock}"),
                    entry("countdown", "next round in {seconds} s"),
                    entry("waiting_until", "waiting for round {round}, which starts in {seconds} s, at {clock}"),
                    entry("waiting_for_a_win", "waiting for round {round}, which starts once round {current} is won"),
                    // `game scoreboard`
                    entry("no_winner_yet", "no round has been won yet"),
                    entry("players", "Players"),
                    entry("rank", "#"),
                    entry("player", "Player"),
                    entry("wins", "Wins"),
                    entry("best", "Best (guesses)"),
                    entry("recent_rounds", "Recent rounds"),
                    entry("round_column", "Round"),
                    entry("winner", "Winner"),
                    entry("secret", "Secret"),
                    entry("guesses", "Guesses"),
                    entry("ended", "Ended"),
                    entry("lasted", "Lasted"),
                    // what `game play` says to the one typing
                    entry("intro", "type a number and Enter to guess; /help lists the commands"),
                    entry("waiting", "the round is over: waiting for the next one"),
                    entry("not_a_number", "not a number: {line!r}; type a number between {low} and {high}, or /quit"),
                    entry("out_of_range", "{number} is not between {low} and {high}: not sent"),
                    entry("unknown", "unknown command /{command}; /help lists the commands"),
                    entry("help", String.join("\n",
                            "  NUMBER   guess NUMBER in the current round",
                            "  /quit    leave the game (Ctrl-D and Ctrl-C too)",
                            "  /help    this help"))),
            Lang.fr, Map.ofEntries(
                    entry("round", "Manche {number} : devinez un nombre entre {low} et {high}"),
                    entry("too_high", "{guess} : Votre nombre est plus grand"),
                    entry("too_low", "{guess} : Votre nombre est plus petit"),
                    entry("correct", "{guess} : BRAVO vous avez gagné en {attempts} essais"),
                    entry("round_over", "Manche {round} terminée, le gagnant est {winner}"),
                    entry("game_over", "Jeu terminé, le gagnant est {winner} (manche {round}, nombre secret {secret},"
                            + " {attempts} essais)"),
                    entry("scoreboard", "Classement : {scores}"),
                    entry("score", "{name} {wins} victoires"),
                    entry("next_round", "prochaine manche dans {seconds} s, à {clock}"),
                    entry("countdown", "prochaine manche dans {seconds} s"),
                    entry("waiting_until", "en attente de la manche {round}, qui commence dans {seconds} s, à {clock}"),
                    entry("waiting_for_a_win", "en attente de la manche {round}, qui commencera quand la manche {current}"
                            + " sera gagnée"),
                    entry("no_winner_yet", "aucune manche n'a encore été gagnée"),
                    entry("players", "Joueurs"),
                    entry("rank", "n°"),
                    entry("player", "Joueur"),
                    entry("wins", "Victoires"),
                    entry("best", "Meilleur (essais)"),
                    entry("recent_rounds", "Manches récentes"),
                    entry("round_column", "Manche"),
                    entry("winner", "Gagnant"),
                    entry("secret", "Secret"),
                    entry("guesses", "Essais"),
                    entry("ended", "Fin"),
                    entry("lasted", "Durée"),
                    entry("intro", "tapez un nombre puis Entrée pour deviner ; /help liste les commandes"),
                    entry("waiting", "la manche est terminée : attente de la suivante"),
                    entry("not_a_number", "ce n'est pas un nombre : {line!r} ; tapez un nombre entre {low} et {high},"
                            + " ou /quit"),
                    entry("out_of_range", "{number} n'est pas entre {low} et {high} : non envoyé"),
                    entry("unknown", "commande inconnue /{command} ; /help liste les commandes"),
                    entry("help", String.join("\n",
                            "  NOMBRE   proposer NOMBRE dans la manche en cours",
                            "  /quit    quitter la partie (Ctrl-D et Ctrl-C aussi)",
                            "  /help    cette aide")))));

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private GameTexts() {}

    /** A phrase of the table: say(Lang.fr, "out_of_range", Map.of("number", 0, "low", 1, "high", 9)). */
    static String say(Lang lang, String phrase, Map<String, ?> fields) {
        return WORDS.say(lang, phrase, fields);
    }

    static String say(Lang lang, String phrase) {
        return WORDS.say(lang, phrase);
    }

    /** One line for {@code event}; a notice is the server's text (its status is shown apart). */
    static String event(GameEvent event, Lang lang) {
        switch (event.getKind()) {
            case EVENT_KIND_JOINED, EVENT_KIND_WATCHING, EVENT_KIND_ROUND_STARTED: {
                Round r = event.getRound();
                return round(lang, r.getNumber(), r.getLow(), r.getHigh());
            }
            case EVENT_KIND_HINT: {
                Hint h = event.getHint();
                String verdict = JsonOption.word(h.getVerdict(), "VERDICT_");
                if (!WORDS.keys().contains(verdict)) {
                    return event.getText();
                }
                return say(lang, verdict, Map.of("guess", h.getGuess(), "attempts", h.getAttempts(),
                        "round", h.getRound(), "winner", h.getWinner()));
            }
            case EVENT_KIND_GAME_OVER: {
                GameOver o = event.getGameOver();
                return say(lang, "game_over", Map.of("winner", o.getWinner(), "round", o.getRound(),
                        "secret", o.getSecret(), "attempts", o.getAttempts()));
            }
            case EVENT_KIND_SCOREBOARD: {
                String scores = event.getScoreboard().getPlayersList().stream().limit(5)
                        .map(p -> say(lang, "score", Map.of("name", p.getName(), "wins", p.getWins())))
                        .collect(Collectors.joining(", "));
                return say(lang, "scoreboard", Map.of("scores", scores));
            }
            default:
                return event.getText();
        }
    }

    /** "round 3: guess a number between 501 and 1000". */
    static String round(Lang lang, long number, long low, long high) {
        return say(lang, "round", Map.of("number", number, "low", low, "high", high));
    }

    /** The round a bot sits out until: "waiting for round 5, which starts in 3 s, at 14:02:07"
     * (local time, in {@code zone}), or "... once round 4 is won" when the server has not said. */
    static String waiting(WaitingForRound waiting, Lang lang, ZoneId zone) {
        if (waiting.nextRoundAt() == null) {
            return say(lang, "waiting_for_a_win", Map.of("round", waiting.round(), "current", waiting.round() - 1));
        }
        Map<String, Object> fields = when(waiting.nextRoundAt(), waiting.time(), zone);
        fields.put("round", waiting.round());
        return say(lang, "waiting_until", fields);
    }

    /** When the next round starts, {@code now}: "next round in 3 s, at 14:02:07" (in {@code zone}). */
    static String nextRound(Timestamp at, Instant now, Lang lang, ZoneId zone) {
        return say(lang, "next_round", when(at, now, zone));
    }

    /** Whole seconds left, rounded up (1 until the very end); never below 0, even when this
     * clock is ahead of the server's. */
    static long secondsUntil(Timestamp at, Instant now) {
        Duration left = Duration.between(now, instant(at));
        if (left.isNegative() || left.isZero()) {
            return 0;
        }
        return left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
    }

    private static Map<String, Object> when(Timestamp at, Instant now, ZoneId zone) {
        Map<String, Object> fields = new HashMap<>();
        fields.put("seconds", secondsUntil(at, now));
        fields.put("clock", CLOCK.format(instant(at).atZone(zone)));
        return fields;
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
