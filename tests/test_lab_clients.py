"""Clients written against the lab's own contract (protos/lab) talking to a real `tp3 serve`:
a grpcio one (tests/grpcio_lab_peer.py) and the Java one (clients/lab). Each calls the four
BankService RPCs, chats with a `tp3 chat` member, and races a `tp3 game bot` in one round."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import Command, assert_ok, run_tp3
from conftest import SEED, ServerProcess, start_server_process

HERE = Path(__file__).resolve().parent
GRPCIO = [sys.executable, str(HERE / "grpcio_lab_peer.py")]
GUESS_DELAY = "0.4"
"""Seconds the lab player waits between guesses: ten guesses leave a `tp3 game bot` started
after it time to join the same round."""


@pytest.fixture(scope="module")
def lab_server() -> Iterator[ServerProcess]:
    """Quotes every 10 ms (the original's: 1 s); 2 s between rounds."""
    running = start_server_process(
        *("--seed", str(SEED), "--lab-quote-interval", "0.01", "--game-pause", "2")
    )
    yield running
    running.stop()


def lines_of(command: Command) -> list[dict[str, Any]]:
    """The command's JSON lines, once it has ended well."""
    return [json.loads(line) for line in assert_ok_command(command)]


def assert_ok_command(command: Command) -> list[str]:
    try:
        assert command.wait() == 0, command.err.rest()
        return command.out.rest()
    finally:
        command.finish()


def test_grpcio_calls_every_bank_rpc(lab_server: ServerProcess) -> None:
    target = lab_server.target
    lab = Command("bank", target, program=GRPCIO)
    calls = lines_of(lab)
    converted = json.loads(
        assert_ok(run_tp3("currency", "convert", "6500", "MAD", "USD", "--json", "-t", target))[0]
    )
    by_call: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_call.setdefault(call["call"], []).append(call)
    for unary in by_call["convert"][0], by_call["convert.future"][0]:
        assert unary["response"] == {
            "currencyFrom": "MAD",
            "currencyTo": "USD",
            "amount": 6500.0,
            "result": float(converted["converted_amount"]),  # tp3's own 6500 MAD in USD
        }
    assert len(by_call["getCurrencyStream"]) == 20
    [total] = by_call["performStream"]
    assert total["response"]["amount"] == 4821.62  # 100 + 200.5 + 4521.12 (in cents)
    assert [a["response"]["amount"] for a in by_call["fullCurrencyStream"]] == [
        100.0,
        200.5,
        4521.12,
    ]
    assert by_call["convert"][1]["code"] == "INVALID_ARGUMENT"
    assert "currencyFrom" in by_call["convert"][1]["details"]


def test_grpcio_chats_with_a_tp3_member_in_the_lobby(lab_server: ServerProcess) -> None:
    target = lab_server.target
    member = Command(
        "chat", "--name", "pym", "--room", "lobby", "-t", target, stdin=subprocess.PIPE
    )
    lab = Command("chat", target, "labpy", stdin=subprocess.PIPE, program=GRPCIO)
    try:
        member.wait_line("* joined room lobby as pym; here: pym")
        lab.send("bonjour de grpcio")
        member.wait_line("labpy: bonjour de grpcio")
        member.send("salut labpy")
        seen = []
        while (message := lab.next_json()["response"])["user_id"] != "pym":
            seen.append(message)
        assert message["text"] == "salut labpy"
        assert {"user_id": "labpy", "text": "bonjour de grpcio"}.items() <= seen[0].items()
        assert lab.process.stdin is not None
        lab.process.stdin.close()  # the end of the lab client's stream: it leaves
        assert lab.wait() == 0, lab.err.rest()
        member.wait_line("* labpy left")
    finally:
        lab.finish()
        member.finish()


def test_grpcio_races_a_tp3_bot_and_both_learn_the_same_winner(
    lab_server: ServerProcess,
) -> None:
    target = lab_server.target
    lab = Command("play", target, "labpy", GUESS_DELAY, program=GRPCIO)
    bot = None
    try:
        first = lab.next_json()
        assert first["response"]["message"].startswith("Le jeu a commencé")
        bot = Command("game", "bot", "--name", "pybot", "--rounds", "1", "--json", "-t", target)
        results = [first, *lines_of(lab)]
        bot_events = lines_of(bot)
    finally:
        lab.finish()
        if bot is not None:
            bot.finish()
    guesses = [r["response"]["message"] for r in results if r["call"] == "Guess"]
    stop = results[-1]
    assert stop["call"] == "Stop"
    [over] = [e for e in bot_events if e["type"] == "game_over"]
    assert stop["response"] == {
        "message": f"Jeu terminé, le gagnant est {over['winner']} et le nombre secret était"
        f" {over['secret']}",
        "winner": over["winner"],
    }
    if over["winner"] == "labpy":
        assert guesses[-1].startswith("BRAVO vous avez gagné en ")
    else:
        assert over["winner"] == "pybot"
        assert guesses[-1] == "Jeu terminé, le gagnant est pybot"
    assert set(guesses[:-1]) <= {"Votre nombre est plus petit", "Votre nombre est plus grand"}
