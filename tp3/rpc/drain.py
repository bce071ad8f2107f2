"""Stopping without dropping anyone: the pipeline stage that refuses new calls, and the end
of the calls already running.

Each call ends its own way (`RpcCall.drain`): a chat or game session sends what was queued
for it, a last notice, then UNAVAILABLE (tp3.rpc.session); another stream ends with
UNAVAILABLE at once; a unary call is left to finish. What still runs near the end of the
grace period is ended with UNAVAILABLE. The server (tp3.server) does the rest: health first,
GOAWAY last.
"""

import asyncio
import logging
from collections.abc import Awaitable

from tp3.errors import Unavailable
from tp3.rpc.context import RpcCall
from tp3.rpc.pipeline import LiveRpcs

__all__ = ["Drain", "within"]

log = logging.getLogger("tp3.server")


class Drain:
    """The stage that refuses every new call once the server is shutting down: UNAVAILABLE,
    which gRPC clients retry (elsewhere, behind a load balancer). A health check is still
    answered: NOT_SERVING is what a probe should hear."""

    REFUSAL = "server shutting down: try again in a moment"
    HEALTH_CHECK = "/grpc.health.v1.Health/Check"

    def __init__(self) -> None:
        self.closing = False

    def admit(self, call: RpcCall) -> None:
        if self.closing and call.method != self.HEALTH_CHECK:
            raise Unavailable(self.REFUSAL)

    def release(self, call: RpcCall) -> None:
        pass

    async def end_calls(self, live: LiveRpcs, deadline: float) -> None:
        """Refuse new calls, tell each running one to end, and wait until none is left; at
        `deadline` (the loop's clock), end with UNAVAILABLE what still runs, and wait for it
        a moment more (`deadline` + 10% of what was left)."""
        self.closing = True
        shutting_down = Unavailable(self.REFUSAL)
        loop = asyncio.get_running_loop()
        for call in live.calls():
            call.drain(shutting_down)
        last = deadline + max(0.0, deadline - loop.time()) / 10
        if await within(live.none_left(), deadline):
            return
        left = live.calls()
        log.warning("%d calls still running at the end of the grace period: ending them", len(left))
        for call in left:
            call.abort(shutting_down)
        await within(live.none_left(), last)


async def within(waiting: Awaitable[None], deadline: float) -> bool:
    """Await `waiting` until the loop's clock reads `deadline`; False if it had to stop."""
    try:
        async with asyncio.timeout_at(deadline):
            await waiting
    except TimeoutError:
        return False
    return True
