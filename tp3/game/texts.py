"""Every word of the game, in English (the server's `text`) and in the lab's French: one table,
`words`, for the events as `render` words them and for what `tp3 game` says itself (`say`)."""

import math
from datetime import datetime

from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    Notice,
    RoundStarted,
    ScoreboardChanged,
    WaitingForRound,
    Watching,
)
from tp3.lang import Lang, Phrases

__all__ = ["next_round", "render", "say", "seconds_until", "words"]


words = Phrases(
    {
        Lang.en: {
            # the game's events; a hint is worded by its verdict
            "round": "round {number}: guess a number between {low} and {high}",
            "too_high": "{guess}: your number is bigger",
            "too_low": "{guess}: your number is smaller",
            "correct": "{guess}: BRAVO, you won in {attempts} guesses",
            "round_over": "round {round} is over, the winner is {winner}",
            "game_over": (
                "game over, the winner is {winner} (round {round}, the secret was {secret},"
                " {attempts} guesses)"
            ),
            "scoreboard": "scoreboard: {scores}",
            "score": "{name} {wins} wins",
            # between rounds
            "next_round": "next round in {seconds} s, at {clock}",
            "countdown": "next round in {seconds} s",
            "waiting_until": ("waiting for round {round}, which starts in {seconds} s, at {clock}"),
            "waiting_for_a_win": (
                "waiting for round {round}, which starts once round {current} is won"
            ),
            # `tp3 game scoreboard`
            "no_winner_yet": "no round has been won yet",
            "players": "Players",
            "rank": "#",
            "player": "Player",
            "wins": "Wins",
            "best": "Best (guesses)",
            "recent_rounds": "Recent rounds",
            "round_column": "Round",
            "winner": "Winner",
            "secret": "Secret",
            "guesses": "Guesses",
            "ended": "Ended",
            "lasted": "Lasted",
            # what `tp3 game play` says to the one typing
            "intro": "type a number and Enter to guess; /help lists the commands",
            "waiting": "the round is over: waiting for the next one",
            "not_a_number": (
                "not a number: {line!r}; type a number between {low} and {high}, or /quit"
            ),
            "out_of_range": "{number} is not between {low} and {high}: not sent",
            "unknown": "unknown command /{command}; /help lists the commands",
            "help": (
                "  NUMBER   guess NUMBER in the current round\n"
                "  /quit    leave the game (Ctrl-D and Ctrl-C too)\n"
                "  /help    this help"
            ),
        },
        Lang.fr: {
            "round": "Manche {number} : devinez un nombre entre {low} et {high}",
            "too_high": "{guess} : Votre nombre est plus grand",
            "too_low": "{guess} : Votre nombre est plus petit",
            "correct": "{guess} : BRAVO vous avez gagné en {attempts} essais",
            "round_over": "Manche {round} terminée, le gagnant est {winner}",
            "game_over": (
                "Jeu terminé, le gagnant est {winner} (manche {round}, nombre secret {secret},"
                " {attempts} essais)"
            ),
            "scoreboard": "Classement : {scores}",
            "score": "{name} {wins} victoires",
            "next_round": "prochaine manche dans {seconds} s, à {clock}",
            "countdown": "prochaine manche dans {seconds} s",
            "waiting_until": (
                "en attente de la manche {round}, qui commence dans {seconds} s, à {clock}"
            ),
            "waiting_for_a_win": (
                "en attente de la manche {round}, qui commencera quand la manche {current}"
                " sera gagnée"
            ),
            "no_winner_yet": "aucune manche n'a encore été gagnée",
            "players": "Joueurs",
            "rank": "n°",
            "player": "Joueur",
            "wins": "Victoires",
            "best": "Meilleur (essais)",
            "recent_rounds": "Manches récentes",
            "round_column": "Manche",
            "winner": "Gagnant",
            "secret": "Secret",
            "guesses": "Essais",
            "ended": "Fin",
            "lasted": "Durée",
            "intro": "tapez un nombre puis Entrée pour deviner ; /help liste les commandes",
            "waiting": "la manche est terminée : attente de la suivante",
            "not_a_number": (
                "ce n'est pas un nombre : {line!r} ; tapez un nombre entre {low} et {high},"
                " ou /quit"
            ),
            "out_of_range": "{number} n'est pas entre {low} et {high} : non envoyé",
            "unknown": "commande inconnue /{command} ; /help liste les commandes",
            "help": (
                "  NOMBRE   proposer NOMBRE dans la manche en cours\n"
                "  /quit    quitter la partie (Ctrl-D et Ctrl-C aussi)\n"
                "  /help    cette aide"
            ),
        },
    }
)


def say(phrase: str, lang: str = Lang.en, **fields: object) -> str:
    """A phrase of the table in `lang`: say("out_of_range", "fr", number=0, low=1, high=9)."""
    return words(phrase, Lang(lang), **fields)


def render(event: GameEvent | WaitingForRound, lang: str = Lang.en) -> str:
    """One line for `event`; a notice is the server's own text."""
    match event:
        case GameJoined(round=r) | Watching(round=r) | RoundStarted(round=r):
            return say("round", lang, number=r.number, low=r.low, high=r.high)
        case Hint() | GameOver():  # the phrase picks the fields it names
            phrase = event.verdict.name.lower() if isinstance(event, Hint) else "game_over"
            return say(phrase, lang, **vars(event))
        case ScoreboardChanged(scoreboard=board):
            scores = (say("score", lang, name=p.name, wins=p.wins) for p in board.players[:5])
            return say("scoreboard", lang, scores=", ".join(scores))
        case WaitingForRound(round=number, next_round_at=None):
            return say("waiting_for_a_win", lang, round=number, current=number - 1)
        case WaitingForRound(round=number, next_round_at=datetime() as at, time=now):
            return say("waiting_until", lang, round=number, **_when(at, now))
        case Notice(text=text):
            return text
    raise AssertionError(f"unknown game event {event!r}")


def next_round(at: datetime, now: datetime, lang: str = Lang.en, *, countdown: bool = False) -> str:
    """When the next round starts, `now`: "next round in 3 s, at 14:02:07" (local time); as a
    countdown, redrawn as the seconds pass, "next round in 3 s"."""
    return say("countdown" if countdown else "next_round", lang, **_when(at, now))


def seconds_until(at: datetime, now: datetime) -> int:
    """Whole seconds left, rounded up (a countdown shows 1 until the very end); never below
    0, even when this clock is ahead of the server's."""
    return max(0, math.ceil((at - now).total_seconds()))


def _when(at: datetime, now: datetime) -> dict[str, object]:
    return {"seconds": seconds_until(at, now), "clock": f"{at.astimezone():%H:%M:%S}"}
