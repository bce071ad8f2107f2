"""The limits every connection and call is held to: one frozen object, built once from the CLI.

The defaults follow grpc-go and grpc-java where they have one (4 MiB messages, 100 concurrent
streams per connection); docs/reliability.md sets them side by side.
"""

from dataclasses import dataclass

__all__ = ["RpcLimits"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class RpcLimits:
    max_message_size: int = 4 * MiB
    """Bytes of one request message, refused on its declared length before it is read
    (RESOURCE_EXHAUSTED)."""
    max_streams_per_connection: int = 100
    """Concurrent calls on one HTTP/2 connection, advertised in SETTINGS; one more is refused
    with REFUSED_STREAM, and the connection goes on."""
    max_connections_per_client: int = 100
    """Open connections from one client address; more are closed as they come."""
    max_streams_per_client: int = 500
    """Concurrent calls from one client address, all its connections together; one more is
    refused with REFUSED_STREAM before any handler exists (50,000 requests at once from 500
    connections once took 600 MB)."""
    max_client_streams: int = 100
    """Concurrent streaming calls of one service from one client address (RESOURCE_EXHAUSTED):
    chat sessions, quote streams, game sessions."""
    handshake_timeout: float = 10.0
    """Seconds a new connection has to send its first request."""
    idle_timeout: float | None = 300.0
    """Seconds a connection with no call open is kept; None keeps it forever."""

    def __post_init__(self) -> None:
        for name in (
            "max_message_size",
            "max_streams_per_connection",
            "max_connections_per_client",
            "max_streams_per_client",
            "max_client_streams",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.handshake_timeout <= 0:
            raise ValueError("handshake_timeout must be positive")
        if self.idle_timeout is not None and self.idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive (or None)")
