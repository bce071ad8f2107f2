"""One shape for --json (docs/json-lines.md), whichever client prints it.

The Python CLI and the Java client make the same calls against one server and must print the
same objects; every line either prints, and every example in the doc, must fit SCHEMAS (the
doc's tables, in code: exact keys, kinds of values).

What legitimately differs between the two runs of a call is dropped explicitly, call by call:
the `time` the server stamped each client's own tick, message or watch; the `sequence` of each
client's own message; a listener's welcome, which names the listener. A time the server
stamped once (a member's arrival, a round's end) must be equal, to the microsecond.

Without --json, in French, the two clients must print the same lines too (the last test).

Skipped without the Java client (see the `java_client` fixture), but for the doc's examples.
"""

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import RUN_TIMEOUT, Command, run_tp3, tp3_env, without_seconds_left
from conftest import ServerProcess, start_server_process
from grpclib.const import Status

pytestmark = pytest.mark.slow  # processes: a tp3 server, the two clients

DOC = Path(__file__).parent.parent / "docs" / "json-lines.md"

# --- the schema --------------------------------------------------------------------------

Spec = Any  # a kind (str), a set of words, an object (dict: exact keys), a list of one spec

_KINDS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "string|null": lambda v: v is None or isinstance(v, str),
    "decimal": lambda v: isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v) is not None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "time": lambda v: (
        isinstance(v, str)
        and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", v) is not None
    ),
    "time|null": lambda v: v is None or _KINDS["time"](v),
    "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v) is not None,
    "status": lambda v: v in Status.__members__,
}

ERROR = {"status": "status", "code": "integer", "message": "string"}
CONVERSION = {
    "from_currency": "string",
    "to_currency": "string",
    "amount": "decimal",
    "converted_amount": "decimal",
    "rate": "decimal",
    "rate_date": "date",
}
MESSAGE = {"sequence": "integer", "sender": "string", "text": "string", "time": "time"}
PRIVATE = {"sender": "string", "recipient": "string", "text": "string", "time": "time"}
RECONNECTED = {"target": "string", "attempts": "integer", "resumed": "string", "text": "string"}
ROUND = {
    "round": "integer",
    "low": "integer",
    "high": "integer",
    "open": "boolean",
    "next_round_at": "time|null",
    "time": "time",
    "text": "string",
}
HINT = {
    "round": "integer",
    "guess": "integer",
    "verdict": {"too_high", "too_low", "correct", "round_over"},
    "attempts": "integer",
    "winner": "string|null",
    "time": "time",
    "text": "string",
}
GAME_OVER = {
    "round": "integer",
    "winner": "string",
    "secret": "integer",
    "attempts": "integer",
    "next_round_at": "time",
    "time": "time",
    "text": "string",
}
BOARD = {
    "players": [{"name": "string", "wins": "integer", "best_attempts": "integer"}],
    "recent_rounds": [
        {
            "round": "integer",
            "winner": "string",
            "secret": "integer",
            "attempts": "integer",
            "started_at": "time",
            "ended_at": "time",
        }
    ],
}

SCHEMAS: dict[str, dict[str, dict[str, Spec]]] = {
    "currency convert": {"conversion": CONVERSION},
    "currency quotes": {
        "quote": {
            "sequence": "integer",
            "time": "time",
            "base_currency": "string",
            "quote_currency": "string",
            "rate": "decimal",
            "reference_rate": "decimal",
        }
    },
    "currency batch": {
        "batch": {
            "to_currency": "string",
            "total": "decimal",
            "item_count": "integer",
            "subtotals": [
                {
                    "from_currency": "string",
                    "item_count": "integer",
                    "amount": "decimal",
                    "converted_amount": "decimal",
                }
            ],
            "rate_date": "date",
        }
    },
    "currency exchange": {
        "conversion": {**CONVERSION, "line": "integer"},
        "error": {**ERROR, "line": "integer"},
    },
    "currency list": {
        "currency": {
            "code": "string",
            "name": "string",
            "minor_units": "integer",
            "rate": "decimal",
            "base_currency": "string",
            "rate_date": "date",
        }
    },
    "chat listen": {
        "welcome": {
            "room": "string",
            "name": "string",
            "member_id": "string",
            "members": [{"name": "string", "joined_at": "time"}],
            "history_gap": "boolean",
            "room_epoch": "string",
            "last_sequence": "integer",
        },
        "history": MESSAGE,
        "message": MESSAGE,
        "private": PRIVATE,
        "joined": {"name": "string", "time": "time"},
        "left": {"name": "string", "reason": {"left", "disconnected", "too_slow"}, "time": "time"},
        "notice": ERROR,
        "reconnected": RECONNECTED,
    },
    "chat send": {"message": MESSAGE, "private": PRIVATE},
    "chat rooms": {
        "room": {"name": "string", "member_count": "integer", "last_sequence": "integer"}
    },
    "chat who": {"member": {"name": "string", "joined_at": "time"}},
    "game guess": {"hint": HINT},
    "game bot": {
        "joined": ROUND,
        "hint": {**HINT, "low": "integer", "high": "integer"},
        "round_started": ROUND,
        "game_over": GAME_OVER,
        "waiting": {
            "round": "integer",
            "next_round_at": "time|null",
            "time": "time",
            "text": "string",
        },
        "notice": ERROR,
    },
    "game watch": {
        "watching": ROUND,
        "round_started": ROUND,
        "game_over": GAME_OVER,
        "scoreboard": {**BOARD, "time": "time", "text": "string"},
        "notice": ERROR,
        "reconnected": RECONNECTED,
    },
    "game scoreboard": {"scoreboard": BOARD},
}
"""Per command, the fields of each type it prints; any command may also end with an error."""


def check(value: Any, spec: Spec, where: str) -> None:
    if isinstance(spec, dict):
        assert isinstance(value, dict), (where, value)
        assert set(value) == set(spec), f"{where}: keys {sorted(value)} != {sorted(spec)}"
        for key, inner in spec.items():
            check(value[key], inner, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), (where, value)
        for i, item in enumerate(value):
            check(item, spec[0], f"{where}[{i}]")
    elif isinstance(spec, set):
        assert value in spec, f"{where}: {value!r} is not one of {sorted(spec)}"
    else:
        assert _KINDS[spec](value), f"{where}: {value!r} is not a {spec}"


def check_line(command: str, line: str) -> dict[str, Any]:
    """`line` as `command` may print it: an object whose first key is its type, which fits the
    command's schema for that type (an error: a whole command's failure, or its own)."""
    value = json.loads(line)
    assert isinstance(value, dict), line
    assert next(iter(value), None) == "type", line
    kind = value["type"]
    fields = {k: v for k, v in value.items() if k != "type"}
    specs = [SCHEMAS[command][kind]] if kind in SCHEMAS[command] else []
    if kind == "error":
        specs.append(ERROR)
    assert specs, f"{command} prints no {kind!r}: {line}"
    failures = []
    for spec in specs:
        try:
            check(fields, spec, f"{command} {kind}")
            break
        except AssertionError as failure:
            failures.append(str(failure))
    else:
        pytest.fail("; ".join(failures))
    if kind in ("error", "notice"):  # the name and the number say the same status
        assert Status[value["status"]].value == value["code"], line
    return value


def objects(command: str, result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The lines a command printed, each checked against the schema."""
    assert "Traceback" not in result.stderr, result.stderr
    return [check_line(command, line) for line in result.stdout.splitlines()]


def without(items: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in fields} for item in items]


# --- the doc -----------------------------------------------------------------------------


def doc_examples() -> dict[str, list[str]]:
    """The example lines of docs/json-lines.md, by the command whose section holds them
    ("" before the first command: the failures that every command may print)."""
    examples: dict[str, list[str]] = {}
    command, in_block = "", False
    for text in DOC.read_text().splitlines():
        if heading := re.fullmatch(r"### `tp3 (\w+ \w+)`", text):
            command = heading[1]
        elif text.startswith("```"):
            in_block = text == "```json"
        elif in_block:
            examples.setdefault(command, []).append(text)
    return examples


def test_every_documented_example_fits_and_every_type_has_one() -> None:
    examples = doc_examples()
    for line in examples.pop(""):
        check_line("currency convert", line)  # a failure, as any command prints it
    assert set(examples) == set(SCHEMAS)
    for command, lines in examples.items():
        shown = {check_line(command, line)["type"] for line in lines}
        assert shown == set(SCHEMAS[command]), command


# --- both clients, one server ------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    """Quotes that replay the same rates (--seed); a minute between game rounds, so that the
    round a bot ends stays over while both clients ask about it."""
    running = start_server_process("--seed", "42", "--game-pause", "60")
    yield running
    running.stop()


def run_both(
    java: list[str],
    server: ServerProcess,
    *args: str,
    input: str | None = None,
    json: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """`ARGS --json` (`ARGS` alone if not `json`) by the Python CLI, then by the Java client."""
    argv = (*args, *(["--json"] if json else []), "--target", server.target)
    return run_tp3(*argv, input=input, env=env), run_tp3(*argv, input=input, env=env, program=java)


CALLS = {
    "convert": (("currency", "convert", "6500", "MAD", "USD"), ()),
    "quotes": (
        ("currency", "quotes", "EUR", "USD", "--count", "2", "--interval", "0.05"),
        ("time",),
    ),
    "batch": (("currency", "batch", "USD", "100", "EUR", "6500", "MAD"), ()),
    "list": (("currency", "list"), ()),
    "unknown currency": (("currency", "convert", "1", "XXX", "USD"), ()),
    "bad input": (("currency", "batch", "USD", "100"), ()),
    "guess out of range": (("game", "guess", "--name", "probe", "5000"), ()),
    "empty room": (("chat", "who", "--room", "nobody-here"), ()),
}


@pytest.mark.parametrize(("args", "differs"), CALLS.values(), ids=CALLS.keys())
def test_unary_and_streaming_calls_print_the_same_objects(
    java_client: list[str], server: ServerProcess, args: tuple[str, ...], differs: tuple[str, ...]
) -> None:
    python, java = run_both(java_client, server, *args)
    command = " ".join(args[:2])
    assert (python.returncode, python.stderr) == (java.returncode, java.stderr)
    assert without(objects(command, python), *differs) == without(objects(command, java), *differs)
    if python.returncode:  # a failure: one error line, the last (and only) one
        assert [o["type"] for o in objects(command, python)] == ["error"]
        assert python.stderr.count("\n") == 1


def test_exchange_prints_the_same_objects(java_client: list[str], server: ServerProcess) -> None:
    """Answers arrive in their own order (a malformed line is answered at once): by line."""
    lines = "6500 MAD USD\n1 2\n-1 EUR USD\n100 EUR JPY\n"
    python, java = run_both(java_client, server, "currency", "exchange", input=lines)
    assert (python.returncode, java.returncode) == (1, 1)
    in_order = [
        sorted(objects("currency exchange", result), key=lambda o: o["line"])
        for result in (python, java)
    ]
    assert in_order[0] == in_order[1]
    assert [o["type"] for o in in_order[0]] == ["conversion", "error", "error", "conversion"]


def test_chat_prints_the_same_objects(java_client: list[str], server: ServerProcess) -> None:
    room, target = "shapes", server.target
    keeper = Command("chat", "listen", "--name", "keeper", "--room", room, "--json", "-t", target)
    listen = ("chat", "listen", "--room", room, "--count", "1", "--json", "-t", target)
    listeners: list[Command] = []
    try:
        assert keeper.next_json()["type"] == "welcome"
        for name, program in (("lj", java_client), ("lp", None)):  # in this order: lj, then lp
            listeners.append(Command(*listen, "--name", name, program=program))
            assert listeners[-1].next_json()["type"] == "welcome"  # in the room

        python, java = run_both(java_client, server, "chat", "who", "--room", room)
        assert [o["name"] for o in objects("chat who", python)] == ["keeper", "lj", "lp"]
        assert objects("chat who", python) == objects("chat who", java)
        python, java = run_both(java_client, server, "chat", "rooms")
        assert objects("chat rooms", python) == objects("chat rooms", java)

        for name, to in (("sender", ()), ("whisperer", ("--to", "keeper"))):
            send = ("chat", "send", "--name", name, "--room", room, *to, f"hi from {name}")
            python, java = run_both(java_client, server, *send)
            assert without(objects("chat send", python), "time", "sequence") == without(
                objects("chat send", java), "time", "sequence"
            )
        python, java = run_both(
            java_client, server, "chat", "send", "-n", "x", "-r", room, "--to", "nobody", "hi"
        )
        assert (python.returncode, python.stderr) == (java.returncode, java.stderr) != (0, "")
        assert objects("chat send", python) == objects("chat send", java)

        heard = []
        for listener in listeners:  # both stop at the first message (--count 1)
            assert listener.wait(RUN_TIMEOUT) == 0, listener.err.rest()
            heard.append([check_line("chat listen", line) for line in listener.out.rest()])
        java_heard, python_heard = heard
        assert java_heard[0] == {"type": "joined", "name": "lp", "time": java_heard[0]["time"]}
        assert java_heard[1:] == python_heard  # the same events, stamped once by the server
        assert [o["type"] for o in python_heard] == ["joined", "message"]
    finally:
        for command in (keeper, *listeners):
            command.finish()
    for line in keeper.out.rest():
        check_line("chat listen", line)


def test_game_prints_the_same_objects(java_client: list[str], server: ServerProcess) -> None:
    """Two spectators watch a Python bot win round 1; then, the round over, both clients guess
    in it and read the scoreboard."""
    target = server.target
    watch = ("game", "watch", "--rounds", "1", "--json", "-t", target)
    watchers = [Command(*watch), Command(*watch, program=java_client)]
    try:
        first = [check_line("game watch", w.out.next_line(RUN_TIMEOUT) or "") for w in watchers]
        assert [w["type"] for w in first] == ["watching", "watching"]
        assert without(first[:1], "time") == without(first[1:], "time")  # each its own time
        bot = run_tp3("game", "bot", "--name", "winner", "--rounds", "1", "--json", "-t", target)
        assert bot.returncode == 0, bot.stderr
        (over,) = [o for o in objects("game bot", bot) if o["type"] == "game_over"]
        seen = []
        for watcher in watchers:
            assert watcher.wait(RUN_TIMEOUT) == 0, watcher.err.rest()
            seen.append([check_line("game watch", line) for line in watcher.out.rest()])
    finally:
        for watcher in watchers:
            watcher.finish()
    assert seen[0] == seen[1]
    assert seen[0][-1] == over  # as the bot saw it, to the microsecond

    guesses = [
        run_tp3("game", "guess", "--name", name, "500", "--json", "-t", target, program=program)
        for name, program in (("probe-py", None), ("probe-java", java_client))
    ]
    hints = [objects("game guess", result) for result in guesses]
    assert without(hints[0], "time") == without(hints[1], "time")
    assert (hints[0][0]["verdict"], hints[0][0]["winner"]) == ("round_over", "winner")

    python, java = run_both(java_client, server, "game", "scoreboard")
    assert objects("game scoreboard", python) == objects("game scoreboard", java)
    assert objects("game scoreboard", python)[0]["players"][0]["name"] == "winner"


def test_bots_print_the_same_kinds_of_lines(java_client: list[str]) -> None:
    """A Python bot, then a Java bot, each on a server of its own: it sits out round 1
    (--next-round), saying so, which a referee wins; then it wins round 2 alone. Each plays its
    own guesses, so only the shapes compare (every line fits "game bot"'s schema), but for the
    waiting lines: the same, each at its own time."""
    waiting = []
    for name, program in (("pybot", None), ("jbot", java_client)):
        running = start_server_process("--game-pause", "0.2")
        bot = Command(
            *("game", "bot", "--name", name, "--rounds", "1", "--next-round", "--json"),
            *("-t", running.target),
            program=program,
        )
        try:
            printed = [check_line("game bot", bot.out.next_line(RUN_TIMEOUT) or "")]
            printed.append(check_line("game bot", bot.out.next_line() or ""))  # in round 1
            referee = ("game", "bot", "--name", "referee", "--rounds", "1", "-t", running.target)
            assert run_tp3(*referee).returncode == 0
            assert bot.wait(RUN_TIMEOUT) == 0, bot.err.rest()
            printed += [check_line("game bot", line) for line in bot.out.rest()]
        finally:
            bot.finish()
            running.stop()
        assert [o["type"] for o in printed[:2]] == ["joined", "waiting"]
        waiting.append(printed[1])
        assert printed[-1]["type"] == "game_over"
        won = [o for o in printed if o["type"] == "hint" and o["verdict"] == "correct"]
        assert [(o["winner"], o["low"] <= o["guess"] <= o["high"]) for o in won] == [(name, True)]
    assert without(waiting[:1], "time") == without(waiting[1:], "time")
    assert (waiting[0]["round"], waiting[0]["next_round_at"]) == (2, None)


# --- the same lines, in French -----------------------------------------------------------


def test_both_clients_print_the_same_french_lines(java_client: list[str]) -> None:
    """The same calls, in French (--lang fr, -l fr or TP3_LANG=fr), print the same lines in
    both clients: results and the currency table; a room's members and the rooms; a hint, the
    scoreboard's tables; bots saying that they sit a round out, before its win and in the pause
    after it.

    Only what differs between two runs of a call is normalized: the clock time of each
    client's own quote tick, and the seconds left before the next round, which each client
    counts from its own start (the clock time it names, the server's, must be equal)."""
    server = start_server_process("--seed", "42", "--game-pause", "60")
    target, room, french = server.target, "salon-fr", tp3_env(TP3_LANG="fr")
    running: list[Command] = []

    def same(*args: str, env: dict[str, str] | None = None) -> list[str]:
        python, java = run_both(java_client, server, *args, json=False, env=env)
        assert (python.returncode, python.stderr) == (java.returncode, java.stderr) == (0, "")
        assert python.stdout == java.stdout
        return python.stdout.splitlines()

    def first_lines_of_bots(name: str, count: int) -> list[list[str]]:
        """A Python and a Java bot that sit out the round in progress: their first lines."""
        bot = ("game", "bot", "--next-round", "--lang", "fr", "-t", target)
        running.append(Command(*bot, "--name", f"{name}-py"))
        running.append(Command(*bot, "--name", f"{name}-java", program=java_client))
        return [[c.out.next_line(RUN_TIMEOUT) or "" for _ in range(count)] for c in running[-2:]]

    try:
        assert same("currency", "convert", "6500", "MAD", "USD", "--lang", "fr") == [
            "6500 MAD = 708.68 USD  (taux 0.1090284084, cours du 2026-02-20)"
        ]
        quotes = ("currency", "quotes", "EUR", "USD", "--count", "1", "-l", "fr")
        python, java = run_both(java_client, server, *quotes, json=False)
        stamped = re.compile(r"\d\d:\d\d:\d\d\.\d{3}")  # each client's own tick, stamped apart
        assert stamped.sub("T", python.stdout) == stamped.sub("T", java.stdout) != ""
        assert python.stdout.rstrip().endswith("(référence 1.1767)")
        assert same("currency", "batch", "USD", "100", "EUR", "6500", "MAD", env=french)[0] == (
            "Total : 826.35 USD  (2 éléments, cours du 2026-02-20)"
        )
        assert same("currency", "list", "--lang", "fr")[0].strip() == (
            "Cours du 2026-02-20, pour 1 EUR"
        )

        member = ("chat", "--name", "membre", "--room", room, "-t", target)
        running.append(Command(*member, stdin=subprocess.PIPE))  # stays until its stdin ends
        running[-1].wait_line(starts="* /help")  # in the room
        [here] = same("chat", "who", "--room", room, "-l", "fr")
        assert here.startswith("membre  (présent depuis ")
        assert same("chat", "--lang", "fr", "rooms") == [
            f"{room}  1 membre(s), dernier message n°0"
        ]

        waiting = first_lines_of_bots("attente", 2)  # round 1 is open
        assert (
            waiting[0]
            == waiting[1]
            == [
                "Manche 1 : devinez un nombre entre 1 et 1000",
                "en attente de la manche 2, qui commencera quand la manche 1 sera gagnée",
            ]
        )
        won = run_tp3("game", "bot", "--name", "gagnant", "--rounds", "1", "-t", target)
        assert won.returncode == 0, won.stderr
        [over_py, over_java] = [c.out.next_line() for c in running[-2:]]
        assert over_py == over_java
        assert (over_py or "").startswith("Jeu terminé, le gagnant est gagnant (manche 1,")
        assert same("game", "guess", "--name", "sondeur", "500", env=french) == [
            "Manche 1 terminée, le gagnant est gagnant"
        ]
        board = [line.strip() for line in same("game", "scoreboard", env=french)]
        assert (board[0], board[6]) == ("Joueurs", "Manches récentes")

        paused = first_lines_of_bots("pause", 2)  # round 1 is won: a minute's pause
        assert [without_seconds_left(line) for line in paused[0]] == [
            without_seconds_left(line) for line in paused[1]
        ]
        assert re.fullmatch(
            r"en attente de la manche 2, qui commence dans \d+ s, à \d\d:\d\d:\d\d", paused[0][1]
        )
    finally:
        for command in running:
            command.finish()
        server.stop()
