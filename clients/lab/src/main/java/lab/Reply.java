package lab;

import java.text.Normalizer;

/** What a Result of the Guess stream says, by its message, as the lab's server words it. */
enum Reply {
    /** "Votre nombre est plus petit": the guess is below the secret, go higher. */
    TOO_SMALL,
    /** "Votre nombre est plus grand": the guess is above the secret, go lower. */
    TOO_BIG,
    /** "BRAVO ...": we won. */
    WON,
    /** "Jeu terminé ...": someone else won (Result.winner says who). */
    OVER,
    /** Anything else (a new round, a notice): only printed. */
    OTHER;

    static Reply of(String message) {
        // NFC: an "é" sent decomposed (e + combining accent) still reads "Jeu terminé"
        String m = Normalizer.normalize(message, Normalizer.Form.NFC).strip();
        if (m.startsWith("Votre nombre est plus petit")) {
            return TOO_SMALL;
        }
        if (m.startsWith("Votre nombre est plus grand")) {
            return TOO_BIG;
        }
        if (m.startsWith("BRAVO")) {
            return WON;
        }
        if (m.startsWith("Jeu termin\u00e9")) {
            return OVER;
        }
        return OTHER;
    }

    /** The original client's test: stop guessing. */
    boolean endsGame() {
        return this == WON || this == OVER;
    }
}
