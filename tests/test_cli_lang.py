"""Every command speaks French with --lang fr, or in a French locale: results, tables, the
chat's and the game's own lines. Error lines stay English, as the server's messages are."""

import json

import pytest
from cli_support import assert_ok, run_tp3, tp3_env
from conftest import ServerProcess

pytestmark = pytest.mark.slow  # processes: a tp3 server and the CLI

FRENCH_LOCALE = tp3_env(TP3_LANG="", LC_ALL="", LC_MESSAGES="", LANG="fr_FR.UTF-8")


def tp3(server: ServerProcess, *args: str, lang: str = "fr", input: str | None = None) -> list[str]:
    return assert_ok(run_tp3(*args, "--target", server.target, "--lang", lang, input=input))


def test_the_converter_in_french(server_process: ServerProcess) -> None:
    [converted] = tp3(server_process, "currency", "convert", "6500", "MAD", "USD")
    assert converted == "6500 MAD = 708.68 USD  (taux 0.1090284084, cours du 2026-02-20)"
    [tick] = tp3(server_process, "currency", "quotes", "EUR", "USD", "--count", "1")
    assert "EUR/USD" in tick
    assert tick.endswith("(référence 1.1767)")
    total, *subtotals = tp3(server_process, "currency", "batch", "USD", "100", "EUR", "6500", "MAD")
    assert total == "Total : 826.35 USD  (2 éléments, cours du 2026-02-20)"
    assert "  MAD : 1 élément(s), 6500 MAD -> 708.68 USD" in subtotals
    table = tp3(server_process, "currency", "list")
    assert "Cours du 2026-02-20, pour 1 EUR" in table[0]
    assert any("Devise" in line and "Décimales" in line for line in table)


def test_a_french_locale_is_french_and_json_stays_json(server_process: ServerProcess) -> None:
    args = ("currency", "convert", "6500", "MAD", "USD", "--target", server_process.target)
    french = run_tp3(*args, env=FRENCH_LOCALE)
    assert assert_ok(french) == ["6500 MAD = 708.68 USD  (taux 0.1090284084, cours du 2026-02-20)"]
    english = run_tp3(*args, "--lang", "en", env=FRENCH_LOCALE)  # --lang wins
    assert assert_ok(english)[0].endswith("(rate 0.1090284084, rates of 2026-02-20)")
    [line] = assert_ok(run_tp3(*args, "--json", env=FRENCH_LOCALE))
    assert json.loads(line)["converted_amount"] == "708.68"  # data, not words


def test_the_chat_in_french(server_process: ServerProcess) -> None:
    session = run_tp3(
        *("chat", "--name", "amelie", "--room", "salon-fr", "-t", server_process.target),
        *("--lang", "fr"),
        input="bonjour\n/who\n/nope\n/help\n/quit\n",
    )
    assert session.returncode == 1  # a piped session with a refused line
    assert session.stderr == "error: commande inconnue /nope ; /help liste les commandes\n"
    lines = session.stdout.splitlines()
    assert lines[0] == "* dans le salon salon-fr sous le nom amelie ; présents : amelie"
    assert lines[1] == "* /help liste les commandes ; Ctrl-D pour partir"
    assert lines[2].endswith("amelie: bonjour")
    assert "* dans salon-fr : amelie" in lines
    assert "! commande inconnue /nope ; /help liste les commandes" in lines
    assert "  /quit            quitter le salon (Ctrl-D et Ctrl-C aussi)" in lines
    assert tp3(server_process, "chat", "rooms") == ["aucun salon n'a de membres"]


def test_the_game_in_french(server_process: ServerProcess) -> None:
    [hint] = tp3(server_process, "game", "guess", "--name", "zoe", "1")
    assert hint in {"1 : Votre nombre est plus petit", "1 : BRAVO vous avez gagné en 1 essais"}
    board = tp3(server_process, "game", "scoreboard")
    assert board == ["aucune manche n'a encore été gagnée"] or "Joueurs" in board[0]


def test_error_lines_stay_english(server_process: ServerProcess) -> None:
    result = run_tp3(
        "currency", "convert", "1", "XXX", "USD", "--target", server_process.target, "-l", "fr"
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: INVALID_ARGUMENT: from_currency: XXX is not supported")
