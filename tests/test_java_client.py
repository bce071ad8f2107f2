"""The Java client (clients/java, grpc-java) against a real tp3 server: every currency RPC,
and chat and game sessions shared with the Python CLI (a Java and a Python member see each
other's messages; a Java bot and a Python bot race one round and agree on its winner).

`nox -s tests` builds the jar with Maven and passes its path in TP3_JAVA_CLIENT; without it
the tests skip, unless TP3_REQUIRE_TOOLS=1 (CI) turns that into a failure.
"""

import json
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    RUN_TIMEOUT,
    Command,
    Terminal,
    assert_ok,
    run_tp3,
    without_seconds_left,
)
from conftest import MAD_USD, Pki, ServerProcess, start_server_process

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

TIMEOUT = 60.0


def java_run(
    client: list[str], server: ServerProcess, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3-client ARGS --target <server>` to completion; stdin is `stdin`, or empty."""
    return subprocess.run(
        [*client, *args, "--target", server.target],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def run(
    client: list[str], server: ServerProcess, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3-client currency ARGS --target <server>`."""
    return java_run(client, server, "currency", *args, stdin=stdin)


@pytest.mark.parametrize("mode", [[], ["--async"]])
def test_convert_blocking_and_async(
    java_client: list[str], server_process: ServerProcess, mode: list[str]
) -> None:
    result = run(java_client, server_process, "convert", *mode, "6500", "MAD", "USD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)"
    )


def test_convert_json_is_the_python_clis_shape(
    java_client: list[str], server_process: ServerProcess
) -> None:
    """docs/json-lines.md; tests/test_json_shapes.py compares every command with Python's."""
    result = run(java_client, server_process, "convert", "6500", "MAD", "USD", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"type": "conversion", **MAD_USD}


def test_convert_error_is_one_line(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "convert", "1", "XXX", "USD")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: INVALID_ARGUMENT: from_currency: XXX is not supported")


def test_an_unknown_host_is_one_line_without_grpcs_log(java_client: list[str]) -> None:
    """grpc-java logs a failed name resolution with a stack trace; the client keeps it quiet
    and says it once (".invalid" never resolves: RFC 2606)."""
    result = subprocess.run(
        [
            *java_client,
            "currency",
            "convert",
            "1",
            "EUR",
            "USD",
            "--target",
            "nohost.invalid:50051",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "error: UNAVAILABLE: cannot reach the tp3 server at nohost.invalid:50051"
    )


def test_quotes(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(
        java_client, server_process, "quotes", "EUR", "USD", "--count", "3", "--interval", "0.05"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["#1", "#2", "#3"]
    assert all("EUR/USD" in line and "(reference 1.1767)" in line for line in lines)


def test_batch(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "batch", "USD", stdin="100 EUR\n6500 MAD\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Total: 826.35 USD  (2 items, rates of 2026-02-20)"


def test_exchange(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(
        java_client, server_process, "exchange", stdin="6500 MAD USD\n-1 EUR USD\n100 EUR JPY\n"
    )
    assert result.returncode == 1  # one line was refused
    assert result.stdout.splitlines() == [
        "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)",
        "100 EUR = 18263 JPY  (rate 182.63, rates of 2026-02-20)",
    ]
    assert "line 2: INVALID_ARGUMENT: amount: must not be negative" in result.stderr


def test_list(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "list")
    assert result.returncode == 0, result.stderr
    assert "Moroccan dirham" in result.stdout
    assert "Rates of 2026-02-20" in result.stdout


# --- chat: a Java member and Python members in one room ---------------------------------------


def java_command(client: list[str], *args: str) -> Command:
    """The Java client running alongside the test, stdin a pipe the test types into."""
    return Command(*args, stdin=subprocess.PIPE, program=client)


def test_java_and_python_members_chat_privately_and_publicly(
    java_client: list[str], server_process: ServerProcess
) -> None:
    room, target = "xlang", server_process.target
    python = Command(
        "chat", "--name", "pym", "--room", room, "--target", target, stdin=subprocess.PIPE
    )
    spy = java = None
    try:
        python.wait_line(f"* joined room {room} as pym; here: pym")
        # a third member, in Python, who must hear the room but neither private message
        spy = Command(
            *("chat", "listen", "--name", "spy", "--room", room, "--count", "2", "--json"),
            *("--target", target),
        )
        assert spy.next_json()["type"] == "welcome"
        python.wait_line("* spy joined")
        java = java_command(java_client, "chat", "--name", "jav", "--room", room, "-t", target)
        welcome = java.wait_line(starts="* joined room")[-1]
        assert re.fullmatch(rf"\* joined room {room} as jav; here: (.*)", welcome), welcome
        assert set(welcome.split("here: ")[1].split(", ")) == {"pym", "spy", "jav"}
        python.wait_line("* jav joined")

        java.send("hello from java")
        python.wait_line("jav: hello from java")
        java.wait_line("jav: hello from java")  # the room's echo

        python.send("/msg jav psst from python")
        java.wait_line("pym -> jav (private): psst from python")
        java.send("/msg pym psst from java")
        python.wait_line("jav -> pym (private): psst from java")

        java.send("/who")
        who = java.wait_line(starts=f"* in {room}: ")
        assert set(who[-1].split(": ", 1)[1].split(", ")) == {"pym", "spy", "jav"}

        listed = java_run(java_client, server_process, "chat", "who", "--room", room, "--json")
        assert listed.returncode == 0, listed.stderr
        assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == [
            "pym",
            "spy",
            "jav",
        ]  # in order of arrival
        rooms = java_run(java_client, server_process, "chat", "rooms")
        assert f"{room}  3 member(s), last message #" in rooms.stdout, rooms.stderr

        python.send("bye from python")
        java.wait_line("pym: bye from python")
        assert spy.wait(RUN_TIMEOUT) == 0, spy.err.rest()
        heard = [json.loads(line) for line in spy.out.rest()]
        # the spy heard the room (--count 2) and neither private message
        assert [(e["type"], e["sender"], e["text"]) for e in heard if e["type"] != "joined"] == [
            ("message", "jav", "hello from java"),
            ("message", "pym", "bye from python"),
        ]

        java.send("/quit")
        assert java.wait(RUN_TIMEOUT) == 0, java.err.rest()
        python.wait_line("* jav left")
        assert java.err.rest() == []
    finally:
        for command in (python, spy, java):
            if command is not None:
                command.finish()


def test_java_listens_to_what_python_sends_and_sends_to_python(
    java_client: list[str], server_process: ServerProcess
) -> None:
    """The one-shot commands across languages: `chat listen` in Java hears `tp3 chat send`'s
    public and private messages; `chat send` in Java reaches `tp3 chat listen`."""
    room, target = "oneshot", server_process.target
    java = Command(
        *("chat", "listen", "--name", "jl", "--room", room, "--count", "2", "--json", "-t", target),
        program=java_client,
    )
    python = None
    try:
        assert json.loads(java.out.next_line(RUN_TIMEOUT) or "null")["name"] == "jl"
        assert_ok(
            run_tp3("chat", "send", "--name", "py", "--room", room, "hi all", "--target", target)
        )
        assert_ok(
            run_tp3(
                *("chat", "send", "--name", "py", "--room", room, "--to", "jl", "hi you"),
                *("--target", target),
            )
        )
        assert java.wait(RUN_TIMEOUT) == 0, java.err.rest()
        heard = [json.loads(line) for line in java.out.rest()]
        said = [(e["type"], e["sender"], e["text"]) for e in heard if "text" in e]
        assert said == [("message", "py", "hi all"), ("private", "py", "hi you")]
        assert heard[-1]["recipient"] == "jl"

        python = Command(
            *("chat", "listen", "--name", "pl", "--room", room, "--count", "1", "--json"),
            *("--target", target),
        )
        assert python.next_json()["type"] == "welcome"

        def java_send(to: str, text: str) -> subprocess.CompletedProcess[str]:
            send = ("chat", "send", "--name", "js", "--room", room, "--to", to, text)
            return java_run(java_client, server_process, *send)

        sent = java_send("pl", "from java")
        assert (sent.returncode, sent.stdout, sent.stderr) == (0, "", "")
        assert python.wait(RUN_TIMEOUT) == 0
        private = [json.loads(line) for line in python.out.rest()][-1]
        assert (private["type"], private["sender"], private["text"]) == (
            "private",
            "js",
            "from java",
        )

        refused = java_send("nobody", "x")
        assert refused.returncode == 1
        assert refused.stderr.splitlines() == [
            f"error: NOT_FOUND: to: there is no member named 'nobody' in room '{room}'"
        ]
    finally:
        java.finish()
        if python is not None:
            python.finish()


def test_java_and_python_piped_chats_print_the_same_lines(
    java_client: list[str], server_process: ServerProcess
) -> None:
    """The same session piped to each client in turn (stdin's end right after /quit): the
    same lines, their own messages' echoes and the refused line's notice included, and the
    same failure (exit 1, one error line)."""
    room = "piped-alike"
    session = "hello\n/msg nobody hi\n//slash\n/who\n/quit\n"
    clock = re.compile(r"^\[\d\d:\d\d:\d\d\] ")
    printed = []
    for program in (None, java_client):
        result = run_tp3(
            *("chat", "--name", "piper", "--room", room, "--target", server_process.target),
            input=session,
            program=program,
        )
        lines = [clock.sub("[T] ", line) for line in result.stdout.splitlines()]
        printed.append((result.returncode, lines, result.stderr.splitlines()))
    assert printed[0] == printed[1]
    assert printed[0] == (
        1,
        [
            f"* joined room {room} as piper; here: piper",
            "* /help lists the commands; Ctrl-D leaves",
            "[T] piper: hello",
            f"! NOT_FOUND: to: there is no member named 'nobody' in room '{room}'",
            "[T] piper: /slash",
            f"* in {room}: piper",
        ],
        [f"error: NOT_FOUND: to: there is no member named 'nobody' in room '{room}'"],
    )


def test_java_member_ctrl_c_still_leaves(
    java_client: list[str], server_process: ServerProcess
) -> None:
    """SIGINT (Ctrl-C without a terminal) ends the Java client with 130, and it says goodbye:
    the others read "left", not "was disconnected"."""
    room, target = "sigint", server_process.target
    python = Command(
        "chat", "--name", "stays", "--room", room, "--target", target, stdin=subprocess.PIPE
    )
    try:
        python.wait_line("Ctrl-D leaves")  # in the room first, so that it sees "goes" arrive
        java = java_command(java_client, "chat", "--name", "goes", "--room", room, "-t", target)
        try:
            java.wait_line("Ctrl-D leaves")
            python.wait_line("* goes joined")
            java.process.send_signal(signal.SIGINT)
            assert java.wait(RUN_TIMEOUT) == 130
            python.wait_line("* goes left")
        finally:
            java.finish()
    finally:
        python.finish()


def test_java_member_whose_server_dies_says_so_in_one_line(java_client: list[str]) -> None:
    server = start_server_process()
    java = java_command(java_client, "chat", "--name", "orphan", "-t", server.target)
    try:
        java.wait_line("Ctrl-D leaves")
        server.process.kill()
        assert java.wait(RUN_TIMEOUT) == 1
        assert java.err.rest() == [
            f"error: UNAVAILABLE: lost the connection to the tp3 server at {server.target}"
        ]
    finally:
        java.finish()
        server.stop()


def test_java_member_of_a_draining_server_gets_the_notice_and_the_status(
    java_client: list[str],
) -> None:
    server = start_server_process()
    java = java_command(java_client, "chat", "--name", "drained", "-t", server.target)
    try:
        java.wait_line("Ctrl-D leaves")
        server.process.send_signal(signal.SIGTERM)  # a drain, not a crash: grpc-java hears why
        java.wait_line(starts="! UNAVAILABLE: server shutting down")
        assert java.wait(RUN_TIMEOUT) == 1
        assert java.err.rest() == [
            "error: UNAVAILABLE: server shutting down \N{EM DASH} reconnect and resume"
        ]
        assert server.process.wait(RUN_TIMEOUT) == 0
    finally:
        java.finish()
        server.stop()


def test_java_over_tls_with_a_token(java_client: list[str], pki: Pki, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("java-token-0123456789abcdef carol\n")
    server = start_server_process(
        *("--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)),
        *("--auth-tokens", str(tokens)),
    )
    try:
        convert = ["currency", "convert", "6500", "MAD", "USD", "--tls-ca", str(pki.ca)]
        refused = java_run(java_client, server, *convert)
        assert refused.returncode == 1
        assert refused.stderr.startswith("error: UNAUTHENTICATED: this server needs a token")
        ok = java_run(java_client, server, *convert, "--token", "java-token-0123456789abcdef")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.startswith("6500 MAD = 708.68 USD")
        guess = ["game", "guess", "--name", "alice", "500", "--tls-ca", str(pki.ca)]
        denied = java_run(java_client, server, *guess, "--token", "java-token-0123456789abcdef")
        assert denied.returncode == 1
        assert denied.stderr.startswith("error: PERMISSION_DENIED: player: you are 'carol'")
    finally:
        server.stop()


def test_java_takes_the_url_targets_python_takes(
    java_client: list[str], server_process: ServerProcess, pki: Pki, tmp_path: Path
) -> None:
    """http:// is plaintext (it was a failed name lookup of "http"); https:// is TLS with
    the JVM's trust store, no --tls-ca."""
    convert = ["currency", "convert", "6500", "MAD", "USD", "--target"]
    for target in (f"http://{server_process.target}/", f"dns:///{server_process.target}"):
        [line] = assert_ok(_java(java_client, *convert, target))
        assert line.startswith("6500 MAD = 708.68 USD")
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.skip("keytool is not installed")
    store = tmp_path / "trust.p12"
    subprocess.run(
        [
            *(keytool, "-importcert", "-noprompt", "-file", str(pki.ca), "-alias", "tp3-ca"),
            *("-keystore", str(store), "-storetype", "PKCS12", "-storepass", "changeit"),
        ],
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    java, *jar = java_client
    trusting = [
        java,
        f"-Djavax.net.ssl.trustStore={store}",
        "-Djavax.net.ssl.trustStorePassword=changeit",
        *jar,
    ]
    server = start_server_process(
        "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)
    )
    try:
        [line] = assert_ok(_java(trusting, *convert, f"https://{server.target}"))
        assert line.startswith("6500 MAD = 708.68 USD")
    finally:
        server.stop()


def _java(client: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*client, *args], capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )


def test_java_refused_join_is_one_error_line(
    java_client: list[str], server_process: ServerProcess
) -> None:
    result = java_run(java_client, server_process, "chat", "--name", "no spaces", stdin="hi\n")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: INVALID_ARGUMENT: name: 'no spaces' may only hold letters, digits, '_', '-' "
        "and '.' (no spaces)"
    ]


def test_java_chat_on_a_terminal_keeps_the_typed_line(
    java_client: list[str], server_process: ServerProcess
) -> None:
    """On a terminal (JLine), a message arriving while the user types is shown, and the half
    typed line is neither lost nor mixed into it."""
    room, target = "tty", server_process.target
    java = Terminal(
        *("chat", "--name", "typist", "--room", room, "-t", target),
        program=java_client,
        TERM="xterm-256color",
    )
    try:
        java.wait_for("typist@tty> ")
        java.type("half a")
        java.wait_for("half a")
        assert_ok(
            run_tp3(
                "chat", "send", "--name", "other", "--room", room, "meanwhile", "--target", target
            )
        )
        java.wait_for("other: meanwhile")
        java.wait_for("typist@tty> half a")  # the prompt and the half line, redrawn below it
        java.type(" line\r")
        java.wait_for("typist: half a line")
        java.type("/quit\r")
        assert java.wait_exit(RUN_TIMEOUT) == 0
    finally:
        java.close()


# --- game: a Java player and bot, a Python bot and referee -------------------------------------


@pytest.fixture
def game_server() -> Iterator[ServerProcess]:
    """A server of the test's own: round 1 is open, nobody has played, 0.2 s between rounds."""
    running = start_server_process("--game-pause", "0.2")
    yield running
    running.stop()


def game_overs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "game_over"]


def test_java_bot_and_python_bot_race_one_round_and_agree_on_the_winner(
    java_client: list[str], game_server: ServerProcess
) -> None:
    """Both bots sit out round 1 (--next-round), which a Python referee wins; then they race
    round 2 from the same start. One wins it, and both report the same game over."""
    target = game_server.target
    racing = ("--rounds", "1", "--next-round", "--json")
    java = java_command(java_client, "game", "bot", "--name", "jbot", *racing, "-t", target)
    python = Command("game", "bot", "--name", "pybot", *racing, "--target", target)
    try:
        joined = json.loads(java.out.next_line(RUN_TIMEOUT) or "null")
        assert (joined["type"], joined["round"]) == ("joined", 1)
        assert python.next_json()["type"] == "joined"
        referee = run_tp3(
            "game", "bot", "--name", "referee", "--rounds", "1", "--json", "--target", target
        )
        assert (
            game_overs([json.loads(line) for line in assert_ok(referee)])[0]["winner"] == "referee"
        )

        assert java.wait(RUN_TIMEOUT) == 0, java.err.rest()
        assert python.wait(RUN_TIMEOUT) == 0, python.err.rest()
        java_events = [json.loads(line) for line in java.out.rest()]
        python_events = [json.loads(line) for line in python.out.rest()]
    finally:
        java.finish()
        python.finish()

    java_over = java_events[-1]  # the Java bot stops at the end of its round
    python_over = python_events[-1]
    assert java_over == python_over  # the same event, the same object
    assert (java_over["type"], java_over["round"]) == ("game_over", 2)
    assert java_over["winner"] in {"jbot", "pybot"}

    def wins(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if e["type"] == "hint" and e["verdict"] == "correct"]

    java_wins, python_wins = wins(java_events), wins(python_events)
    assert (len(java_wins), len(python_wins)) == (
        (1, 0) if java_over["winner"] == "jbot" else (0, 1)
    )


def test_java_player_finds_the_secret_by_hand(
    java_client: list[str], game_server: ServerProcess
) -> None:
    """`game play` with numbers typed on stdin: each answered by a hint, a binary search by
    the test finds the secret, and a Python spectator hears that the Java player won."""
    target = game_server.target
    watcher = Command("game", "watch", "--rounds", "1", "--json", "--target", target)
    java = java_command(java_client, "game", "play", "--name", "jplayer", "-t", target)
    try:
        assert watcher.next_json()["type"] == "watching"
        java.wait_line("/help lists the commands")
        java.send("twelve")
        java.wait_line("! not a number: 'twelve'; type a number between 1 and 1000, or /quit")
        low, high = 1, 1000
        for _ in range(10):  # ceil(log2(1001)) guesses find any secret
            guess = (low + high) // 2
            java.send(str(guess))
            verdict = java.wait_line(starts=f"{guess}: ")[-1]
            if "BRAVO" in verdict:
                break
            if verdict.endswith("your number is bigger"):
                high = guess - 1
            else:
                assert verdict.endswith("your number is smaller"), verdict
                low = guess + 1
        assert verdict.startswith(f"{guess}: BRAVO, you won in ")
        java.wait_line(starts=f"game over, the winner is jplayer (round 1, the secret was {guess},")
        over = watcher.wait_json(type="game_over")
        assert (over["winner"], over["secret"]) == ("jplayer", guess)
        java.send("/quit")
        assert java.wait(RUN_TIMEOUT) == 0, java.err.rest()
    finally:
        java.finish()
        watcher.finish()


def test_java_watches_guesses_and_reads_the_scoreboard(
    java_client: list[str], game_server: ServerProcess
) -> None:
    """The game's other RPCs from Java: Watch (server streaming) sees a Python bot win,
    Scoreboard counts that win, Guess answers with a hint or refuses a bad number."""
    target = game_server.target

    def java(*args: str) -> subprocess.CompletedProcess[str]:
        return java_run(java_client, game_server, "game", *args)

    watcher = Command("game", "watch", "--rounds", "1", "--json", "-t", target, program=java_client)
    try:
        watching = json.loads(watcher.out.next_line(RUN_TIMEOUT) or "null")
        assert watching["type"] == "watching"
        bot = run_tp3(
            "game", "bot", "--name", "pywin", "--rounds", "1", "--json", "--target", target
        )
        (over,) = game_overs([json.loads(line) for line in assert_ok(bot)])
        assert watcher.wait(RUN_TIMEOUT) == 0, watcher.err.rest()
        seen = [json.loads(line) for line in watcher.out.rest()]
    finally:
        watcher.finish()
    assert seen[-1] == over  # as the Python bot printed it

    board = java("scoreboard", "--json")
    assert board.returncode == 0, board.stderr
    scores = json.loads(board.stdout)
    assert scores["type"] == "scoreboard"
    assert scores["players"] == [{"name": "pywin", "wins": 1, "best_attempts": over["attempts"]}]
    assert "pywin" in java("scoreboard").stdout

    hint = java("guess", "500", "--name", "probe")
    assert hint.returncode == 0, hint.stderr
    assert re.fullmatch(
        r"500: your number is (bigger|smaller)|500: BRAVO, .*|round \d+ is over, .*\n?",
        hint.stdout.strip(),
    ), hint.stdout
    refused = java("guess", "5000", "--name", "probe")  # refused before sending, as in Python
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == ["error: number: must be between 1 and 1000, got 5000"]


def test_java_and_python_spectators_print_the_same_french_lines(
    java_client: list[str], game_server: ServerProcess
) -> None:
    """The Java client words the game as tp3.game.texts does (--lang fr): two spectators, one
    per language, print the same lines for the same round."""
    target = game_server.target
    watch = ("game", "watch", "--rounds", "1", "--lang", "fr")
    java = Command(*watch, "-t", target, program=java_client)
    python = Command(*watch, "--target", target)
    try:
        first = [java.out.next_line(RUN_TIMEOUT), python.out.next_line(RUN_TIMEOUT)]
        assert first == ["Manche 1 : devinez un nombre entre 1 et 1000"] * 2
        assert_ok(run_tp3("game", "bot", "--name", "gagnant", "--rounds", "1", "--target", target))
        assert java.wait(RUN_TIMEOUT) == 0, java.err.rest()
        assert python.wait(RUN_TIMEOUT) == 0, python.err.rest()
        java_lines, python_lines = java.out.rest(), python.out.rest()
    finally:
        java.finish()
        python.finish()
    assert java_lines == python_lines
    assert java_lines[-1].startswith("Jeu terminé, le gagnant est gagnant (manche 1, nombre secret")


def test_java_and_python_say_alike_when_the_next_round_starts(java_client: list[str]) -> None:
    """Between rounds, in French: a spectator and a piped player of each client are told, after
    round 1's win, when round 2 starts; a player and a spectator joining in the pause are told
    so too. Each client prints the lines the other prints, but for the seconds left, which each
    counts from its own moment (the clock time they name is the server's, and must be equal)."""
    server = start_server_process("--game-pause", "30")  # time to join in the pause
    target, clients = server.target, (None, java_client)
    french = ("--lang", "fr", "-t", target)
    round_1 = "Manche 1 : devinez un nombre entre 1 et 1000"
    running = [Command("game", "watch", *french, program=client) for client in clients] + [
        Command(
            *("game", "play", "--name", f"joueur{i}", *french),
            stdin=subprocess.PIPE,
            program=client,
        )
        for i, client in enumerate(clients)
    ]
    try:
        for command in running:
            assert command.out.next_line(RUN_TIMEOUT) == round_1
        for player in running[2:]:
            player.wait_line(starts="tapez un nombre")  # in the game
        assert_ok(run_tp3("game", "bot", "--name", "gagnant", "--rounds", "1", "-t", target))
        told = [
            [*command.wait_line(starts="Jeu terminé")[-1:], command.out.next_line() or ""]
            for command in running
        ]
        assert re.fullmatch(r"prochaine manche dans \d+ s, à \d\d:\d\d:\d\d", told[0][1])
        assert len({tuple(without_seconds_left(line) for line in lines) for lines in told}) == 1

        late = [
            assert_ok(run_tp3("game", "play", "--name", f"tard{i}", *french, program=client))
            for i, client in enumerate(clients)
        ]
        assert [without_seconds_left(line) for line in late[0]] == [
            without_seconds_left(line) for line in late[1]
        ]
        assert late[0][:2] == [round_1, "la manche est terminée : attente de la suivante"]
        assert without_seconds_left(late[0][2]) == without_seconds_left(told[0][1])
        running += [Command("game", "watch", *french, program=client) for client in clients]
        watched = [[c.out.next_line(RUN_TIMEOUT), c.out.next_line()] for c in running[-2:]]
        assert watched[0][0] == watched[1][0] == round_1
        assert without_seconds_left(watched[0][1] or "") == without_seconds_left(told[0][1])
        assert without_seconds_left(watched[1][1] or "") == without_seconds_left(told[0][1])
    finally:
        for command in running:
            command.finish()
        server.stop()
