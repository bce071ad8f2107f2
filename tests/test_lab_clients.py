"""Clients written against the lab's own contract (protos/lab) talking to a real `tp3 serve`:
a grpcio one (tests/grpcio_lab_peer.py) and the Java one (clients/lab). Each calls the four
BankService RPCs, chats with a `tp3 chat` member, and races a `tp3 game bot` in one round.

`nox -s tests` builds the Java jar with Maven and passes its path in TP3_LAB_CLIENT; without
it the Java tests skip, unless TP3_REQUIRE_TOOLS=1 (CI) turns that into a failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_support import Command, assert_ok, run_tp3
from conftest import SEED, ServerProcess, start_server_process

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

HERE = Path(__file__).resolve().parent
GUESS_DELAY = 0.4
"""Seconds the lab player waits after each reply: ten guesses leave a `tp3 game bot` started
after it time to join the same round."""
HINTS = {"Votre nombre est plus petit", "Votre nombre est plus grand"}


@pytest.fixture(scope="module")
def lab_server() -> Iterator[ServerProcess]:
    """Quotes every 10 ms (the original's: 1 s)."""
    running = start_server_process("--seed", str(SEED), "--lab-quote-interval", "0.01")
    yield running
    running.stop()


@pytest.fixture
def game_server() -> Iterator[ServerProcess]:
    """A server of the test's own: round 1 is open, nobody has played, 2 s between rounds."""
    running = start_server_process("--game-pause", "2")
    yield running
    running.stop()


def finished(command: Command) -> list[str]:
    """The command's stdout lines, once it has ended well."""
    try:
        assert command.wait() == 0, command.err.rest()
        return command.out.rest()
    finally:
        command.finish()


def tp3_converts(target: str, amount: str) -> float:
    converted = run_tp3("currency", "convert", amount, "MAD", "USD", "--json", "-t", target)
    return float(json.loads(assert_ok(converted)[0])["converted_amount"])


@dataclass(frozen=True)
class Played:
    """What a lab player printed: Start's first message, its Guess replies, Stop's result."""

    start: str
    replies: list[str]
    stop: str
    winner: str


class GrpcioLab:
    """tests/grpcio_lab_peer.py: one JSON object per line."""

    def __init__(self) -> None:
        self.program = [sys.executable, str(HERE / "grpcio_lab_peer.py")]

    def chat(self, target: str, name: str) -> Command:
        return Command("chat", target, name, stdin=subprocess.PIPE, program=self.program)

    def heard(self, line: str) -> tuple[str, str]:
        message = json.loads(line)["response"]
        return message["user_id"], message["text"]

    def play(self, target: str, name: str) -> Command:
        return Command("play", target, name, str(GUESS_DELAY), program=self.program)

    def played(self, lines: list[str]) -> Played:
        calls = [json.loads(line) for line in lines]
        [stop] = [c["response"] for c in calls if c["call"] == "Stop"]
        return Played(
            start=calls[0]["response"]["message"],
            replies=[c["response"]["message"] for c in calls if c["call"] == "Guess"],
            stop=stop["message"],
            winner=stop["winner"],
        )


class JavaLab:
    """clients/lab: the original clients' printing (`[SECONDS] USER: TEXT`, `start: ...`)."""

    def __init__(self, jar: str) -> None:
        self.program = [shutil.which("java") or "java", "-jar", jar]

    def chat(self, target: str, name: str) -> Command:
        argv = ("chat", "--name", name, "--target", target)
        return Command(*argv, stdin=subprocess.PIPE, program=self.program)

    def heard(self, line: str) -> tuple[str, str]:
        found = re.fullmatch(r"\[\d+\] ([^:]*): (.*)", line)
        assert found, line
        return found[1], found[2]

    def play(self, target: str, name: str) -> Command:
        delay = str(int(GUESS_DELAY * 1000))
        return Command("play", "--name", name, "--delay", delay, "-t", target, program=self.program)

    def played(self, lines: list[str]) -> Played:
        starts = [line.removeprefix("start: ") for line in lines if line.startswith("start: ")]
        stop, winner = lines[-2].removeprefix("stop: "), lines[-1].removeprefix("winner: ")
        replies = [line for line in lines[:-2] if not line.startswith("start: ")]
        return Played(start=starts[0], replies=replies, stop=stop, winner=winner)


def java_jar() -> str:
    jar = os.environ.get("TP3_LAB_CLIENT")
    if jar and shutil.which("java") and Path(jar).exists():
        return jar
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail("the lab's Java client is required (TP3_REQUIRE_TOOLS=1) but was not built")
    pytest.skip("the lab's Java client is not built (nox -s tests builds it with Maven)")


@pytest.fixture(params=["grpcio", "java"])
def lab_client(request: pytest.FixtureRequest) -> GrpcioLab | JavaLab:
    return GrpcioLab() if request.param == "grpcio" else JavaLab(java_jar())


def test_grpcio_calls_every_bank_rpc(lab_server: ServerProcess) -> None:
    target = lab_server.target
    calls = [
        json.loads(line) for line in finished(Command("bank", target, program=GrpcioLab().program))
    ]
    by_call: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_call.setdefault(call["call"], []).append(call)
    for unary in by_call["convert"][0], by_call["convert.future"][0]:
        assert unary["response"] == {
            "currencyFrom": "MAD",
            "currencyTo": "USD",
            "amount": 6500.0,
            "result": tp3_converts(target, "6500"),  # tp3's own 6500 MAD in USD
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


def text_format(lines: list[str]) -> list[dict[str, str]]:
    """protobuf's text format of the messages printed, split at "---" (or "END")."""
    messages: list[dict[str, str]] = [{}]
    for line in lines:
        if line in ("---", "END"):
            messages.append({})
        elif ": " in line:
            key, value = line.split(": ", 1)
            messages[-1][key] = value.strip('"')
    return [m for m in messages if m]


def test_java_calls_every_bank_rpc(lab_server: ServerProcess) -> None:
    java, target = JavaLab(java_jar()).program, lab_server.target

    def run(*args: str) -> list[dict[str, str]]:
        return text_format(finished(Command(*args, "--target", target, program=java)))

    result = str(tp3_converts(target, "6500"))
    for mode in ([], ["--async"]):
        [converted] = run("convert", *mode)  # DH to USD, 6500: the original's request
        assert converted == {
            "currencyFrom": "MAD",
            "currencyTo": "USD",
            "amount": "6500.0",
            "result": result,
        }
    assert len(run("stream")) == 20
    [total] = run("perform", "--amounts", "100,200.5,4521.123")
    assert (total["currencyFrom"], total["amount"]) == ("MAD", "4821.62")
    answers = run("full", "--amounts", "100,200.5", "--from", "EUR", "--to", "JPY")
    assert [(a["currencyTo"], a["amount"]) for a in answers] == [("JPY", "100.0"), ("JPY", "200.5")]
    refused = Command("convert", "--from", "XX", "--target", target, program=java)
    assert refused.wait() == 1
    assert refused.err.rest() == [
        "error: INVALID_ARGUMENT: currencyFrom: 'XX' is not a currency code: use 3 letters"
        " such as USD"
    ]
    refused.finish()


def test_a_lab_client_chats_with_a_tp3_member_in_the_lobby(
    lab_server: ServerProcess, lab_client: GrpcioLab | JavaLab
) -> None:
    target = lab_server.target
    member = Command(
        "chat", "--name", "pym", "--room", "lobby", "-t", target, stdin=subprocess.PIPE
    )
    lab = lab_client.chat(target, "labc")
    try:
        member.wait_line("* joined room lobby as pym; here: pym")
        lab.send("bonjour du labo")
        member.wait_line("labc: bonjour du labo")
        member.send("salut labc")
        seen = []
        while (said := lab_client.heard(lab.out.next_line() or "")) != ("pym", "salut labc"):
            seen.append(said)
        assert seen[0] == ("labc", "bonjour du labo")  # the room's echo, first
        lab.send("exit")  # what the original's client ends with
        assert lab.wait() == 0, lab.err.rest()
        member.wait_line("* labc left")
    finally:
        lab.finish()
        member.finish()


def test_a_lab_client_races_a_tp3_bot_and_both_learn_the_same_winner(
    game_server: ServerProcess, lab_client: GrpcioLab | JavaLab
) -> None:
    target = game_server.target
    lab = lab_client.play(target, "labp")
    bot = None
    try:
        first = lab.out.next_line()
        bot = Command("game", "bot", "--name", "pybot", "--rounds", "1", "--json", "-t", target)
        played = lab_client.played([first or "", *finished(lab)])
        bot_events = [json.loads(line) for line in finished(bot)]
    finally:
        lab.finish()
        if bot is not None:
            bot.finish()
    assert played.start.startswith("Le jeu a commencé")
    [over] = [e for e in bot_events if e["type"] == "game_over"]
    if over["round"] != 1:  # the bot came after the lab player had won round 1 by itself
        assert (played.winner, played.replies[-1][:5]) == ("labp", "BRAVO")
        return
    assert (played.winner, played.stop) == (
        over["winner"],
        f"Jeu terminé, le gagnant est {over['winner']} et le nombre secret était {over['secret']}",
    )
    if over["winner"] == "labp":
        assert played.replies[-1].startswith("BRAVO vous avez gagné en ")
    else:
        assert (over["winner"], played.replies[-1]) == (
            "pybot",
            "Jeu terminé, le gagnant est pybot",
        )
    assert set(played.replies[:-1]) <= HINTS
