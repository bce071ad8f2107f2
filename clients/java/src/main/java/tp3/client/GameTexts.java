package tp3.client;

import java.util.stream.Collectors;
import tp3.game.v1.GameEvent;
import tp3.game.v1.GameOver;
import tp3.game.v1.Hint;
import tp3.game.v1.Round;

/**
 * How the game reads, in English (the server's own texts) or the lab's French: the wording of
 * {@code tp3.game.texts} and of the Python CLI's {@code tp3 game}, rendered from each event's
 * details.
 */
enum GameTexts {
    en, fr;

    /** One line for {@code event}; a notice is the server's text (its status is shown apart). */
    String event(GameEvent event) {
        switch (event.getKind()) {
            case EVENT_KIND_JOINED, EVENT_KIND_WATCHING, EVENT_KIND_ROUND_STARTED: {
                Round r = event.getRound();
                return round(r.getNumber(), r.getLow(), r.getHigh());
            }
            case EVENT_KIND_HINT:
                return hint(event.getHint());
            case EVENT_KIND_GAME_OVER: {
                GameOver o = event.getGameOver();
                return this == fr
                        ? "Jeu terminé, le gagnant est " + o.getWinner() + " (manche " + o.getRound()
                                + ", nombre secret " + o.getSecret() + ", " + o.getAttempts() + " essais)"
                        : "game over, the winner is " + o.getWinner() + " (round " + o.getRound()
                                + ", the secret was " + o.getSecret() + ", " + o.getAttempts() + " guesses)";
            }
            case EVENT_KIND_SCOREBOARD: {
                String label = this == fr ? " victoires" : " wins";
                String scores = event.getScoreboard().getPlayersList().stream().limit(5)
                        .map(p -> p.getName() + " " + p.getWins() + label)
                        .collect(Collectors.joining(", "));
                return (this == fr ? "Classement : " : "scoreboard: ") + scores;
            }
            default:
                return event.getText();
        }
    }

    /** "round 3: guess a number between 501 and 1000". */
    String round(long number, long low, long high) {
        return this == fr
                ? "Manche " + number + " : devinez un nombre entre " + low + " et " + high
                : "round " + number + ": guess a number between " + low + " and " + high;
    }

    private String hint(Hint h) {
        long g = h.getGuess();
        switch (h.getVerdict()) {
            case VERDICT_TOO_HIGH:
                return this == fr ? g + " : Votre nombre est plus grand" : g + ": your number is bigger";
            case VERDICT_TOO_LOW:
                return this == fr ? g + " : Votre nombre est plus petit" : g + ": your number is smaller";
            case VERDICT_CORRECT:
                return this == fr
                        ? g + " : BRAVO vous avez gagné en " + h.getAttempts() + " essais"
                        : g + ": BRAVO, you won in " + h.getAttempts() + " guesses";
            case VERDICT_ROUND_OVER:
                return this == fr
                        ? "Manche " + h.getRound() + " terminée, le gagnant est " + h.getWinner()
                        : "round " + h.getRound() + " is over, the winner is " + h.getWinner();
            default:
                return "";
        }
    }

    // --- what the interactive player says itself ---

    String intro() {
        return this == fr
                ? "tapez un nombre puis Entrée pour deviner ; /help liste les commandes"
                : "type a number and Enter to guess; /help lists the commands";
    }

    String waiting() {
        return this == fr
                ? "la manche est terminée : attente de la suivante"
                : "the round is over: waiting for the next one";
    }

    String notANumber(String line, long low, long high) {
        return this == fr
                ? "ce n'est pas un nombre : '" + line + "' ; tapez un nombre entre " + low + " et " + high + ", ou /quit"
                : "not a number: '" + line + "'; type a number between " + low + " and " + high + ", or /quit";
    }

    String outOfRange(String number, long low, long high) {
        return this == fr
                ? number + " n'est pas entre " + low + " et " + high + " : non envoyé"
                : number + " is not between " + low + " and " + high + ": not sent";
    }

    String unknownCommand(String command) {
        return this == fr
                ? "commande inconnue /" + command + " ; /help liste les commandes"
                : "unknown command /" + command + "; /help lists the commands";
    }

    String help() {
        return this == fr
                ? String.join("\n",
                        "  NOMBRE   proposer NOMBRE dans la manche en cours",
                        "  /quit    quitter la partie (Ctrl-D et Ctrl-C aussi)",
                        "  /help    cette aide")
                : String.join("\n",
                        "  NUMBER   guess NUMBER in the current round",
                        "  /quit    leave the game (Ctrl-D and Ctrl-C too)",
                        "  /help    this help");
    }
}
