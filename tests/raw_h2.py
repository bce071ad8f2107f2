"""A bare HTTP/2 client for the fault tests: sends exactly the frames a test asks for (a
lying length prefix, a compressed flag, a 101st stream), which no gRPC library would."""

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions

CONVERT = "/tp3.currency.v1.CurrencyService/Convert"


def grpc_frame(body: bytes, *, compressed: bool = False, declared: int | None = None) -> bytes:
    """One gRPC message: flag, 4-byte length (`declared` to lie about it), body."""
    length = len(body) if declared is None else declared
    return struct.pack(">?I", compressed, length) + body


def convert_body(amount: str = "6500", source: str = "MAD", target: str = "USD") -> bytes:
    from tp3.generated.tp3.currency import v1 as pb

    return bytes(pb.ConvertRequest(from_currency=source, to_currency=target, amount=amount))


def request_headers(path: str, extra: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The headers of a gRPC request, as any client sends them."""
    return [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", path),
        (":authority", "127.0.0.1"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        *extra,
    ]


@dataclass
class Reply:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    reset: int | None = None
    """The RST_STREAM error code, if the server reset the stream."""
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def status(self) -> int | None:
        value = self.headers.get("grpc-status")
        return None if value is None else int(value)

    @property
    def message(self) -> str:
        return unquote(self.headers.get("grpc-message", ""))


class RawH2:
    def __init__(self) -> None:
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(header_encoding="utf-8"))
        self.replies: dict[int, Reply] = {}
        self.goaway: h2.events.ConnectionTerminated | None = None
        self.closed = asyncio.Event()
        self.remote_settings: dict[int, int] = {}
        self._reader: asyncio.StreamReader
        self._writer: asyncio.StreamWriter
        self._pump: asyncio.Task[None] | None = None

    async def connect(self, port: int, *, source: str = "127.0.0.1") -> "RawH2":
        self._reader, self._writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0)
        )
        self.h2.initiate_connection()
        self.flush()
        self._pump = asyncio.create_task(self._read())
        return self

    def flush(self) -> None:
        self._writer.write(self.h2.data_to_send())

    def write_raw(self, data: bytes) -> None:
        self._writer.write(data)

    def request(
        self,
        path: str = CONVERT,
        body: bytes | None = None,
        *,
        extra: Sequence[tuple[str, str]] = (),
        end: bool = True,
    ) -> int:
        stream_id = self.h2.get_next_available_stream_id()
        self.replies[stream_id] = Reply()
        self.h2.send_headers(
            stream_id, request_headers(path, extra), end_stream=body is None and end
        )
        if body is not None:
            size = self.h2.max_outbound_frame_size
            chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
            for i, chunk in enumerate(chunks):
                self.h2.send_data(stream_id, chunk, end_stream=end and i == len(chunks) - 1)
        self.flush()
        return stream_id

    async def reply(self, stream_id: int, timeout: float = 5.0) -> Reply:
        reply = self.replies[stream_id]
        async with asyncio.timeout(timeout):
            await reply.ended.wait()
        return reply

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        self._writer.close()
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    async def _read(self) -> None:
        try:
            while data := await self._reader.read(65536):
                for event in self.h2.receive_data(data):
                    self._on(event)
                self.flush()
        except (ConnectionError, h2.exceptions.ProtocolError):
            pass
        finally:
            self.closed.set()
            for reply in self.replies.values():
                reply.ended.set()

    def _on(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self.remote_settings.update({k: v.new_value for k, v in event.changed_settings.items()})
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event
        stream_id = getattr(event, "stream_id", None)
        reply = self.replies.get(stream_id) if stream_id else None
        if reply is None:
            return
        if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
            reply.headers.update(dict(event.headers))  # type: ignore[arg-type]
        elif isinstance(event, h2.events.DataReceived):
            reply.data += event.data
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            reply.reset = event.error_code
            reply.ended.set()
        elif isinstance(event, h2.events.StreamEnded):
            reply.ended.set()


class BlockingH2:
    """The same, blocking, for hypothesis (whose tests are not coroutines): one call at a time
    on one connection."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.server_log: list[str] = []
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(header_encoding="utf-8"))
        self.h2.initiate_connection()
        self.sock.sendall(self.h2.data_to_send())

    def call(self, path: str, body: bytes, *, first_only: bool = False) -> Reply:
        """One request; with `first_only`, the stream is cancelled after its first message
        (a server stream may go on for long)."""
        stream_id = self.h2.get_next_available_stream_id()
        self.h2.send_headers(stream_id, request_headers(path))
        self.h2.send_data(stream_id, body, end_stream=True)
        self.sock.sendall(self.h2.data_to_send())
        reply = Reply()
        while not reply.ended.is_set():
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the server closed the connection")
            for event in self.h2.receive_data(data):
                if getattr(event, "stream_id", None) != stream_id:
                    if isinstance(event, h2.events.DataReceived):  # late, for a cancelled call
                        self.h2.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    continue
                if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
                    reply.headers.update(dict(event.headers))  # type: ignore[arg-type]
                elif isinstance(event, h2.events.DataReceived):
                    reply.data += event.data
                    self.h2.acknowledge_received_data(event.flow_controlled_length, stream_id)
                    if first_only and not reply.ended.is_set():
                        with contextlib.suppress(h2.exceptions.StreamClosedError):  # ended too
                            self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
                        reply.ended.set()
                elif isinstance(event, h2.events.StreamReset):
                    reply.reset = event.error_code
                    reply.ended.set()
                elif isinstance(event, h2.events.StreamEnded):
                    reply.ended.set()
            self.sock.sendall(self.h2.data_to_send())
        return reply

    def close(self) -> None:
        self.sock.close()


async def canary(port: int, source: str = "127.0.0.1") -> float:
    """The check every limit and fault case ends with: a correct Convert (6500 MAD is 708.68
    USD) within 2 s. Returns how long it took."""
    started = time.perf_counter()
    raw = await RawH2().connect(port, source=source)
    try:
        reply = await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())), timeout=2)
        assert reply.status == 0, reply.headers
        assert b"708.68" in reply.data
    finally:
        await raw.close()
    return time.perf_counter() - started
