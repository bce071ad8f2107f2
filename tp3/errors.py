"""Expected, user-facing errors raised by the domain code.

The domain knows nothing of gRPC: it raises these, and `tp3.status` maps each class to a
gRPC status code in one table. Anything else that escapes a handler is a bug, reported as
UNKNOWN by grpclib with a traceback in the server log.

    Tp3Error
    ├── InvalidArgument      bad input; names the offending field
    └── ResourceExhausted    a limit was reached
"""

__all__ = ["InvalidArgument", "ResourceExhausted", "Tp3Error"]


class Tp3Error(Exception):
    """Base of every error a client is expected to see; the message is for humans."""


class InvalidArgument(Tp3Error):
    """A request field is malformed or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ResourceExhausted(Tp3Error):
    """A server-side limit was reached (too many items, too fast, too slow a reader)."""
