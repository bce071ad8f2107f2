"""HTTP/2 and gRPC framing pieces the transport guards with (tp3.rpc.transport uses them).

- `InboundMessages` follows a request stream's gRPC framing, to refuse a message on its
  declared length before its body is buffered;
- `CheckedFrameBuffer` refuses a frame on its header, not once the whole frame is here;
- `GuardedH2Connection` refuses one stream too many alone (REFUSED_STREAM), not the connection;
- `BatchedWrites` sends what one pass of the event loop wrote in one go (sooner if it is
  much), and drops writes to a connection already lost.
"""

import asyncio
import contextvars
import weakref
from collections.abc import Callable
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from h2.config import H2Configuration
from h2.connection import ConnectionInputs, H2Connection
from h2.errors import ErrorCodes
from h2.exceptions import TooManyStreamsError
from h2.frame_buffer import FrameBuffer
from h2.settings import SettingCodes, Settings
from h2.stream import StreamClosedBy
from hyperframe.frame import Frame, HeadersFrame, RstStreamFrame

__all__ = ["BatchedWrites", "CheckedFrameBuffer", "GuardedH2Connection", "InboundMessages"]

_NO_CONTEXT = contextvars.Context()


class InboundMessages:
    """Follows the gRPC framing of one request stream as its DATA arrives: each message is a
    5-byte prefix (compressed flag, 4-byte length) then its body. `feed` says when a message
    must be refused, from its prefix alone."""

    __slots__ = ("_max_size", "_prefix", "_remaining")

    def __init__(self, max_size: int) -> None:
        self._max_size = max_size
        self._prefix = b""
        self._remaining = 0  # body bytes of the current message still to come

    def feed(self, data: bytes) -> GRPCError | None:
        position, end = 0, len(data)
        while position < end:
            if self._remaining:
                step = min(self._remaining, end - position)
                self._remaining -= step
                position += step
                continue
            taken = data[position : position + 5 - len(self._prefix)]
            self._prefix += taken
            position += len(taken)
            if len(self._prefix) < 5:
                break
            flag, length = self._prefix[0], int.from_bytes(self._prefix[1:], "big")
            self._prefix = b""
            if flag:
                return GRPCError(
                    Status.INTERNAL,
                    "compressed message, but no grpc-encoding was declared "
                    "(tp3 accepts uncompressed messages only)",
                )
            if length > self._max_size:
                return GRPCError(
                    Status.RESOURCE_EXHAUSTED,
                    f"message too large: {length} bytes, the limit is {self._max_size} "
                    "(tp3 serve --max-message-size)",
                )
            self._remaining = length
        return None

    def end(self) -> GRPCError | None:
        """The client ended its stream: refused if that was inside a message."""
        if not self._prefix and not self._remaining:
            return None
        return GRPCError(
            Status.INTERNAL,
            "the request ended inside a message: "
            + (
                "its 5-byte prefix is cut short"
                if self._prefix
                else f"{self._remaining} bytes of it are missing"
            ),
        )


class CheckedFrameBuffer(FrameBuffer):
    """h2's buffer checks a frame's length only once the whole frame is here: a 16 MiB frame
    that never completes is held forever. Check it as soon as its header is."""

    def __next__(self) -> Frame:
        if len(self._data) >= 9 and not self._preamble_len:
            self._validate_frame_length(int.from_bytes(self._data[:3], "big"))
        return super().__next__()


class GuardedH2Connection(H2Connection):
    """An h2 connection that refuses a stream over the limit with REFUSED_STREAM (RFC 9113,
    5.1.2) instead of failing the whole connection, as h2 does; and one over its client's
    limit (all its connections together) the same way, before any handler exists."""

    def __init__(
        self,
        config: H2Configuration,
        max_streams: int,
        client_full: Callable[[], bool],
        on_refused: Callable[[int], None],
    ) -> None:
        super().__init__(config=config)
        self.local_settings = Settings(
            client=False,
            initial_values={
                SettingCodes.MAX_CONCURRENT_STREAMS: max_streams,
                SettingCodes.MAX_HEADER_LIST_SIZE: self.DEFAULT_MAX_HEADER_LIST_SIZE,
            },
        )
        self.incoming_buffer = CheckedFrameBuffer(server=True)
        self._client_full = client_full
        self._on_refused = on_refused

    def _receive_headers_frame(self, frame: HeadersFrame) -> tuple[list[Frame], list[Any]]:
        stream_id = frame.stream_id
        new = stream_id > self.highest_inbound_stream_id and stream_id % 2 == 1
        if new and self._client_full():
            return self._refuse(frame)
        try:
            return super()._receive_headers_frame(frame)
        except TooManyStreamsError:
            if not new:
                raise  # not a stream the client may open: h2's connection error stands
            return self._refuse(frame)

    def _refuse(self, frame: HeadersFrame) -> tuple[list[Frame], list[Any]]:
        """Refuse this stream alone. Its header block still goes through the HPACK decoder
        (its table is shared by the connection), and its id counts as used and reset by us,
        so DATA already in flight for it is answered and its flow control given back."""
        self.decoder.decode(frame.data, raw=True)
        self.state_machine.process_input(ConnectionInputs.RECV_HEADERS)  # IDLE -> OPEN at first
        self.highest_inbound_stream_id = frame.stream_id
        self._closed_streams[frame.stream_id] = StreamClosedBy.SEND_RST_STREAM
        refusal = RstStreamFrame(frame.stream_id)
        refusal.error_code = ErrorCodes.REFUSED_STREAM
        self._on_refused(frame.stream_id)
        return [refusal], []


class BatchedWrites:
    """The transport as grpclib sees it.

    grpclib writes each RPC's headers, message and trailers apart: three send() calls a
    unary call, ~12% of a loaded server's time. Here the bytes written during one pass of
    the event loop go out together, at its end, in one (for every call of the connection
    that ran in that pass), or sooner when the pass has written much (`_LoopPass`).

    Handlers unwinding after their connection was lost still write (trailers, resets), and
    asyncio warns about each such write past the fifth: closing 500 busy connections wrote
    18,657 warnings. Those writes are dropped."""

    __slots__ = ("_pass", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pass = _LoopPass.of(asyncio.get_running_loop())
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data or self._transport.is_closing():
            return
        if not self._pending:
            self._pass.waiting(self)
        self._pending.append(data)
        self._pass.wrote(len(data))

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()  # a GOAWAY or an HTTP/1 answer written just before
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _LoopPass:
    """The connections that wrote during this pass of an event loop: flushed at its end, or
    as soon as the pass has written FLUSH_AT bytes. A chat message to 1,000 members wakes
    1,000 session tasks in one pass; waiting for the last one held the first copy back
    ~20 ms, where a send every FLUSH_AT bytes lets the first leave after a few hundred."""

    FLUSH_AT = 16 * 1024

    __slots__ = ("_scheduled", "_waiting", "_written")

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> "_LoopPass":
        """The loop's one (holding no reference to it: the loop and its pass go together)."""
        found = _PASSES.get(loop)
        if found is None:
            found = _PASSES[loop] = cls()
        return found

    def __init__(self) -> None:
        self._waiting: list[BatchedWrites] = []
        self._written = 0
        self._scheduled = False

    def waiting(self, writes: BatchedWrites) -> None:
        self._waiting.append(writes)
        if not self._scheduled:  # an empty context: the flush must not hold a handler's
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._ended, context=_NO_CONTEXT)

    def wrote(self, size: int) -> None:
        self._written += size
        if self._written >= self.FLUSH_AT:
            self.flush()

    def _ended(self) -> None:
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        waiting, self._waiting, self._written = self._waiting, [], 0
        for writes in waiting:
            writes.flush()


_PASSES: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPass]" = (
    weakref.WeakKeyDictionary()
)
