"""Streaming a subscriber's mailbox out as an RPC's responses: the loop every session shares.

A session RPC (a chat member, a game player, a spectator) has two halves: this relay sends
what arrives in the subscriber's mailbox, while an optional reader task applies what the
client sends. When the mailbox is closed because the subscriber was too slow, the RPC ends
with RESOURCE_EXHAUSTED at once, even if the handler is stuck sending to that very peer.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from tp3.errors import FailedPrecondition, ResourceExhausted, Tp3Error
from tp3.mailbox import LeaveReason, Mailbox, MailboxClosed
from tp3.rpc_hooks import current_rpc

__all__ = ["apply_requests", "opening_join", "relay"]

log = logging.getLogger("tp3.relay")
T = TypeVar("T")
R = TypeVar("R")


async def opening_join(
    messages: AsyncIterator[T], join: Callable[[T], R | None], what: str
) -> R | None:
    """The join that must open a session: `join(first message)`, FAILED_PRECONDITION if the
    first message is something else, None if the client left before saying anything."""
    first = await anext(messages, None)
    if first is None:
        return None
    opening = join(first)
    if opening is None:
        raise FailedPrecondition(f"join first: the first message of a {what} must be a join")
    return opening


async def apply_requests(
    messages: AsyncIterator[T],
    apply: Callable[[T], Awaitable[bool]],
    refused: Callable[[Tp3Error], object],
) -> None:
    """The reader half of a session: `apply` each request the client sends, in order, until it
    returns False (a leave) or the client's stream ends. A request refused with a Tp3Error is
    passed to `refused` (to be told in-band) and the session goes on."""
    async for request in messages:
        try:
            if not await apply(request):
                return
        except Tp3Error as error:
            refused(error)
        # One request per turn of the event loop: a client that pipelines thousands of
        # requests must not fill everyone's mailboxes before their writers get to run.
        await asyncio.sleep(0)


async def relay(
    mailbox: Mailbox[T],
    encode: Callable[[T], R],
    *,
    too_slow: Callable[[], ResourceExhausted],
    reader: Coroutine[Any, Any, None] | None = None,
) -> AsyncIterator[R]:
    """Yield `encode(event)` for each event until the mailbox closes. A mailbox closed as
    TOO_SLOW ends the RPC with `too_slow()`; any other closing ends the stream normally."""
    rpc = current_rpc()
    mailbox.on_close(
        lambda reason: rpc.abort(too_slow()) if reason is LeaveReason.TOO_SLOW else None
    )
    task = asyncio.create_task(reader) if reader is not None else None
    try:
        while True:
            yield encode(await mailbox.get())
    except MailboxClosed as closed:
        if closed.reason is LeaveReason.TOO_SLOW:
            raise too_slow() from None
    finally:
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as error:  # the connection went away under the reader
                log.debug("session reader ended: %r", error)
