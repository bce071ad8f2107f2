"""Keepalive drops vanished clients, not busy ones.

`tp3 chat listen` working through a 20,000-message burst was cut off at exactly keepalive +
timeout: its answer to the server's PING waited behind the backlog it was still reading."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from conftest import ServerProcess, start_server_process
from grpclib.config import Configuration
from proxies import SlowDownlink

from tp3.chat.backend import ChatLimits
from tp3.chat.events import RoomMessage
from tp3.client import AsyncTp3Client, ChatSession
from tp3.server import ServerConfig, Tp3Server

BURST = 2_000  # read at 1 ms each, or ~150 KB at 100 KB/s: both outlast keepalive + timeout
CHAT = ChatLimits(
    mailbox_size=2 * BURST, messages_per_second=BURST, client_messages_per_second=BURST
)


@pytest.fixture
async def server() -> AsyncIterator[Tp3Server]:
    config = ServerConfig(host="127.0.0.1", port=0, chat=CHAT, keepalive=0.2, keepalive_timeout=0.3)
    async with Tp3Server(config) as running:
        yield running


async def flood(client: AsyncTp3Client, room: str) -> None:
    async with client.chat.join("flood", room) as flood:
        for i in range(BURST):
            await flood.send(f"message {i:05}")


async def read_burst(session: ChatSession, work: float = 0.0) -> int:
    """Read the burst, spending `work` seconds of blocking CPU on each message."""
    seen = 0
    async with asyncio.timeout(30):
        async for event in session:
            if isinstance(event, RoomMessage) and event.sender == "flood":
                time.sleep(work)  # noqa: ASYNC251 - CPU work that holds the loop, on purpose
                seen += 1
                if seen == BURST:
                    break
    return seen


@pytest.fixture
def server_elsewhere() -> Iterator[ServerProcess]:
    """The server in its own process: in this one, its ping timer would wait for the busy
    reader like everything else on the event loop."""
    running = start_server_process(
        *("--keepalive", "0.2", "--keepalive-timeout", "0.3"),
        *("--chat-buffer", str(CHAT.mailbox_size)),
        *("--chat-rate", str(BURST), "--chat-client-rate", str(BURST)),
    )
    yield running
    running.stop()


@pytest.mark.slow
async def test_a_client_busy_with_a_backlog_still_answers_pings(
    server_elsewhere: ServerProcess,
) -> None:
    """The burst is all on its way before the client starts reading it, with ~1 ms of CPU
    per message: the library must let the connection answer the server's PING between two
    messages, or the server drops a healthy client."""
    small_windows = Configuration(
        http2_connection_window_size=2**16, http2_stream_window_size=2**16
    )
    target = server_elsewhere.target
    async with (
        AsyncTp3Client(target) as poster,
        AsyncTp3Client(target, config=small_windows) as busy_client,
        busy_client.chat.join("busy", "burst") as busy,
    ):
        await flood(poster, "burst")
        assert await read_burst(busy, work=0.001) == BURST


@pytest.mark.slow
async def test_traffic_from_a_client_on_a_slow_link_counts_as_proof_of_life(
    server: Tp3Server,
) -> None:
    """A member on a slow downlink keeps talking while a burst crawls to it: its PING answer
    lags behind the burst, but what it sends proves it alive (the server's part)."""
    proxy = SlowDownlink(server.port or 0, bytes_per_second=100_000)
    proxy_port = await proxy.start()
    try:
        async with (
            AsyncTp3Client(f"127.0.0.1:{server.port}") as poster,
            AsyncTp3Client(f"127.0.0.1:{proxy_port}") as slow_client,
            slow_client.chat.join("slow", "link") as slow,
        ):

            async def chatter() -> None:
                while True:
                    await slow.send("still here")
                    await asyncio.sleep(0.05)

            talking = asyncio.create_task(chatter())
            flooding = asyncio.create_task(flood(poster, "link"))
            try:
                assert await read_burst(slow) == BURST
            finally:
                talking.cancel()
            await flooding
    finally:
        await proxy.close()
