"""The one table that turns domain errors into gRPC status codes."""

from grpclib.const import Status

from tp3.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Tp3Error,
    Unavailable,
)
from tp3.notice import Notice

__all__ = ["MAX_STATUS_MESSAGE", "bounded_message", "notice_for", "status_for"]

_STATUS_FOR_ERROR: dict[type[Tp3Error], Status] = {
    InvalidArgument: Status.INVALID_ARGUMENT,
    NotFound: Status.NOT_FOUND,
    AlreadyExists: Status.ALREADY_EXISTS,
    FailedPrecondition: Status.FAILED_PRECONDITION,
    PermissionDenied: Status.PERMISSION_DENIED,
    ResourceExhausted: Status.RESOURCE_EXHAUSTED,
    Unavailable: Status.UNAVAILABLE,
}


def status_for(error: Tp3Error) -> Status:
    """The gRPC status a client gets for `error` (its closest mapped base class wins)."""
    for cls in type(error).__mro__:
        status = _STATUS_FOR_ERROR.get(cls)
        if status is not None:
            return status
    return Status.UNKNOWN


def notice_for(error: Tp3Error) -> Notice:
    """`error` told in-band to a session, which goes on."""
    return Notice(status_for(error), str(error))


MAX_STATUS_MESSAGE = 256
"""Characters of a status message sent to a client: bad input is quoted, never echoed whole."""


def bounded_message(text: str) -> str:
    if len(text) <= MAX_STATUS_MESSAGE:
        return text
    return f"{text[:MAX_STATUS_MESSAGE]}... ({len(text)} characters in all)"
