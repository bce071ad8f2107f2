package tp3.client;

import picocli.CommandLine.Option;

/** --lang / -l, shared by every command: the language of what is printed (tp3/cli/common.py's). */
public final class LangOption {
    @Option(names = {"--lang", "-l"}, paramLabel = "en|fr",
            description = "Language of what is printed: en, or fr (the lab's French); default: "
                    + "$TP3_LANG, else the locale's (LANG=fr_FR.UTF-8 is French). Error lines stay "
                    + "English, as the server's messages are.")
    Lang given;

    /** --lang, else TP3_LANG, else the locale's language. */
    Lang lang() {
        return given != null ? given : Lang.fromEnv(System.getenv());
    }

    /** --lang given here, else the one given to {@code outer} ({@code chat --lang fr who}). */
    Lang lang(LangOption outer) {
        return given != null ? given : outer.lang();
    }
}
