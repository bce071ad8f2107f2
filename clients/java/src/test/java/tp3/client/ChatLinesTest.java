package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChatLinesTest {
    @Test
    void plainTextIsSaidToTheRoom() {
        assertEquals(new ChatLines.Say("hello all"), ChatLines.parse("hello all"));
    }

    @Test
    void doubleSlashSaysTheSlash() {
        assertEquals(new ChatLines.Say("/not a command"), ChatLines.parse("//not a command"));
    }

    @Test
    void msgIsPrivateWithTheRestAsText() {
        assertEquals(new ChatLines.Whisper("bob", "see you  at noon"), ChatLines.parse("/msg bob see you  at noon"));
        assertEquals(new ChatLines.Whisper("bob", "hi"), ChatLines.parse("/w bob hi"));
    }

    @Test
    void msgWithoutTextOrNameShowsTheUsage() {
        ChatLines.Problem usage = new ChatLines.Problem("usage: /msg NAME TEXT");
        assertEquals(usage, ChatLines.parse("/msg"));
        assertEquals(usage, ChatLines.parse("/msg bob"));
        assertEquals(usage, ChatLines.parse("/msg bob   "));
    }

    @Test
    void commandsIgnoreCase() {
        assertEquals(new ChatLines.Quit(), ChatLines.parse("/QUIT"));
        assertEquals(new ChatLines.Quit(), ChatLines.parse("/q"));
        assertEquals(new ChatLines.Who(), ChatLines.parse("/Who"));
        assertEquals(new ChatLines.Help(), ChatLines.parse("/?"));
    }

    @Test
    void unknownCommandIsNamed() {
        assertEquals(new ChatLines.Problem("unknown command /dance; /help lists the commands"),
                ChatLines.parse("/dance now"));
    }

    @Test
    void blankLinesDoNothing() {
        assertEquals(new ChatLines.Nothing(), ChatLines.parse("   "));
    }
}
