"""How the chat reads on the command line, in English and in French: one table for the
events as `tp3 chat` shows them and for what it says itself."""

from tp3.lang import Lang, Phrases

__all__ = ["words"]

words = Phrases(
    {
        Lang.en: {
            # the room's events
            "private": "{sender} -> {recipient} (private)",
            "joined": "* {name} joined",
            "left": "* {name} left",
            "disconnected": "* {name} was disconnected",
            "too_slow": "* {name} was disconnected (too slow to read)",
            # what the session says itself
            "welcome": "* joined room {room} as {name}; here: {names}",
            "recent": "* recent messages:",
            "hint": "* /help lists the commands; Ctrl-D leaves",
            "who": "* in {room}: {names}",
            "msg_usage": "usage: /msg NAME TEXT",
            "unknown": "unknown command /{command}; /help lists the commands",
            "help": (
                "  /msg NAME TEXT   say TEXT to NAME only (a private message)\n"
                "  /who             who is in the room\n"
                "  /quit            leave the room (Ctrl-D and Ctrl-C too)\n"
                "  /help            this help\n"
                "  anything else    said to the whole room (//TEXT says /TEXT)"
            ),
            # one-shot commands
            "history": "(history) {line}",
            "room": "{room}  {count} member(s), last message #{sequence}",
            "no_rooms": "no room has members",
            "member": "{name}  (here since {since})",
        },
        Lang.fr: {
            "private": "{sender} -> {recipient} (privé)",
            "joined": "* {name} est arrivé",
            "left": "* {name} est parti",
            "disconnected": "* {name} a été déconnecté",
            "too_slow": "* {name} a été déconnecté (trop lent à lire)",
            "welcome": "* dans le salon {room} sous le nom {name} ; présents : {names}",
            "recent": "* messages récents :",
            "hint": "* /help liste les commandes ; Ctrl-D pour partir",
            "who": "* dans {room} : {names}",
            "msg_usage": "usage : /msg NOM TEXTE",
            "unknown": "commande inconnue /{command} ; /help liste les commandes",
            "help": (
                "  /msg NOM TEXTE   dire TEXTE à NOM seul (un message privé)\n"
                "  /who             qui est dans le salon\n"
                "  /quit            quitter le salon (Ctrl-D et Ctrl-C aussi)\n"
                "  /help            cette aide\n"
                "  tout le reste    dit à tout le salon (//TEXTE dit /TEXTE)"
            ),
            "history": "(historique) {line}",
            "room": "{room}  {count} membre(s), dernier message n°{sequence}",
            "no_rooms": "aucun salon n'a de membres",
            "member": "{name}  (présent depuis {since})",
        },
    }
)
