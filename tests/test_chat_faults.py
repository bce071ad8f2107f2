"""Faults a chat member's network can have, simulated on loopback."""

import contextlib
from dataclasses import replace

from proxies import FreezableProxy
from support import next_of

from tp3.chat.events import LeaveReason, MemberJoined, MemberLeft
from tp3.client import AsyncTp3Client
from tp3.server import Tp3Server


async def test_a_member_whose_network_vanishes_is_removed_by_keepalive(server: Tp3Server) -> None:
    config = replace(server.config, port=0, keepalive=0.2, keepalive_timeout=0.3)
    async with Tp3Server(config) as pinging, AsyncTp3Client(f"127.0.0.1:{pinging.port}") as client:
        assert pinging.port is not None
        proxy = FreezableProxy(pinging.port)
        proxy_port = await proxy.start()
        ghost_client = AsyncTp3Client(f"127.0.0.1:{proxy_port}")
        try:
            async with client.chat.join("stay", "ghosts") as stay:
                ghost = ghost_client.chat.join("ghost", "ghosts")
                await ghost.__aenter__()
                assert await next_of(stay, MemberJoined) == MemberJoined(
                    "ghost", ghost.joined.members[-1].joined_at
                )
                proxy.freeze()
                left = await next_of(stay, MemberLeft)
                assert (left.name, left.reason) == ("ghost", LeaveReason.DISCONNECTED)
                assert [m.name for m in await client.chat.list_members("ghosts")] == ["stay"]
        finally:
            ghost_client.close()
            with contextlib.suppress(Exception):
                await proxy.close()
