package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GameLinesTest {
    private static GameLines.Action parse(String line) {
        return GameLines.parse(line, 1, 1000, Lang.en);
    }

    @Test
    void numbersInRangeAreGuesses() {
        assertEquals(new GameLines.Guess(500), parse(" 500 "));
        assertEquals(new GameLines.Guess(1), parse("+1"));
        assertEquals(new GameLines.Guess(1000), parse("1000"));
    }

    @Test
    void numbersOutOfRangeAreNotSent() {
        assertEquals(new GameLines.Problem("0 is not between 1 and 1000: not sent"), parse("0"));
        assertEquals(new GameLines.Problem("-5 is not between 1 and 1000: not sent"), parse("-5"));
        assertEquals(new GameLines.Problem("99999999999999999999 is not between 1 and 1000: not sent"),
                parse("99999999999999999999"));
    }

    @Test
    void otherTextIsNotANumber() {
        assertEquals(new GameLines.Problem(
                "not a number: '12.5'; type a number between 1 and 1000, or /quit"), parse("12.5"));
        assertEquals(new GameLines.Problem(
                "not a number: 'five'; type a number between 1 and 1000, or /quit"), parse("five"));
    }

    @Test
    void problemsSpeakTheChosenLanguage() {
        assertEquals(new GameLines.Problem("0 n'est pas entre 1 et 1000 : non envoyé"),
                GameLines.parse("0", 1, 1000, Lang.fr));
        assertEquals(new GameLines.Problem("commande inconnue /x ; /help liste les commandes"),
                GameLines.parse("/x", 1, 1000, Lang.fr));
    }

    @Test
    void commands() {
        assertEquals(new GameLines.Quit(), parse("/quit"));
        assertEquals(new GameLines.Quit(), parse("/Exit now"));
        assertEquals(new GameLines.Help(), parse("/help"));
        assertEquals(new GameLines.Problem("unknown command /guess; /help lists the commands"), parse("/guess 5"));
        assertEquals(new GameLines.Nothing(), parse(""));
    }
}
