"""How game events read, in English (the server's `text`) and in the lab's French."""

from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    Notice,
    RoundStarted,
    ScoreboardChanged,
    Verdict,
    Watching,
)

__all__ = ["LANGUAGES", "render"]

LANGUAGES = ("en", "fr")


def render(event: GameEvent, lang: str = "en") -> str:
    french = lang == "fr"
    match event:
        case GameJoined(round=r) | Watching(round=r) | RoundStarted(round=r):
            if french:
                return f"Manche {r.number} : devinez un nombre entre {r.low} et {r.high}"
            return f"round {r.number}: guess a number between {r.low} and {r.high}"
        case Hint():
            return _hint(event, french)
        case GameOver(round=n, winner=winner, secret=secret, attempts=attempts):
            if french:
                return (
                    f"Jeu terminé, le gagnant est {winner} (manche {n}, nombre secret {secret},"
                    f" {attempts} essais)"
                )
            return (
                f"game over, the winner is {winner} (round {n}, the secret was {secret},"
                f" {attempts} guesses)"
            )
        case ScoreboardChanged(scoreboard=board):
            label = "victoires" if french else "wins"
            scores = ", ".join(f"{p.name} {p.wins} {label}" for p in board.players[:5])
            return ("Classement : " if french else "scoreboard: ") + scores
        case Notice(text=text):
            return text
    raise AssertionError(f"unknown game event {event!r}")


def _hint(hint: Hint, french: bool) -> str:
    match hint.verdict:
        case Verdict.TOO_HIGH:
            return (
                f"{hint.guess} : Votre nombre est plus grand"
                if french
                else (f"{hint.guess}: your number is bigger")
            )
        case Verdict.TOO_LOW:
            return (
                f"{hint.guess} : Votre nombre est plus petit"
                if french
                else (f"{hint.guess}: your number is smaller")
            )
        case Verdict.CORRECT:
            return (
                f"{hint.guess} : BRAVO vous avez gagné en {hint.attempts} essais"
                if french
                else f"{hint.guess}: BRAVO, you won in {hint.attempts} guesses"
            )
        case Verdict.ROUND_OVER:
            return (
                f"Manche {hint.round} terminée, le gagnant est {hint.winner}"
                if french
                else f"round {hint.round} is over, the winner is {hint.winner}"
            )
