"""Faults a chat member's network can have, simulated on loopback."""

import asyncio
import contextlib
from dataclasses import replace

from tp3.chat.events import LeaveReason, MemberJoined, MemberLeft
from tp3.client import AsyncTp3Client, ChatSession
from tp3.server import Tp3Server

WAIT = 10.0


class FreezableProxy:
    """A TCP relay on 127.0.0.1 that can stop relaying without closing anything: to the
    server, the client's network has silently vanished (no FIN, no RST, no answers)."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._pumps: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def freeze(self) -> None:
        self._thawed.clear()

    async def close(self) -> None:
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._writers += [writer, up_writer]
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(task)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            await self._thawed.wait()  # frozen: hold everything, answer nothing
            sink.write(data)
            await sink.drain()


async def next_of(session: ChatSession, kind: type[MemberLeft] | type[MemberJoined]) -> object:
    async with asyncio.timeout(WAIT):
        async for event in session:
            if isinstance(event, kind):
                return event
    raise AssertionError("session ended")


async def test_a_member_whose_network_vanishes_is_removed_by_keepalive(server: Tp3Server) -> None:
    config = replace(server.config, port=0, keepalive=0.2, keepalive_timeout=0.3)
    async with Tp3Server(config) as pinging, AsyncTp3Client(f"127.0.0.1:{pinging.port}") as client:
        proxy = FreezableProxy(pinging.port)
        proxy_port = await proxy.start()
        ghost_client = AsyncTp3Client(f"127.0.0.1:{proxy_port}")
        try:
            async with client.chat.join("stay", "ghosts") as stay:
                ghost = ghost_client.chat.join("ghost", "ghosts")
                await ghost.__aenter__()
                assert await next_of(stay, MemberJoined) == MemberJoined(
                    "ghost", ghost.joined.members[-1].joined_at
                )
                proxy.freeze()
                left = await next_of(stay, MemberLeft)
                assert isinstance(left, MemberLeft)
                assert (left.name, left.reason) == ("ghost", LeaveReason.DISCONNECTED)
                assert [m.name for m in await client.chat.list_members("ghosts")] == ["stay"]
        finally:
            ghost_client.close()
            with contextlib.suppress(Exception):
                await proxy.close()
