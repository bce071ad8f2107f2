"""Sessions that come back: after a lost connection, or a server drained and restarted, a
chat member resumes without gap or duplicate, a player and a spectator in the current round;
the CLI says so in one line."""

import asyncio
import json
import signal
import subprocess
from contextlib import aclosing

import pytest
from chat_support import messages_until
from cli_support import LineReader, tp3_argv, tp3_env
from conftest import start_server_process
from proxies import FreezableProxy

from tp3.chat.backend import ChatLimits
from tp3.client import AsyncTp3Client, Reconnect, Reconnected
from tp3.game.events import GameJoined, Watching
from tp3.server import ServerConfig, Tp3Server

QUICK = Reconnect(first_pause=0.05, max_pause=0.5, give_up_after=20)
WAIT = 10.0


async def test_a_member_whose_connection_fails_resumes_without_gap_or_duplicate() -> None:
    # a fresh join would show only the last 2 messages: a resume must bring back all 3 missed
    limits = ChatLimits(join_history=2)
    server = Tp3Server(ServerConfig(host="127.0.0.1", port=0, chat=limits))
    await server.start()
    assert server.port is not None
    proxy = FreezableProxy(server.port)
    port = await proxy.start()
    try:
        async with (
            AsyncTp3Client(f"127.0.0.1:{server.port}", timeout=WAIT) as direct,
            AsyncTp3Client(f"127.0.0.1:{port}", timeout=WAIT) as flaky,
            direct.chat.join("alice", "resume") as alice,
            flaky.chat.join("bob", "resume", reconnect=QUICK) as bob,
        ):
            await alice.send("one")
            assert await messages_until(bob, "one") == ["one"]
            await proxy.cut()  # bob's network fails; alice talks on
            for text in ("two", "three", "four"):
                await alice.send(text)
            seen = await messages_until(bob, "four")
            [came_back] = [e for e in seen if isinstance(e, Reconnected)]
            assert came_back.resumed == "after message #1"
            assert [e for e in seen if isinstance(e, str)] == ["two", "three", "four"]
            await bob.send("five")  # and bob speaks again
            assert await messages_until(alice, "five") == ["one", "two", "three", "four", "five"]
    finally:
        await proxy.close()
        await server.stop()


async def test_sessions_come_back_across_a_server_restart() -> None:
    first = Tp3Server(ServerConfig(host="127.0.0.1", port=0, grace=5))
    port = await first.start()
    second = Tp3Server(ServerConfig(host="127.0.0.1", port=port))
    target = f"127.0.0.1:{port}"
    try:
        async with (
            AsyncTp3Client(target, timeout=WAIT) as tp3,
            tp3.chat.join("alice", "restart", reconnect=QUICK) as alice,
            tp3.chat.join("bob", "restart", reconnect=QUICK) as bob,
            tp3.game.play("carol", reconnect=QUICK) as carol,
            aclosing(tp3.game.watch(reconnect=QUICK)) as spectator,
        ):
            assert isinstance(await anext(spectator), Watching)
            await alice.send("before")
            assert await messages_until(bob, "before") == ["before"]
            await first.stop()  # drained: the notice, then UNAVAILABLE
            await second.start()
            await alice.send("after")  # alice reads nothing: her send brings her back
            seen = await messages_until(bob, "after")
            assert [e for e in seen if isinstance(e, str)] == ["after"]  # "before" not again
            assert [e.resumed for e in seen if isinstance(e, Reconnected)] == [
                "in room 'restart', started anew on the server"
            ]
            for session, welcome in ((carol, GameJoined), (spectator, Watching)):
                async with asyncio.timeout(WAIT):
                    async for event in session:
                        if isinstance(event, Reconnected):
                            assert event.resumed == "round 1"
                            assert isinstance(await anext(aiter(session)), welcome)
                            break
            assert await messages_until(alice, "after") == [  # her own reconnection, told
                "before",
                Reconnected(target, 1, "in room 'restart', started anew on the server"),
                "after",
            ]
    finally:
        await second.stop()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["listen", "watch"])
def test_the_cli_says_it_reconnected_in_one_line(command: str) -> None:
    running = start_server_process()
    port = running.target.rsplit(":", 1)[1]
    args = (
        ["chat", "listen", "--name", "listener", "--json"]
        if command == "listen"
        else ["game", "watch", "--json"]
    )
    cli = subprocess.Popen(
        tp3_argv(*args, "--reconnect", "--target", running.target),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tp3_env(),
    )
    assert cli.stdout is not None
    lines = LineReader(cli.stdout)
    restarted = None
    try:
        assert json.loads(lines.next_line() or "{}")["type"] in ("welcome", "watching")
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(WAIT) == 0
        restarted = start_server_process("--port", port)  # the last --port wins
        shown = []
        while (line := lines.next_line()) is not None:
            shown.append(json.loads(line))
            if shown[-1]["type"] == "reconnected":
                break
        assert shown[0]["type"] == "notice", shown
        assert shown[-1]["type"] == "reconnected", shown
        assert shown[-1]["text"].startswith(f"reconnected to {running.target}")
    finally:
        cli.terminate()
        cli.communicate(timeout=WAIT)
        running.stop()
        if restarted is not None:
            restarted.stop()
