"""TCP relays on 127.0.0.1 that play a client's network: one that freezes, one that is slow."""

import asyncio

__all__ = ["FreezableProxy", "SlowDownlink"]


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

    async def cut(self) -> None:
        """Close every relayed connection at once (a network that failed); new connections
        are still relayed."""
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        self._pumps.clear()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

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
        for source, sink, downstream in ((reader, up_writer, False), (up_reader, writer, True)):
            task = asyncio.create_task(self._pump(source, sink, downstream))
            self._pumps.add(task)

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, downstream: bool
    ) -> None:
        while data := await source.read(65536):
            await self._thawed.wait()  # frozen: hold everything, answer nothing
            await self._pass(data, downstream)
            sink.write(data)
            await sink.drain()

    async def _pass(self, data: bytes, downstream: bool) -> None:
        """A hook for a slower network."""


class SlowDownlink(FreezableProxy):
    """Relays server-to-client bytes at `bytes_per_second`, client-to-server at once: a
    client on a slow link, whose reading lags far behind what the server has sent."""

    def __init__(self, target_port: int, bytes_per_second: int) -> None:
        super().__init__(target_port)
        self._rate = bytes_per_second

    async def _pass(self, data: bytes, downstream: bool) -> None:
        if downstream:
            await asyncio.sleep(len(data) / self._rate)
