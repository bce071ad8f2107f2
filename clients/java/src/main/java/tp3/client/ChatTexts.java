package tp3.client;

import static java.util.Map.entry;

import java.util.Map;

/**
 * How the chat reads, in English and in French: tp3/chat/texts.py's table, for the events as
 * {@code chat} shows them and for what it says itself.
 */
final class ChatTexts {
    static final Phrases WORDS = new Phrases(Map.of(
            Lang.en, Map.ofEntries(
                    // the room's events
                    entry("private", "{sender} -> {recipient} (private)"),
                    entry("joined", "* {name} joined"),
                    entry("left", "* {name} left"),
                    entry("disconnected", "* {name} was disconnected"),
                    entry("too_slow", "* {name} was disconnected (too slow to read)"),
                    // what the session says itself
                    entry("welcome", "* joined room {room} as {name}; here: {names}"),
                    entry("recent", "* recent messages:"),
                    entry("hint", "* /help lists the commands; Ctrl-D leaves"),
                    entry("who", "* in {room}: {names}"),
                    entry("msg_usage", "usage: /msg NAME TEXT"),
                    entry("unknown", "unknown command /{command}; /help lists the commands"),
                    entry("help", String.join("\n",
                            "  /msg NAME TEXT   say TEXT to NAME only (a private message)",
                            "  /who             who is in the room",
                            "  /quit            leave the room (Ctrl-D and Ctrl-C too)",
                            "  /help            this help",
                            "  anything else    said to the whole room (//TEXT says /TEXT)")),
                    // one-shot commands
                    entry("history", "(history) {line}"),
                    entry("room", "{room}  {count} member(s), last message #{sequence}"),
                    entry("no_rooms", "no room has members"),
                    entry("member", "{name}  (here since {since})")),
            Lang.fr, Map.ofEntries(
                    entry("private", "{sender} -> {recipient} (privé)"),
                    entry("joined", "* {name} est arrivé"),
                    entry("left", "* {name} est parti"),
                    entry("disconnected", "* {name} a été déconnecté"),
                    entry("too_slow", "* {name} a été déconnecté (trop lent à lire)"),
                    entry("welcome", "* dans le salon {room} sous le nom {name} ; présents : {names}"),
                    entry("recent", "* messages récents :"),
                    entry("hint", "* /help liste les commandes ; Ctrl-D pour partir"),
                    entry("who", "* dans {room} : {names}"),
                    entry("msg_usage", "usage : /msg NOM TEXTE"),
                    entry("unknown", "commande inconnue /{command} ; /help liste les commandes"),
                    entry("help", String.join("\n",
                            "  /msg NOM TEXTE   dire TEXTE à NOM seul (un message privé)",
                            "  /who             qui est dans le salon",
                            "  /quit            quitter le salon (Ctrl-D et Ctrl-C aussi)",
                            "  /help            cette aide",
                            "  tout le reste    dit à tout le salon (//TEXTE dit /TEXTE)")),
                    entry("history", "(historique) {line}"),
                    entry("room", "{room}  {count} membre(s), dernier message n°{sequence}"),
                    entry("no_rooms", "aucun salon n'a de membres"),
                    entry("member", "{name}  (présent depuis {since})"))));

    private ChatTexts() {}
}
