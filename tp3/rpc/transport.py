"""The HTTP/2 side of admission: what must be refused before any handler runs.

grpclib's protocol (0.4.9) holds what it is sent: a message of any declared size, a frame
until it is complete, a connection that never sends a request. tp3's server plugs its own
protocol in (`GuardedServer`) to bound all of it:

- connections per client address, a handshake timeout (first request within N s), an idle
  timeout (no call open for N s);
- concurrent streams per connection, advertised in SETTINGS, and per client address; one
  more is refused with REFUSED_STREAM (h2 would tear the whole connection down);
- a frame longer than the advertised maximum is refused on its header, not once complete;
- each request message is refused on its declared length (the 5-byte gRPC prefix) before
  its body is buffered, and a compressed message (tp3 speaks identity only) is refused too;
- requests whose deadline expired on arrival, or that declare an encoding, get their status
  instead of a traceback; the pipeline, not grpclib, keeps the other deadlines;
- writes to a connection already lost are dropped, not warned about one by one;
- any bytes from the client count as proof of life for keepalive: a client busy reading a
  backlog may answer a PING late, but it is not dead;
- a finished call's task, a stream reset before its handler started and a closed
  connection's handler are forgotten at once (grpclib keeps them until a full GC or its
  sweep at every 10th new connection).

The HTTP/2 and gRPC framing pieces are in tp3.rpc.http2.

Every refusal is one access-log line.
"""

import asyncio
import contextvars
import logging
import socket
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from grpclib.config import Configuration
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.metadata import Deadline, encode_grpc_message
from grpclib.protocol import Connection, EventsProcessor, H2Protocol, Stream
from grpclib.server import Handler, Server
from h2.config import H2Configuration
from h2.errors import ErrorCodes
from h2.events import DataReceived, StreamEnded
from h2.exceptions import ProtocolError
from h2.settings import SettingCodes

from tp3.errors import quote
from tp3.rpc.access_log import AccessLog, address
from tp3.rpc.http2 import BatchedWrites, GuardedH2Connection, InboundMessages
from tp3.rpc.limits import RpcLimits
from tp3.rpc.pipeline import Counts, LiveRpcs

__all__ = ["GuardedServer"]

log = logging.getLogger("tp3.transport")
_HTTP1_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ")
_HTTP1_BODY = b"This is a gRPC server: it speaks HTTP/2 only (try grpcurl).\n"
_HTTP1_ANSWER = (
    b"HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_HTTP1_BODY), _HTTP1_BODY)
)


class _Guards:
    """What every connection of one server shares."""

    def __init__(self, limits: RpcLimits, access_log: AccessLog, live: LiveRpcs) -> None:
        self.limits = limits
        self.access_log = access_log
        self.live = live
        self.connections: Counts[str] = Counts()  # per client host
        self.streams: Counts[str] = Counts()


class _GuardedProcessor(EventsProcessor):
    def __init__(self, handler: Handler, connection: Connection, protocol: "_GuardedProtocol"):
        super().__init__(handler, connection)
        self._protocol = protocol
        self._inbound: dict[int, InboundMessages | None] = {}  # None: refused, data dropped

    def register(self, stream: Stream) -> Callable[[], None]:
        release = super().register(stream)
        assert stream.id is not None
        stream_id = stream.id
        self._inbound[stream_id] = InboundMessages(self._protocol.guards.limits.max_message_size)
        self._protocol.stream_opened()

        released = False

        def release_stream() -> None:  # idempotent: see _GuardedHandler._done
            nonlocal released
            if released:
                return
            released = True
            release()
            if stream.wrapper is not None:
                # grpclib's Wrapper keeps the error it raised into a cancelled call, whose
                # traceback holds the Wrapper again: a cycle that kept each cancelled call's
                # frames, task and reply alive until a full GC.
                stream.wrapper._error = None
                stream.wrapper = None
            self._inbound.pop(stream_id, None)
            self._protocol.guards.live.forget(stream)
            self._protocol.stream_closed(len(self.streams))

        return release_stream

    def process_data_received(self, event: DataReceived) -> None:
        stream_id = event.stream_id
        stream = self.streams.get(stream_id)
        if stream is None or stream_id not in self._inbound:
            return super().process_data_received(event)
        inbound = self._inbound[stream_id]
        refusal = inbound.feed(event.data) if inbound is not None else None
        if inbound is not None and refusal is None:
            return super().process_data_received(event)
        # Refused: what the client sends on this stream is dropped, not buffered, and its
        # flow-control credit given back so the connection's other streams go on.
        self.connection.ack(stream_id, event.flow_controlled_length)
        if refusal is not None:
            self._inbound[stream_id] = None
            self._protocol.guards.live.refuse(stream, refusal)
        return None

    def process_stream_ended(self, event: StreamEnded) -> None:
        stream = self.streams.get(event.stream_id)
        inbound = self._inbound.get(event.stream_id)
        if stream is not None and inbound is not None:
            refusal = inbound.end()
            if refusal is not None:
                self._inbound[event.stream_id] = None
                self._protocol.guards.live.refuse(stream, refusal)
        super().process_stream_ended(event)


class _GuardedHandler(Handler):
    """grpclib's per-connection handler, with the request checks that need only headers."""

    def __init__(
        self,
        *args: Any,
        guards: _Guards,
        client: Callable[[], str],
        finished: Callable[["_GuardedHandler"], None],
    ) -> None:
        """`finished` is called once the connection is closed and its last call is over."""
        super().__init__(*args)
        self._guards = guards
        self._client = client
        self._finished = finished
        self._answers: set[asyncio.Task[None]] = set()

    def accept(
        self, stream: Stream, headers: list[tuple[str, str]], release_stream: Callable[[], Any]
    ) -> None:
        refusal, log_only = _header_refusal(headers, self.mapping)
        if refusal is None:
            headers, refusal = self._take_deadline(stream, headers)
        if refusal is not None:
            self._guards.access_log.refused(
                self._client(),
                f"{quote(dict(headers).get(':path', '?'))} status={refusal.status.name} "
                f"message={refusal.message!r}",
            )
        if refusal is None or log_only:
            super().accept(stream, headers, release_stream)
            task = self._tasks[stream]
            task.add_done_callback(partial(self._done, stream, release_stream))
            return
        answer = self.loop.create_task(_answer(stream, refusal, release_stream))
        self._answers.add(answer)
        answer.add_done_callback(self._answers.discard)

    def _take_deadline(
        self, stream: Stream, headers: list[tuple[str, str]]
    ) -> tuple[list[tuple[str, str]], GRPCError | None]:
        """The pipeline keeps the call's deadline, not grpclib: grpclib answers a deadline
        that runs out before the handler starts with UNKNOWN and an ERROR traceback. The
        headers grpclib gets, and the refusal of a deadline expired on arrival."""
        try:
            deadline = Deadline.from_headers(headers)
        except ValueError:
            return headers, None  # grpclib answers an invalid grpc-timeout itself
        if deadline is None:
            return headers, None
        if deadline.time_remaining() <= 0:
            return headers, GRPCError(
                Status.DEADLINE_EXCEEDED, "the deadline expired before the call"
            )
        self._guards.live.expect_deadline(stream, deadline)
        return [(name, value) for name, value in headers if name != "grpc-timeout"], None

    def _done(
        self, stream: Stream, release_stream: Callable[[], Any], task: "asyncio.Task[None]"
    ) -> None:
        """A call's task is over: forget it at once, and release its stream. grpclib releases
        it in the handler's `finally`, which never runs for a task cancelled before it
        started (a stream the client reset at once): 10,000 rapid resets kept 10,000 streams
        and 94 MB."""
        if self._tasks.get(stream) is task:
            del self._tasks[stream]
        self._cancelled.discard(task)
        release_stream()
        self._maybe_finished()

    def _maybe_finished(self) -> None:
        if self.closing and not self._tasks and not self._cancelled:
            self.loop.call_soon(self._finished, self)  # not while grpclib iterates handlers

    def cancel(self, stream: Stream) -> None:
        task = self._tasks.pop(stream, None)  # gone already if it finished, or never made
        if task is not None:
            task.cancel()
            self._cancelled.add(task)

    def close(self) -> None:
        super().close()
        for answer in self._answers:
            answer.cancel()
        self._maybe_finished()


def _header_refusal(
    headers: list[tuple[str, str]], mapping: dict[str, Any]
) -> tuple[GRPCError | None, bool]:
    """A request refused on its headers alone, and whether grpclib answers it already (then it
    is only logged: grpclib would otherwise refuse it silently)."""
    found = dict(headers)
    content_type = found.get("content-type", "")
    if found.get(":method") != "POST" or not content_type.startswith("application/grpc"):
        return GRPCError(
            Status.UNKNOWN, f"not a gRPC request (content-type {quote(content_type)})"
        ), True
    if (path := found.get(":path", "")) not in mapping:
        return GRPCError(Status.UNIMPLEMENTED, _not_served(path, mapping)), False
    encoding = found.get("grpc-encoding", "identity")
    if encoding != "identity":
        return GRPCError(
            Status.UNIMPLEMENTED,
            f"grpc-encoding {quote(encoding)} is not supported: tp3 accepts identity only",
        ), False
    return None, False


def _not_served(path: str, mapping: dict[str, Any]) -> str:
    """What an unknown method is: grpclib's own answer ("Method not found") lacks the
    content-type a trailers-only response needs, so grpclib's client reads it as UNKNOWN
    "Missing content-type header"; and a tp3 started with --services serves only some."""
    service, _, method = path.strip("/").rpartition("/")
    services = sorted({known.strip("/").rpartition("/")[0] for known in mapping})
    if service in services:
        return f"service {service} has no method {quote(method)}"
    return f"this server does not serve {quote(service or path)}; it serves {', '.join(services)}"


async def _answer(stream: Stream, error: GRPCError, release_stream: Callable[[], Any]) -> None:
    """A trailers-only response with `error`'s status."""
    try:
        await stream.send_headers(
            [
                (":status", "200"),
                ("content-type", "application/grpc+proto"),
                ("grpc-accept-encoding", "identity"),
                ("grpc-status", str(error.status.value)),
                ("grpc-message", encode_grpc_message(error.message or "")),
            ],
            end_stream=True,
        )
        if stream.closable:
            stream.reset_nowait()
    except (ProtocolError, ConnectionError):
        pass  # the client is gone
    finally:
        release_stream()


class _GuardedProtocol(H2Protocol):
    def __init__(
        self,
        handler: _GuardedHandler,
        config: Configuration,
        h2_config: H2Configuration,
        guards: _Guards,
    ) -> None:
        super().__init__(handler, config, h2_config)
        self.guards = guards
        self.client = "unknown"
        self._host: str | None = None
        self._open = False
        self._timer: asyncio.TimerHandle | None = None  # handshake, then idle timeout
        self._first_bytes = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        host = str(peer[0]) if peer else "unknown"
        self.client = address(peer)
        limit = self.guards.limits.max_connections_per_client
        if self.guards.connections.add(host) > limit:
            self.guards.connections.remove(host)
            self.guards.access_log.refused(
                self.client, f"too many connections from {host} (at most {limit})"
            )
            cast(asyncio.Transport, transport).abort()
            self.connection = cast(Connection, None)
            return
        self._host, self._open = host, True
        # As grpclib's connection_made, with tp3's h2 connection and events processor.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        h2 = GuardedH2Connection(
            self.h2_config,
            self.guards.limits.max_streams_per_connection,
            self._client_full,
            self._stream_refused,
        )
        h2.initiate_connection()
        initial = h2.local_settings.initial_window_size
        if self.config.http2_connection_window_size != initial:
            h2.increment_flow_control_window(self.config.http2_connection_window_size - initial)
        if self.config.http2_stream_window_size != initial:
            h2.update_settings(
                {SettingCodes.INITIAL_WINDOW_SIZE: self.config.http2_stream_window_size}
            )
        batched = cast(asyncio.Transport, BatchedWrites(cast(asyncio.Transport, transport)))
        self.connection = Connection(h2, batched, config=self.config)
        # The server's preface waits for the client's first bytes (RFC 9113 allows it): an
        # HTTP/1 client then gets a plain HTTP/1 answer, not binary frames.
        self.connection.initialize()
        self.processor = _GuardedProcessor(
            cast(_GuardedHandler, self.handler), self.connection, self
        )
        self._start_timer(self.guards.limits.handshake_timeout, self._handshake_expired)

    def data_received(self, data: bytes) -> None:
        if self.connection is None:
            return
        if self._first_bytes:
            self._first_bytes = False
            if data.startswith(_HTTP1_METHODS):
                self._refuse_http1(data)
                return
            self.connection.flush()  # the server's preface
        # Any bytes from the client prove it is alive, even if its PING answer is still
        # queued behind the backlog it is reading.
        self.connection.ping_ack_process()
        try:
            events = self.connection.feed(data)
        except ProtocolError as error:
            self.guards.access_log.refused(self.client, f"HTTP/2 protocol error: {error}")
            self.connection.flush()  # h2's GOAWAY
            self.processor.close("Protocol error")
            return
        self.connection.flush()
        for event in events:
            self.processor.process(event)
        self.connection.flush()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_timer()
        if self._open and self._host is not None:
            self._open = False
            self.guards.connections.remove(self._host)
            super().connection_lost(exc)

    def is_open(self) -> bool:
        return self._open

    def open_streams(self) -> int:
        return len(self.processor.streams)

    def _client_full(self) -> bool:
        assert self._host is not None
        return self.guards.streams[self._host] >= self.guards.limits.max_streams_per_client

    # called by the processor
    def stream_opened(self) -> None:
        self._cancel_timer()
        assert self._host is not None
        self.guards.streams.add(self._host)

    def stream_closed(self, still_open: int) -> None:
        assert self._host is not None
        self.guards.streams.remove(self._host)
        idle = self.guards.limits.idle_timeout
        if not still_open and idle is not None and not self.connection.is_closing():
            self._start_timer(idle, self._idle_expired)

    def _stream_refused(self, stream_id: int) -> None:
        limits = self.guards.limits
        self.guards.access_log.refused(
            self.client,
            f"stream {stream_id} refused: at most {limits.max_streams_per_connection} open "
            f"on a connection, {limits.max_streams_per_client} from a client",
        )

    def _handshake_expired(self) -> None:
        self._timer = None
        self.guards.access_log.refused(
            self.client,
            f"no request within {self.guards.limits.handshake_timeout:g}s of connecting",
        )
        self.go_away()

    def _idle_expired(self) -> None:
        self._timer = None
        log.debug("closing %s: idle", self.client)
        self.go_away()

    def go_away(self) -> None:
        h2 = self.connection._connection  # the h2 state machine grpclib keeps
        try:
            h2.close_connection(error_code=ErrorCodes.NO_ERROR)
            self.connection.flush()
        except ProtocolError:
            pass  # no HTTP/2 yet: just close
        self.processor.close("Connection closed by the server")

    def _refuse_http1(self, data: bytes) -> None:
        self.guards.access_log.refused(
            self.client, f"HTTP/1 request {data.split(b' ', 2)[:2]!r}: not HTTP/2"
        )
        self.connection._transport.write(_HTTP1_ANSWER)
        self.processor.close("HTTP/1 request")

    def _start_timer(self, delay: float, callback: Callable[[], None]) -> None:
        self._cancel_timer()
        # Not in the context of whatever runs now (a handler's, holding its RpcCall): asyncio
        # keeps a cancelled timer, context and all, until its time comes, and this one is
        # cancelled when the connection closes, minutes early; it would keep the connection.
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, callback, context=contextvars.Context())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class GuardedServer(Server):
    """grpclib's Server with tp3's protocol: limits applied before any handler runs."""

    def __init__(
        self,
        handlers: Any,
        *,
        limits: RpcLimits,
        access_log: AccessLog,
        live: LiveRpcs,
        **kwargs: Any,
    ) -> None:
        super().__init__(handlers, **kwargs)
        self._guards = _Guards(limits, access_log, live)
        self._protocols: weakref.WeakSet[_GuardedProtocol] = weakref.WeakSet()

    def _protocol_factory(self) -> H2Protocol:
        self.__gc_step__()
        protocol: _GuardedProtocol | None = None
        handler = _GuardedHandler(
            self._mapping,
            self._codec,
            self._status_details_codec,
            self.__dispatch__,
            guards=self._guards,
            client=lambda: protocol.client if protocol is not None else "unknown",
            # grpclib drops closed handlers only at every 10th new connection: with them, each
            # closed connection's whole HTTP/2 state (66 MB for 300) until the next ones come
            finished=self._forget_handler,
        )
        self._handlers.add(handler)
        protocol = _GuardedProtocol(handler, self._config, self._h2_config, self._guards)
        self._protocols.add(protocol)
        return protocol

    def stop_listening(self) -> None:
        """Accept no new connection; those open go on."""
        assert self._server is not None
        assert self._server_closed_fut is not None
        self._server.close()
        if not self._server_closed_fut.done():
            self._server_closed_fut.set_result(None)

    def go_away(self) -> None:
        """Send every connection GOAWAY and close it, cancelling what still runs on it.

        Only once its calls are over: h2 sends nothing after a GOAWAY, and grpclib's own
        client drops a connection (and its streams) as soon as one arrives."""
        for protocol in list(self._protocols):
            if protocol.is_open():
                protocol.go_away()

    def _forget_handler(self, handler: Handler) -> None:
        self._handlers.discard(handler)  # the set grpclib's sweep replaces: look it up now

    def open_connections(self) -> int:
        """Connections open now (a gauge)."""
        return sum(1 for protocol in self._protocols if protocol.is_open())

    def open_streams(self) -> int:
        """HTTP/2 streams open now, all connections together (a gauge)."""
        return sum(protocol.open_streams() for protocol in self._protocols if protocol.is_open())
