package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChatLinesTest {
    private static ChatLines.Action parse(String line) {
        return ChatLines.parse(line, Lang.en);
    }

    @Test
    void plainTextIsSaidToTheRoom() {
        assertEquals(new ChatLines.Say("hello all"), parse("hello all"));
    }

    @Test
    void doubleSlashSaysTheSlash() {
        assertEquals(new ChatLines.Say("/not a command"), parse("//not a command"));
    }

    @Test
    void msgIsPrivateWithTheRestAsText() {
        assertEquals(new ChatLines.Whisper("bob", "see you  at noon"), parse("/msg bob see you  at noon"));
        assertEquals(new ChatLines.Whisper("bob", "hi"), parse("/w bob hi"));
    }

    @Test
    void msgWithoutTextOrNameShowsTheUsage() {
        ChatLines.Problem usage = new ChatLines.Problem("usage: /msg NAME TEXT");
        assertEquals(usage, parse("/msg"));
        assertEquals(usage, parse("/msg bob"));
        assertEquals(usage, parse("/msg bob   "));
    }

    @Test
    void commandsIgnoreCase() {
        assertEquals(new ChatLines.Quit(), parse("/QUIT"));
        assertEquals(new ChatLines.Quit(), parse("/q"));
        assertEquals(new ChatLines.Who(), parse("/Who"));
        assertEquals(new ChatLines.Help(), parse("/?"));
    }

    @Test
    void unknownCommandIsNamed() {
        assertEquals(new ChatLines.Problem("unknown command /dance; /help lists the commands"),
                parse("/dance now"));
    }

    @Test
    void problemsSpeakTheChosenLanguage() {
        assertEquals(new ChatLines.Problem("usage : /msg NOM TEXTE"), ChatLines.parse("/msg bob", Lang.fr));
        assertEquals(new ChatLines.Problem("commande inconnue /danse ; /help liste les commandes"),
                ChatLines.parse("/danse", Lang.fr));
    }

    @Test
    void blankLinesDoNothing() {
        assertEquals(new ChatLines.Nothing(), parse("   "));
    }
}
