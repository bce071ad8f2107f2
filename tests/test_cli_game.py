"""`tp3 game`, run as a user runs it: `python -m tp3 game ...` against real servers.

The secret is random: tests find it as players do, with binary-search bots or by probing with
`tp3 game guess`, and check every hint against the secret the game over reveals. Servers run
with a 0.2 s pause between rounds. Every command runs in a subprocess with a bound; tests wait
on the lines a command prints, never on the clock.
"""

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from cli_support import (
    RUN_TIMEOUT,
    Command,
    Terminal,
    assert_ok,
    assert_one_error_line,
    run_tp3,
)
from conftest import ServerProcess, start_server_process

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

PAUSE = "0.2"
BINARY_SEARCH_GUESSES = 10  # ceil(log2(1000 + 1)): enough to find any secret in 1..1000


@pytest.fixture(scope="module")
def game_server() -> Iterator[ServerProcess]:
    """A server the module's tests share: they run one after the other, so each sees only
    its own players (a round may still be in the pause after an earlier test's win)."""
    running = start_server_process("--game-pause", PAUSE)
    yield running
    running.stop()


@pytest.fixture
def fresh_server() -> Iterator[ServerProcess]:
    """A server of the test's own: round 1 is open and nobody has played."""
    running = start_server_process("--game-pause", PAUSE)
    yield running
    running.stop()


def game(
    server: ServerProcess, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3 game ARGS --target <server>`, to completion."""
    return run_tp3("game", *args, "--target", server.target, input=input)


def game_command(server: ServerProcess, *args: str, stdin: int = subprocess.DEVNULL) -> Command:
    """`tp3 game ARGS --target <server>`, running alongside the test."""
    return Command("game", *args, "--target", server.target, stdin=stdin)


def game_terminal(server: ServerProcess, *args: str) -> Terminal:
    """`tp3 game ARGS --target <server>` on a pseudo-terminal."""
    # A terminal that answers no cursor position requests: tell prompt_toolkit not to ask.
    return Terminal(
        "game", *args, "--target", server.target, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1"
    )


def first_json(command: Command) -> dict[str, Any]:
    """The first line of a command just started (given the time to start), as JSON."""
    line = command.out.next_line(RUN_TIMEOUT)
    assert line is not None, f"the command ended: {command.err.rest()}"
    event: dict[str, Any] = json.loads(line)
    return event


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def check_hints_against_secret(hints: list[dict[str, Any]], secret: int) -> None:
    """Every hint tells the truth about `secret`, and the ranges a bot reports narrow down to
    it, each guess inside the range the earlier hints left."""
    low, high = 1, 1000
    for hint in hints:
        assert low <= hint["guess"] <= high, (hint, low, high)
        match hint["verdict"]:
            case "too_high":
                assert hint["guess"] > secret, hint
                high = hint["guess"] - 1
            case "too_low":
                assert hint["guess"] < secret, hint
                low = hint["guess"] + 1
            case "correct":
                assert hint["guess"] == secret, hint
            case verdict:
                pytest.fail(f"unexpected verdict {verdict} in {hint}")
        if "low" in hint:
            assert (hint["low"], hint["high"]) == (low, high), hint


# --- guess (unary) ---------------------------------------------------------------------------

HINTS = {
    "en": {
        "TOO_HIGH": r"(\d+): your number is bigger",
        "TOO_LOW": r"(\d+): your number is smaller",
        "CORRECT": r"(\d+): BRAVO, you won in (\d+) guesses",
        "ROUND_OVER": r"round (\d+) is over, the winner is (\S+)",
    },
    "fr": {
        "TOO_HIGH": r"(\d+) : Votre nombre est plus grand",
        "TOO_LOW": r"(\d+) : Votre nombre est plus petit",
        "CORRECT": r"(\d+) : BRAVO vous avez gagné en (\d+) essais",
        "ROUND_OVER": r"Manche (\d+) terminée, le gagnant est (\S+)",
    },
}


def read_hint(line: str, lang: str) -> tuple[str, re.Match[str]]:
    """The verdict a hint line tells, and the match of its wording."""
    for verdict, pattern in HINTS[lang].items():
        if match := re.fullmatch(pattern, line):
            return verdict, match
    pytest.fail(f"not a hint in {lang!r}: {line!r}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_guess_prints_each_hint_in_its_language(game_server: ServerProcess, lang: str) -> None:
    """Probe until the secret is found, with 1 and 1000 first so that both "bigger" and
    "smaller" are seen (a round whose secret is 1 or 1000 is followed by another)."""
    name = f"prober-{lang}"
    seen: set[str] = set()
    low, high, attempts = 1, 1000, 0
    for _ in range(4 * BINARY_SEARCH_GUESSES):
        if {"TOO_HIGH", "TOO_LOW", "CORRECT"} <= seen:
            break
        if "TOO_LOW" not in seen and low == 1:
            number = 1
        elif "TOO_HIGH" not in seen and high == 1000:
            number = 1000
        else:
            number = (low + high) // 2
        result = game(game_server, "guess", "--name", name, str(number), "--lang", lang)
        (line,) = assert_ok(result)
        assert result.stderr == ""
        verdict, match = read_hint(line, lang)
        seen.add(verdict)
        if verdict == "ROUND_OVER":  # an earlier test's round, in its pause: wait for the next
            low, high, attempts = 1, 1000, 0
            continue
        attempts += 1
        assert int(match[1]) == number
        if verdict == "TOO_HIGH":
            high = number - 1
        elif verdict == "TOO_LOW":
            low = number + 1
        else:
            assert int(match[2]) == attempts  # the guesses of this round, this one included
            low, high, attempts = 1, 1000, 0
    assert {"TOO_HIGH", "TOO_LOW", "CORRECT"} <= seen


def test_guess_json(game_server: ServerProcess) -> None:
    result = game(game_server, "guess", "--name", "json-guesser", "500", "--json", "--lang", "fr")
    (line,) = assert_ok(result)
    hint = json.loads(line)
    assert hint["type"] == "hint"
    assert hint["guess"] == 500
    assert hint["verdict"] in {"too_high", "too_low", "correct", "round_over"}
    assert hint["round"] >= 1
    assert isinstance(hint["time"], str)
    assert read_hint(hint["text"], "fr")[0].lower() == hint["verdict"]


@pytest.mark.parametrize("number", ["abc", "12.5", ""])
def test_guess_needs_an_integer(game_server: ServerProcess, number: str) -> None:
    result = game(game_server, "guess", "--name", "alice", number)
    assert result.returncode == 2, result
    assert "NUMBER" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "number", ["0", "1001", "-5", "99999999999999999999", "9223372036854775808"]
)
@pytest.mark.parametrize("number_first", [False, True])
def test_guess_out_of_range_is_refused_before_sending(number: str, number_first: bool) -> None:
    """Checked against the game's range here: the server (none listens) is never called, a
    number too big for the wire's 64 bits neither fails to encode nor wraps around, and
    "-5" is a number, not an unknown option."""
    args = [number, "--name", "alice"] if number_first else ["--name", "alice", number]
    result = run_tp3("game", "guess", *args, "--target", "127.0.0.1:1")
    line = assert_one_error_line(result, 2, "error: number: ")
    assert line == f"error: number: must be between 1 and 1000, got {number}"


def test_unreachable_server_is_one_error_line() -> None:
    result = run_tp3("game", "guess", "--name", "alice", "500", "--target", "127.0.0.1:1")
    assert_one_error_line(result, 1, "error: UNAVAILABLE: ")


# --- bot -------------------------------------------------------------------------------------


def test_bot_plays_two_rounds_by_binary_search(game_server: ServerProcess) -> None:
    result = game(game_server, "bot", "--name", "bot-two", "--rounds", "2", "--json")
    events = json_lines(assert_ok(result))
    assert result.stderr == ""
    assert events[0]["type"] == "joined"
    kinds = {"joined", "waiting", "hint", "notice", "game_over", "round_started"}
    assert {e["type"] for e in events} <= kinds  # waiting: it joined in an earlier win's pause
    for notice in of_type(events, "notice"):  # too fast for the rate limit: it slowed down
        assert notice["status"] == "RESOURCE_EXHAUSTED", notice
    overs = of_type(events, "game_over")
    assert len(overs) == 2
    assert events[-1] == overs[-1]  # it stopped at its second game over
    assert [o["winner"] for o in overs] == ["bot-two", "bot-two"]  # it plays alone
    assert overs[1]["round"] == overs[0]["round"] + 1
    started = of_type(events, "round_started")
    assert overs[1]["round"] in [s["round"] for s in started]
    for over in overs:
        hints = [h for h in of_type(events, "hint") if h["round"] == over["round"]]
        assert 1 <= len(hints) <= BINARY_SEARCH_GUESSES
        assert hints[0]["guess"] == 500  # the middle of 1..1000
        assert [h["attempts"] for h in hints] == list(range(1, len(hints) + 1))
        check_hints_against_secret(hints, over["secret"])
        assert hints[-1]["verdict"] == "correct"
        assert over["attempts"] == len(hints)
        assert over["text"] == (
            f"game over, the winner is bot-two (round {over['round']}, the secret was"
            f" {over['secret']}, {len(hints)} guesses)"
        )


def test_bot_text_in_french(game_server: ServerProcess) -> None:
    result = game(game_server, "bot", "--name", "bot-fr", "--rounds", "1", "--lang", "fr")
    lines = assert_ok(result)
    assert re.fullmatch(r"Manche \d+ : devinez un nombre entre 1 et 1000", lines[0]), lines
    assert re.fullmatch(r"\d+ : BRAVO vous avez gagné en \d+ essais", lines[-2]), lines
    assert re.fullmatch(
        r"Jeu terminé, le gagnant est bot-fr \(manche \d+, nombre secret \d+, \d+ essais\)",
        lines[-1],
    ), lines


def test_bot_slows_down_when_rate_limited() -> None:
    """At 2 guesses a second, a binary search is refused (RESOURCE_EXHAUSTED notices) until
    the bot slows down; it still finds the secret."""
    server = start_server_process("--game-pause", PAUSE, "--game-rate", "2")
    try:
        result = game(server, "bot", "--name", "hasty", "--rounds", "1", "--json")
        events = json_lines(assert_ok(result))
        (over,) = of_type(events, "game_over")
        assert over["winner"] == "hasty"
        hints = of_type(events, "hint")
        check_hints_against_secret(hints, over["secret"])
        notices = of_type(events, "notice")
        assert {n["status"] for n in notices} <= {"RESOURCE_EXHAUSTED"}
        if len(hints) > 2:  # more guesses than a one-second burst allows
            assert notices
    finally:
        server.stop()


def test_random_bot_finds_the_secret(game_server: ServerProcess) -> None:
    result = game(
        game_server, "bot", "--name", "bot-rnd", "--strategy", "random", "--rounds", "1", "--json"
    )
    events = json_lines(assert_ok(result))
    (over,) = of_type(events, "game_over")
    assert over["winner"] == "bot-rnd"
    check_hints_against_secret(
        [h for h in of_type(events, "hint") if h["round"] == over["round"]], over["secret"]
    )


def test_ten_bots_finish_the_same_round_and_agree_on_one_winner(
    fresh_server: ServerProcess,
) -> None:
    """Ten bots join and sit out round 1 (--next-round); a referee bot wins it; then all ten
    race in round 2 from the same start. Exactly one wins it, and all ten say so."""
    names = [f"racer{i}" for i in range(10)]
    bots = [
        game_command(fresh_server, "bot", "--name", name, "--rounds", "1", "--json", "--next-round")
        for name in names
    ]
    try:
        for command in bots:
            joined = first_json(command)
            assert (joined["type"], joined["round"], joined["open"]) == ("joined", 1, True)
        referee = game(fresh_server, "bot", "--name", "referee", "--rounds", "1", "--json")
        (first,) = of_type(json_lines(assert_ok(referee)), "game_over")
        assert (first["round"], first["winner"]) == (1, "referee")

        finals: dict[str, dict[str, Any]] = {}
        hints: dict[str, list[dict[str, Any]]] = {}
        for name, command in zip(names, bots, strict=True):
            assert command.wait(RUN_TIMEOUT) == 0, command.err.rest()
            events = json_lines(command.out.rest())
            assert command.err.rest() == []
            overs = of_type(events, "game_over")
            assert overs[0] == first  # told about the round it sat out...
            assert events[-1] == overs[-1]  # ...and stopped at the end of the one it played
            finals[name] = overs[-1]
            hints[name] = of_type(events, "hint")
        rounds = {over["round"] for over in finals.values()}
        winners = {over["winner"] for over in finals.values()}
        assert rounds == {2}
        assert len(winners) == 1
        (winner,) = winners
        assert winner in names
        secret = finals[winner]["secret"]
        assert len({json.dumps(over, sort_keys=True) for over in finals.values()}) == 1
        for name in names:
            assert {h["round"] for h in hints[name]} <= {2}, name  # nothing in round 1
            played = [h for h in hints[name] if h["verdict"] != "round_over"]
            check_hints_against_secret(played, secret)
            won = [h for h in hints[name] if h["verdict"] == "correct"]
            assert len(won) == (1 if name == winner else 0), (name, winner, hints[name])
            for late in (h for h in hints[name] if h["verdict"] == "round_over"):
                assert late["winner"] == winner
    finally:
        for command in bots:
            command.finish()


# --- watch and scoreboard --------------------------------------------------------------------


def test_watch_sees_the_round_a_bot_wins(game_server: ServerProcess) -> None:
    watcher = game_command(game_server, "watch", "--rounds", "1", "--json")
    french = game_command(game_server, "watch", "--rounds", "1", "--lang", "fr")
    try:
        assert first_json(watcher)["type"] == "watching"
        first = french.out.next_line(timeout=RUN_TIMEOUT)
        assert re.fullmatch(r"Manche \d+ : devinez un nombre entre 1 et 1000", first or "")

        result = game(game_server, "bot", "--name", "watched", "--rounds", "1", "--json")
        (over,) = of_type(json_lines(assert_ok(result)), "game_over")
        assert over["winner"] == "watched"

        assert watcher.wait() == 0
        seen = json_lines(watcher.out.rest())
        assert watcher.err.rest() == []
        assert seen[-1] == over  # the same event, as the bot saw it
        assert {e["type"] for e in seen} <= {"round_started", "game_over", "scoreboard"}

        assert french.wait() == 0
        assert french.out.rest()[-1] == (
            f"Jeu terminé, le gagnant est watched (manche {over['round']}, nombre secret"
            f" {over['secret']}, {over['attempts']} essais)"
        )
    finally:
        watcher.finish()
        french.finish()


def test_scoreboard_lists_a_winning_bot(game_server: ServerProcess) -> None:
    result = game(game_server, "bot", "--name", "champion", "--rounds", "1", "--json")
    (over,) = of_type(json_lines(assert_ok(result)), "game_over")

    (line,) = assert_ok(game(game_server, "scoreboard", "--json"))
    board = json.loads(line)
    scores = {p["name"]: p for p in board["players"]}
    assert scores["champion"]["wins"] >= 1
    assert scores["champion"]["best_attempts"] <= over["attempts"]
    latest = board["recent_rounds"][0]
    assert (latest["round"], latest["winner"], latest["secret"]) == (
        over["round"],
        "champion",
        over["secret"],
    )

    table = "\n".join(assert_ok(game(game_server, "scoreboard")))
    assert "Players" in table
    assert "Recent rounds" in table
    assert re.search(rf"\b{over['round']}\W+champion\W+{over['secret']}\b", table), table


def test_scoreboard_of_a_new_server(fresh_server: ServerProcess) -> None:
    assert assert_ok(game(fresh_server, "scoreboard")) == ["no round has been won yet"]
    (line,) = assert_ok(game(fresh_server, "scoreboard", "--json"))
    assert json.loads(line) == {"type": "scoreboard", "players": [], "recent_rounds": []}


# --- play, without a terminal ----------------------------------------------------------------


def test_play_reads_numbers_from_a_pipe(game_server: ServerProcess) -> None:
    result = game(game_server, "play", "--name", "piper", input="500\nabc\n0\n/help\n/dance\n250\n")
    # the lines it could not use: a script learns of them by the exit status and one line
    assert result.returncode == 1
    assert result.stderr == (
        "error: not a number: 'abc'; type a number between 1 and 1000, or /quit"
        " (and 2 more failed line(s))\n"
    )
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"round \d+: guess a number between 1 and 1000", lines[0]), lines
    hints = [line for line in lines if re.fullmatch("|".join(HINTS["en"].values()), line)]
    assert len(hints) == 2, lines  # each guess waited for its hint, even the last one
    for hint, number in zip(hints, ("500", "250"), strict=True):
        assert hint.startswith(f"{number}: ") or " is over, " in hint, hints
    if "500: your number is bigger" in lines:  # then the range left is shown
        after = lines[lines.index("500: your number is bigger") + 1]
        assert re.fullmatch(r"round \d+: guess a number between 1 and 499", after), lines
    if "500: your number is smaller" in lines:
        after = lines[lines.index("500: your number is smaller") + 1]
        assert re.fullmatch(r"round \d+: guess a number between 501 and 1000", after), lines
    assert "! not a number: 'abc'; type a number between 1 and 1000, or /quit" in lines
    assert "! 0 is not between 1 and 1000: not sent" in lines
    assert "  /quit    leave the game (Ctrl-D and Ctrl-C too)" in lines
    assert "! unknown command /dance; /help lists the commands" in lines


def test_play_from_a_pipe_with_only_good_lines_exits_0(game_server: ServerProcess) -> None:
    result = game(game_server, "play", "--name", "tidy", input="500\n/help\n")
    assert assert_ok(result)[0].startswith("round ")
    assert result.stderr == ""


@pytest.mark.parametrize("holder", ["play", "bot"])
def test_a_name_already_playing_is_one_error_line(game_server: ServerProcess, holder: str) -> None:
    if holder == "play":
        playing = game_command(game_server, "play", "--name", "taken", stdin=subprocess.PIPE)
        assert (playing.out.next_line(timeout=RUN_TIMEOUT) or "").startswith("round ")
    else:  # sits out the round in progress, if there is one: it holds the name meanwhile
        playing = game_command(game_server, "bot", "--name", "taken", "--next-round", "--json")
        assert first_json(playing)["type"] == "joined"
    try:
        for args in (
            ["play", "--name", "Taken"],  # names ignore case
            ["bot", "--name", "taken", "--rounds", "1"],
        ):
            line = assert_one_error_line(game(game_server, *args, input=""), 1, "error: ")
            assert line.startswith("error: ALREADY_EXISTS: name: "), line
        line = assert_one_error_line(
            game(game_server, "guess", "--name", "taken", "500"), 1, "error: ALREADY_EXISTS: "
        )
        assert "'taken'" in line
        if holder == "play":
            assert playing.process.stdin is not None
            playing.process.stdin.close()  # the end of its input: it leaves
            assert playing.wait() == 0
            assert playing.err.rest() == []
            # it left (the server confirmed it before the command ended): the name is free
            assert_ok(game(game_server, "play", "--name", "taken", input=""))
    finally:
        playing.finish()


@pytest.mark.parametrize("command", ["play", "bot"])
def test_an_invalid_name_is_one_error_line(game_server: ServerProcess, command: str) -> None:
    line = assert_one_error_line(
        game(game_server, command, "--name", "a b", input=""), 1, "error: INVALID_ARGUMENT: name"
    )
    assert "'a b'" in line


# --- play, on a terminal ---------------------------------------------------------------------

TERMINAL_WORDS = {
    "en": {"range": "guess a number between", "and": "and", "over": "game over, the winner is"},
    "fr": {"range": "devinez un nombre entre", "and": "et", "over": "Jeu terminé, le gagnant est"},
}


@pytest.fixture
def quick_server() -> Iterator[ServerProcess]:
    """A server of the test's own that lets a player guess faster than a test types."""
    running = start_server_process("--game-pause", PAUSE, "--game-rate", "1000")
    yield running
    running.stop()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_play_on_a_terminal(quick_server: ServerProcess, lang: str) -> None:
    """Guess by binary search at the prompt, reading each hint and the range left on the
    screen, until the secret is found and the next round starts."""
    words = TERMINAL_WORDS[lang]
    alice = game_terminal(quick_server, "play", "--name", "alice", "--lang", lang)
    try:
        alice.wait_for(f"1 {words['and']} 1000")  # the round's range
        alice.wait_for("alice>")
        seen: set[str] = set()
        low, high = 1, 1000
        for _ in range(4 * BINARY_SEARCH_GUESSES):
            if "TOO_LOW" not in seen and low == 1:
                number = 1
            elif "TOO_HIGH" not in seen and high == 1000:
                number = 1000
            else:
                number = (low + high) // 2
            alice.type(f"{number}\r")
            # a narrowed range, or the next round after a win: either way, a range line
            shown = alice.wait_for(words["range"])
            # the hint for exactly this number; the terminal may show the typed digits right
            # before it ("281281: ..."), so nothing is asked of what precedes it
            found = [
                verdict
                for verdict, pattern in HINTS[lang].items()
                if verdict != "ROUND_OVER"
                and re.search(pattern.replace(r"(\d+)", f"({number})", 1), shown)
            ]
            assert len(found) == 1, shown
            verdict = found[0]
            seen.add(verdict)
            if verdict == "TOO_HIGH":
                high = number - 1
            elif verdict == "TOO_LOW":
                low = number + 1
            else:
                assert verdict == "CORRECT", shown
                assert f"{words['over']} alice" in shown
                low, high = 1, 1000
                if {"TOO_HIGH", "TOO_LOW"} <= seen:
                    break
            alice.wait_for(f"{low} {words['and']} {high}")
            alice.wait_for("alice>")
        assert seen == {"TOO_HIGH", "TOO_LOW", "CORRECT"}
        if lang == "fr":
            assert "Votre nombre est plus grand" in alice.screen
            assert "Votre nombre est plus petit" in alice.screen
        alice.wait_for(f"1 {words['and']} 1000")  # the next round
        alice.wait_for("alice>")
        alice.type("/quit\r")
        assert alice.wait_exit() == 0
        assert "Traceback" not in alice.screen
        assert "error" not in alice.screen
    finally:
        alice.close()


def test_play_on_a_terminal_refuses_what_is_not_a_guess(game_server: ServerProcess) -> None:
    bob = game_terminal(game_server, "play", "--name", "bob")
    try:
        bob.wait_for("bob>")
        bob.type("five\r")
        bob.wait_for("! not a number: 'five'; type a number between 1 and 1000, or /quit")
        bob.wait_for("bob>")
        bob.type("2000\r")
        bob.wait_for("! 2000 is not between 1 and 1000: not sent")
        bob.wait_for("bob>")
        bob.type("/help\r")
        bob.wait_for("/quit    leave the game")
        bob.wait_for("bob>")
        bob.type("/quit\r")
        assert bob.wait_exit() == 0
        assert "Traceback" not in bob.screen
    finally:
        bob.close()


@pytest.mark.parametrize(("key", "name"), [("\x04", "ctrl-d"), ("\x03", "ctrl-c")])
def test_play_ctrl_d_and_ctrl_c_leave_cleanly(
    game_server: ServerProcess, key: str, name: str
) -> None:
    player = game_terminal(game_server, "play", "--name", name)
    try:
        player.wait_for(f"{name}>")
        player.type(key)
        assert player.wait_exit() == 0
        assert "Traceback" not in player.screen
    finally:
        player.close()
    assert_ok(game(game_server, "play", "--name", name, input=""))  # it left: the name is free


# --- between rounds --------------------------------------------------------------------------

LONG_PAUSE = 30  # seconds: time for the test to start players and bots in the pause
BETWEEN = {
    "en": {
        "round_1": "round 1: guess a number between 1 and 1000",
        "round_2": "round 2: guess a number between 1 and 1000",
        "over": "game over, the winner is winner ",
        "next_round": r"next round in (\d+) s, at (\d\d:\d\d:\d\d)",
        "countdown": "next round in ",
        "player_waits": "the round is over: waiting for the next one",
        "sits_out": "waiting for round 2, which starts once round 1 is won",
        "joins_late": r"waiting for round 2, which starts in (\d+) s, at (\d\d:\d\d:\d\d)",
    },
    "fr": {
        "round_1": "Manche 1 : devinez un nombre entre 1 et 1000",
        "round_2": "Manche 2 : devinez un nombre entre 1 et 1000",
        "over": "Jeu terminé, le gagnant est winner ",
        "next_round": r"prochaine manche dans (\d+) s, à (\d\d:\d\d:\d\d)",
        "countdown": "prochaine manche dans ",
        "player_waits": "la manche est terminée : attente de la suivante",
        "sits_out": "en attente de la manche 2, qui commencera quand la manche 1 sera gagnée",
        "joins_late": (r"en attente de la manche 2, qui commence dans (\d+) s, à (\d\d:\d\d:\d\d)"),
    },
}


def local_clock(timestamp: str) -> str:
    """A JSON time as the CLI words it: the local clock."""
    return f"{datetime.fromisoformat(timestamp).astimezone():%H:%M:%S}"


def assert_says_when(line: str | None, pattern: str, clock: str) -> None:
    """`line` matches `pattern`: seconds left within the pause, then the clock time `clock`."""
    match = re.fullmatch(pattern, line or "")
    assert match, (line, pattern)
    assert 0 <= int(match[1]) <= LONG_PAUSE, line
    assert match[2] == clock, (line, clock)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_between_rounds_everyone_is_told_when_the_next_starts(lang: str) -> None:
    """Round 1 is won, then a long pause: a player (piped) and a spectator are told when round
    2 starts; a player and bots joining in the pause are told that they wait for it, and
    when; a bot sitting round 1 out (--next-round) says so from the start."""
    words = BETWEEN[lang]
    server = start_server_process("--game-pause", str(LONG_PAUSE))
    running: list[Command] = []

    def start(*args: str, stdin: int = subprocess.DEVNULL) -> Command:
        running.append(game_command(server, *args, stdin=stdin))
        return running[-1]

    try:
        sitter = start("bot", "--name", "sitter", "--next-round", "--lang", lang)
        sitter_json = start("bot", "--name", "sitter-json", "--next-round", "--json")
        player = start("play", "--name", "piper", "--lang", lang, stdin=subprocess.PIPE)
        watcher = start("watch", "--lang", lang)
        for command in (sitter, player, watcher):
            assert command.out.next_line(RUN_TIMEOUT) == words["round_1"]
        assert sitter.out.next_line() == words["sits_out"]
        assert first_json(sitter_json)["type"] == "joined"
        sits_out = sitter_json.next_json()
        assert (sits_out["type"], sits_out["round"], sits_out["next_round_at"]) == (
            "waiting",
            2,
            None,
        )
        assert sits_out["text"] == BETWEEN["en"]["sits_out"]

        won = game(server, "bot", "--name", "winner", "--rounds", "1", "--json")
        (over,) = of_type(json_lines(assert_ok(won)), "game_over")
        clock = local_clock(over["next_round_at"])
        for command in (player, watcher):
            command.wait_line(starts=words["over"])
            assert_says_when(command.out.next_line(), words["next_round"], clock)

        late = assert_ok(game(server, "play", "--name", "late", "--lang", lang, input=""))
        assert late[:2] == [words["round_1"], words["player_waits"]], late
        assert_says_when(late[2], words["next_round"], clock)

        late_bot = start("bot", "--name", "late-bot", "--lang", lang)
        assert late_bot.out.next_line(RUN_TIMEOUT) == words["round_1"]
        assert_says_when(late_bot.out.next_line(), words["joins_late"], clock)
        late_json = start("bot", "--name", "late-json", "--json")
        assert first_json(late_json)["open"] is False
        waits = late_json.next_json()
        assert (waits["type"], waits["round"], waits["next_round_at"]) == (
            "waiting",
            2,
            over["next_round_at"],
        )
    finally:
        for command in running:
            command.finish()
        server.stop()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_play_on_a_terminal_counts_down_to_the_next_round(lang: str) -> None:
    """After a win, the seconds left until the next round show beside the prompt (redrawn in
    place, not printed line after line), until the next round starts."""
    words = BETWEEN[lang]
    server = start_server_process("--game-pause", "3")
    alice = game_terminal(server, "play", "--name", "alice", "--lang", lang)
    try:
        alice.wait_for("alice>")
        assert_ok(game(server, "bot", "--name", "winner", "--rounds", "1"))
        alice.wait_for(words["over"])
        alice.wait_for(words["countdown"])
        assert re.fullmatch(r"[123] s", alice.wait_for(" s")), alice.screen
        pause = alice.wait_for(words["round_2"])
        assert words["countdown"] not in pause  # the seconds change, the line stays
        assert not re.search(words["next_round"], alice.screen)  # the pipe's line, not here
        alice.wait_for("alice>")
        alice.type("/quit\r")
        assert alice.wait_exit() == 0
        assert "Traceback" not in alice.screen
    finally:
        alice.close()
        server.stop()


# --- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ((), ["play", "bot", "guess", "watch", "scoreboard"]),
        (("play",), ["--name", "--lang", "--target", "/quit"]),
        (("bot",), ["--name", "--strategy", "--rounds", "--next-round", "--json", "--lang"]),
        (("guess",), ["NUMBER", "--name", "--json", "--lang", "--timeout", "--target"]),
        (("watch",), ["--rounds", "--json", "--lang", "--target"]),
        (("scoreboard",), ["--json", "--target"]),
    ],
    ids=["game", "play", "bot", "guess", "watch", "scoreboard"],
)
def test_help(command: tuple[str, ...], expected: list[str]) -> None:
    result = run_tp3("game", *command, "--help")
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, text


def test_game_is_a_tp3_command() -> None:
    assert re.search(r"^\W*game\b", run_tp3("--help").stdout, re.MULTILINE)
