"""grpc's official Python stack (grpcio, on C-core) as a client of our grpclib server, through
every RPC of the three services and health.

grpcio is never imported here (its health and reflection modules clash with grpclib's): each
test runs tests/grpcio_peer.py in a subprocess and checks the JSON lines it prints.
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MAD_USD, ServerProcess, start_server_process

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

PEER = Path(__file__).with_name("grpcio_peer.py")
PEER_TIMEOUT = 45.0
PLAYER = "grpcio-player"
SERVICES = [
    "tp3.currency.v1.CurrencyService",
    "tp3.chat.v1.ChatService",
    "tp3.game.v1.GuessingGame",
]

Result = dict[str, Any]


def peer(scenario: str, server: ServerProcess) -> list[Result]:
    """Run one scenario of the grpcio peer against `server`; its results, in order."""
    result = subprocess.run(
        [sys.executable, str(PEER), scenario, server.target],
        capture_output=True,
        text=True,
        timeout=PEER_TIMEOUT,
    )
    assert result.returncode == 0, f"{result.stderr}\nstdout:\n{result.stdout}"
    return [json.loads(line) for line in result.stdout.splitlines()]


def of(results: list[Result], call: str, **fields: Any) -> list[Result]:
    """The results of `call` (with these fields)."""
    return [
        r for r in results if r["call"] == call and all(r.get(k) == v for k, v in fields.items())
    ]


def responses(results: list[Result], call: str, **fields: Any) -> list[Any]:
    return [r["response"] for r in of(results, call, **fields)]


@pytest.fixture
def game_server() -> Iterator[ServerProcess]:
    """A fresh server: round 1 is open, nobody has played, 0.2 s between rounds."""
    running = start_server_process("--game-pause", "0.2")
    yield running
    running.stop()


def test_currency(server_process: ServerProcess) -> None:
    results = peer("currency", server_process)

    converted, refused = of(results, "Convert")
    assert converted["response"] == MAD_USD
    assert refused["code"] == "INVALID_ARGUMENT"
    assert refused["details"].startswith("from_currency: XXX is not supported")
    assert responses(results, "Convert.future") == [MAD_USD]

    ticks = responses(results, "StreamQuotes")
    assert [t["sequence"] for t in ticks] == ["1", "2", "3"]
    assert {(t["base_currency"], t["quote_currency"]) for t in ticks} == {("EUR", "USD")}

    [batch] = responses(results, "ConvertBatch")
    assert (batch["to_currency"], batch["total"], batch["item_count"]) == ("USD", "826.35", 2)

    first, second = responses(results, "ConvertStream")
    assert (first["sequence"], first["conversion"]) == ("1", MAD_USD)
    assert second["sequence"] == "2"
    assert second["error"]["code"] == 3
    assert "negative" in second["error"]["message"]

    [listing] = responses(results, "ListCurrencies")
    assert len(listing["currencies"]) == 31
    assert (listing["base_currency"], listing["rate_date"]) == ("EUR", "2026-02-20")


def test_chat(server_process: ServerProcess) -> None:
    results = peer("chat", server_process)
    events = {name: responses(results, "Chat", who=name) for name in ("alice", "bob", "carol")}

    def seen(name: str, kind: str) -> list[Any]:
        return [event[kind] for event in events[name] if kind in event]

    for name in events:
        [joined] = seen(name, "joined")
        assert events[name][0] == {"joined": joined}
        assert (joined["room"], joined["name"]) == ("grpcio-peer", name)
    # Every member sees the room's messages, with the same sequence numbers.
    room = [(m["sequence"], m["from"], m["text"]) for m in seen("alice", "message")]
    assert room == [("1", "alice", "hello room"), ("2", "alice", "bye room")]
    for name in ("bob", "carol"):
        assert [(m["sequence"], m["from"], m["text"]) for m in seen(name, "message")] == room
    # The private message reaches its recipient and (as a copy) its sender, nobody else.
    private = {"from": "bob", "to": "alice", "text": "psst alice"}
    for name in ("alice", "bob"):
        assert [{k: p[k] for k in private} for p in seen(name, "private_message")] == [private]
    assert seen("carol", "private_message") == []

    [rooms] = responses(results, "ListRooms")
    [summary] = [r for r in rooms["rooms"] if r["name"] == "grpcio-peer"]
    assert (summary["member_count"], summary["last_sequence"]) == (3, "2")
    [members] = responses(results, "ListMembers")
    assert [m["name"] for m in members["members"]] == ["alice", "bob", "carol"]


def test_game(game_server: ServerProcess) -> None:
    results = peer("game", game_server)
    play = [r["event"] for r in responses(results, "Play", who=PLAYER)]
    watch = [r["event"] for r in responses(results, "Watch")]

    assert play[0]["kind"] == "EVENT_KIND_JOINED"
    assert play[0]["round"] == {"number": "1", "low": "1", "high": "1000", "open": True}
    hints = [e["hint"] for e in play if e["kind"] == "EVENT_KIND_HINT"]
    [over] = [e["game_over"] for e in play if e["kind"] == "EVENT_KIND_GAME_OVER"]
    assert (over["round"], over["winner"], over["attempts"]) == ("1", PLAYER, len(hints))
    secret = int(over["secret"])
    assert [h["attempts"] for h in hints] == list(range(1, len(hints) + 1))
    for hint in hints:  # every hint told the truth about the secret revealed at the end
        guess = int(hint["guess"])
        verdict = "VERDICT_TOO_HIGH" if guess > secret else "VERDICT_TOO_LOW"
        assert hint["verdict"] == ("VERDICT_CORRECT" if guess == secret else verdict)
    assert int(hints[-1]["guess"]) == secret
    assert play[-1]["kind"] == "EVENT_KIND_ROUND_STARTED"
    assert play[-1]["round"]["number"] == "2"

    casual, taken = of(results, "Guess")
    guess = casual["response"]["event"]
    assert guess["kind"] == "EVENT_KIND_HINT"
    assert (guess["hint"]["round"], guess["hint"]["guess"], guess["hint"]["attempts"]) == (
        "2",
        "500",
        1,
    )
    assert guess["hint"]["verdict"] in {"VERDICT_TOO_HIGH", "VERDICT_TOO_LOW", "VERDICT_CORRECT"}
    assert taken["code"] == "ALREADY_EXISTS"  # the name of a Play session

    [scoreboard] = [r["scoreboard"] for r in responses(results, "Scoreboard")]
    assert {"name": PLAYER, "wins": 1, "best_attempts": len(hints)} in scoreboard["players"]
    [first] = [r for r in scoreboard["recent_rounds"] if r["round"] == "1"]
    assert (first["winner"], first["secret"], first["attempts"]) == (
        PLAYER,
        over["secret"],
        len(hints),
    )

    assert [e["kind"] for e in watch] == [
        "EVENT_KIND_WATCHING",
        "EVENT_KIND_GAME_OVER",
        "EVENT_KIND_SCOREBOARD",
        "EVENT_KIND_ROUND_STARTED",
    ]
    assert watch[0]["round"]["number"] == "1"
    assert watch[1]["game_over"] == over


def test_health(server_process: ServerProcess) -> None:
    results = peer("health", server_process)
    statuses = {r["service"]: r.get("status") for r in of(results, "Health.Check")}
    serving = 1  # grpc.health.v1.HealthCheckResponse.SERVING
    assert statuses == {"": serving, **dict.fromkeys(SERVICES, serving), "no.such.Service": None}
    [unknown] = of(results, "Health.Check", service="no.such.Service")
    assert unknown["code"] == "NOT_FOUND"
