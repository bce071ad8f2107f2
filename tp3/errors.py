"""Expected, user-facing errors raised by the domain code.

The domain knows nothing of gRPC: it raises these, and `tp3.rpc.status` maps each class to a
gRPC status code in one table. Anything else that escapes a handler is a bug, reported as
UNKNOWN by grpclib with a traceback in the server log.

    Tp3Error
    ├── InvalidArgument      bad input; names the offending field
    ├── NotFound             the thing named does not exist (a room, a recipient)
    ├── AlreadyExists        a name is taken
    ├── FailedPrecondition   the right request at the wrong time (sending before joining)
    ├── PermissionDenied     the caller may not do this (use a name that isn't theirs)
    ├── ResourceExhausted    a limit was reached (too many items, too slow a reader)
    └── Unavailable          not now, try again (the server is shutting down)
"""

__all__ = [
    "QUOTED_LENGTH",
    "AlreadyExists",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Tp3Error",
    "Unavailable",
    "quote",
]

QUOTED_LENGTH = 40
"""Characters of a client's input an error message quotes."""


def quote(text: str) -> str:
    """`text` quoted for an error message, cut to QUOTED_LENGTH characters: a client's
    megabyte of bad input must not come back whole in the status (nor in the log)."""
    if len(text) <= QUOTED_LENGTH:
        return repr(text)
    return f"{text[:QUOTED_LENGTH]!r}... ({len(text)} characters)"


class Tp3Error(Exception):
    """Base of every error a client is expected to see; the message is for humans."""


class InvalidArgument(Tp3Error):
    """A request field is malformed or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(Tp3Error):
    """The room, member or other thing named does not exist."""


class AlreadyExists(Tp3Error):
    """The name is already taken."""


class FailedPrecondition(Tp3Error):
    """The request is valid but not now (e.g. sending before joining)."""


class PermissionDenied(Tp3Error):
    """The caller is known, and may not do this (take a name that is not theirs)."""


class ResourceExhausted(Tp3Error):
    """A server-side limit was reached (too many items, too fast, too slow a reader)."""


class Unavailable(Tp3Error):
    """The server can't serve this now (it is shutting down): come back, here or elsewhere."""
