"""A problem with one of a session's own requests, told in-band: the session goes on.

The chat and the game both send it; it carries the gRPC status the request would have failed
with as a unary call, so a client handles both the same way."""

from dataclasses import dataclass
from typing import Self

from grpclib.const import Status

__all__ = ["Notice"]


@dataclass(frozen=True)
class Notice:
    status: Status
    text: str

    @property
    def retry_later(self) -> bool:
        """A limit refused the request (too fast): the same one may pass after a while."""
        return self.status is Status.RESOURCE_EXHAUSTED

    @classmethod
    def from_code(cls, code: int, text: str) -> Self:
        """The notice a peer sent as a status code number (one this grpclib doesn't know
        reads as UNKNOWN, as gRPC says a client must)."""
        try:
            return cls(Status(code), text)
        except ValueError:
            return cls(Status.UNKNOWN, text)
