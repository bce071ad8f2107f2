package tp3.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The language without --lang (tp3.lang.lang_from_env), and the phrase tables' checks. */
class LangTest {
    @Test
    void tp3LangThenTheLocaleForMessages() {
        assertEquals(Lang.fr, Lang.fromEnv(Map.of("TP3_LANG", "fr", "LC_ALL", "en_US.UTF-8")));
        assertEquals(Lang.en, Lang.fromEnv(Map.of("TP3_LANG", "en", "LC_ALL", "fr_FR.UTF-8")));
        assertEquals(Lang.fr, Lang.fromEnv(Map.of("TP3_LANG", "", "LC_ALL", "fr_FR.UTF-8", "LANG", "en_US")));
        assertEquals(Lang.en, Lang.fromEnv(Map.of("LC_ALL", "C.UTF-8", "LANG", "fr_FR.UTF-8")), "LC_ALL first");
        assertEquals(Lang.fr, Lang.fromEnv(Map.of("LC_MESSAGES", "FR_ca", "LANG", "en_US.UTF-8")));
        assertEquals(Lang.fr, Lang.fromEnv(Map.of("LANG", "fr_FR.UTF-8")));
        assertEquals(Lang.en, Lang.fromEnv(Map.of("LANG", "de_DE.UTF-8")));
        assertEquals(Lang.en, Lang.fromEnv(Map.of()));
    }

    private static final Phrases WORDS = new Phrases(Map.of(
            Lang.en, Map.of("quote", "#{sequence:<4} {line!r}|", "total", "Total: {total}"),
            Lang.fr, Map.of("quote", "#{sequence:<4} {line!r}|", "total", "Total : {total}")));

    @Test
    void phrasesFillTheirFieldsAsPythonsFormatDoes() {
        assertEquals("Total : 3", WORDS.say(Lang.fr, "total", Map.of("total", 3)));
        assertEquals("#7    'five'|", WORDS.say(Lang.en, "quote", Map.of("sequence", 7, "line", "five")));
        assertEquals("#12345 \"it's\"|", WORDS.say(Lang.en, "quote", Map.of("sequence", 12345, "line", "it's")));
        assertEquals("'a\\\\b \\'c\\' \"d\"'", Phrases.repr("a\\b 'c' \"d\""));
        assertEquals("'tab\\there\\x01'", Phrases.repr("tab\there\u0001"));
        assertThrows(IllegalArgumentException.class, () -> WORDS.say(Lang.en, "total", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> WORDS.say(Lang.en, "nothing"));
    }

    @Test
    void aTableLackingAPhraseOrAFieldIsRefusedWhenMade() {
        Exception lacking = assertThrows(IllegalArgumentException.class, () -> new Phrases(Map.of(
                Lang.en, Map.of("a", "x", "b", "y"), Lang.fr, Map.of("a", "x"))));
        assertTrue(lacking.getMessage().startsWith("fr lacks or adds"), lacking.getMessage());
        Exception field = assertThrows(IllegalArgumentException.class, () -> new Phrases(Map.of(
                Lang.en, Map.of("a", "{n} items"), Lang.fr, Map.of("a", "{nombre} éléments"))));
        assertEquals("fr 'a': not the fields of the English", field.getMessage());
    }

    @Test
    void everyTableLoads() {
        // made when their classes load: a missing translation fails here, not in front of a user
        assertTrue(CurrencyTexts.WORDS.keys().contains("conversion"));
        assertTrue(ChatTexts.WORDS.keys().contains("welcome"));
        assertTrue(GameTexts.WORDS.keys().contains("waiting_until"));
    }
}
