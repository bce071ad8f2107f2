package tp3.client;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The languages the client speaks: English, and the lab's French, chosen as tp3.lang chooses
 * them. Each part keeps its words in one {@link Phrases} table ({@link CurrencyTexts},
 * {@link ChatTexts}, {@link GameTexts}).
 */
enum Lang {
    en, fr;

    /** TP3_LANG, else the locale's language for messages as POSIX reads it (LC_ALL, else
     * LC_MESSAGES, else LANG: "fr_FR.UTF-8" is French); English unless it is French. */
    static Lang fromEnv(Map<String, String> env) {
        for (String name : List.of("TP3_LANG", "LC_ALL", "LC_MESSAGES", "LANG")) {
            String value = env.getOrDefault(name, "");
            if (!value.isEmpty()) {
                return value.toLowerCase(Locale.ROOT).startsWith("fr") ? fr : en;
            }
        }
        return en;
    }
}
