"""Floods: one chat member posting as fast as it can, one client guessing under many names."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from raw_h2 import RawH2, grpc_frame

from tp3.chat.backend import ChatLimits
from tp3.chat.events import Notice, RoomMessage
from tp3.client import AsyncTp3Client, Tp3RpcError
from tp3.game.backend import GameLimits
from tp3.generated.tp3.game import v1 as game_pb
from tp3.server import ServerConfig, Tp3Server

RESOURCE_EXHAUSTED = 8
CHAT = ChatLimits(messages_per_second=5, client_messages_per_second=1000)
GAME = GameLimits(guesses_per_second=5, client_guesses_per_second=8, pause=60)


@pytest.fixture
async def server() -> AsyncIterator[Tp3Server]:
    config = ServerConfig(host="127.0.0.1", port=0, chat=CHAT, game=GAME)
    async with Tp3Server(config) as running:
        yield running


async def test_a_chat_member_posting_too_fast_is_told_and_the_room_gets_the_rest(
    server: Tp3Server,
) -> None:
    async with (
        AsyncTp3Client(f"127.0.0.1:{server.port}") as client,
        client.chat.join("listener", "flood") as listener,
        client.chat.join("flooder", "flood") as flooder,
    ):
        for i in range(12):
            await flooder.send(f"m{i}")
        notices, echoed = [], []
        async with asyncio.timeout(5):
            async for event in flooder:
                if isinstance(event, Notice):
                    notices.append(event)
                elif isinstance(event, RoomMessage):
                    echoed.append(event.text)
                if len(notices) + len(echoed) == 12:
                    break
        assert echoed == [f"m{i}" for i in range(5)]  # a burst of one second's worth
        assert {n.status.value for n in notices} == {RESOURCE_EXHAUSTED}
        assert "at most 5 per second" in notices[0].text
        heard = []
        async with asyncio.timeout(5):
            async for event in listener:
                if isinstance(event, RoomMessage):
                    heard.append(event.text)
                    if len(heard) == len(echoed):
                        break
        assert heard == echoed
        await flooder.send("still here")  # the session goes on


async def guesses_until_refused(client: AsyncTp3Client, names: list[str]) -> tuple[int, str]:
    """Unary guesses, one name each, until one is refused: (how many went through, why)."""
    accepted = 0
    with pytest.raises(Tp3RpcError) as caught:
        for name in names:
            await client.game.guess(name, 1)
            accepted += 1
    assert caught.value.status.value == RESOURCE_EXHAUSTED
    return accepted, caught.value.message


async def test_one_client_under_many_names_is_limited_per_connection_and_address(
    server: Tp3Server,
) -> None:
    """One client using 1,000 names found the secret in 0.73 s: the limit was per name."""
    names = [f"n{i}" for i in range(50)]
    async with AsyncTp3Client(f"127.0.0.1:{server.port}") as first:
        accepted, why = await guesses_until_refused(first, names)
    assert accepted == GAME.guesses_per_second
    assert "at most 5 per second" in why
    async with AsyncTp3Client(f"127.0.0.1:{server.port}") as second:  # same address
        accepted, why = await guesses_until_refused(second, names[25:])
    assert accepted == GAME.client_guesses_per_second - GAME.guesses_per_second
    assert "from 127.0.0.1" in why
    # another address still plays
    raw = await RawH2().connect(server.port or 0, source="127.0.0.2")
    try:
        body = bytes(game_pb.GuessRequest(player="elsewhere", number=1))
        path = "/tp3.game.v1.GuessingGame/Guess"
        reply = await raw.reply(raw.request(path, grpc_frame(body)))
        assert reply.status == 0, reply.message
    finally:
        await raw.close()
