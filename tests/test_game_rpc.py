"""The guessing game end to end: typed client -> real TCP on 127.0.0.1 -> server, with the
secrets chosen by the test through an injected source (never through the API)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import secrets_from
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from support import WAIT, eventually, next_of, silent_server

from tp3.client import AsyncTp3Client, GameSession, Tp3RpcError
from tp3.game.backend import GameLimits, InMemoryGameBackend
from tp3.game.events import (
    GameOver,
    Hint,
    Notice,
    RoundInfo,
    RoundStarted,
    ScoreboardChanged,
    Verdict,
    Watching,
)
from tp3.generated.tp3.game import v1 as pb
from tp3.server import Tp3Server


@pytest.fixture
async def game_server(server: Tp3Server) -> AsyncIterator[Tp3Server]:
    """A server whose rounds' secrets are 500, 250, 750, 125..., with a short pause."""
    backend = InMemoryGameBackend(
        GameLimits(pause=0.1, guesses_per_second=1000),
        draw=secrets_from(500, 250, 750, 125, 875, 63, 937),
    )
    async with Tp3Server(replace(server.config, port=0), game_backend=backend) as running:
        yield running


@pytest.fixture
async def tp3(game_server: Tp3Server) -> AsyncIterator[AsyncTp3Client]:
    async with AsyncTp3Client(f"127.0.0.1:{game_server.port}", timeout=5) as client:
        yield client


async def hint_and_game_over(session: GameSession) -> tuple[Hint, GameOver]:
    """Both, in whichever order they come (a loser may hear of the win before its hint)."""
    hint, over = None, None
    async with asyncio.timeout(WAIT):
        async for event in session:
            if isinstance(event, Hint):
                hint = event
            elif isinstance(event, GameOver):
                over = event
            if hint and over:
                return hint, over
    raise AssertionError("the session ended first")


async def hint_for(session: GameSession, number: int) -> Hint:
    await session.guess(number)
    return await next_of(session.events(), Hint)


async def test_hints_for_above_below_and_equal(tp3: AsyncTp3Client) -> None:
    async with tp3.game.play("alice") as alice:
        assert alice.joined.round.number == 1
        assert (alice.joined.round.low, alice.joined.round.high) == (1, 1000)
        assert (await hint_for(alice, 600)).verdict is Verdict.TOO_HIGH
        assert (await hint_for(alice, 400)).verdict is Verdict.TOO_LOW
        won = await hint_for(alice, 500)
        assert (won.verdict, won.attempts, won.winner) == (Verdict.CORRECT, 3, "alice")


async def test_the_winner_is_told_to_every_player_and_spectator(tp3: AsyncTp3Client) -> None:
    async with (
        tp3.game.play("alice") as alice,
        tp3.game.play("bob") as bob,
        aclosing(tp3.game.watch()) as spectator,
    ):
        assert isinstance(await anext(spectator), Watching)
        assert (await hint_for(bob, 500)).verdict is Verdict.CORRECT
        for events in (alice.events(), bob.events(), spectator):
            over = await next_of(events, GameOver)
            assert (over.round, over.winner, over.secret, over.attempts) == (1, "bob", 500, 1)
        board = await next_of(spectator, ScoreboardChanged)
        assert [(p.name, p.wins) for p in board.scoreboard.players] == [("bob", 1)]


async def test_the_next_round_starts_by_itself_with_another_secret(tp3: AsyncTp3Client) -> None:
    async with tp3.game.play("alice") as alice:
        await alice.guess(500)
        first = await next_of(alice.events(), GameOver)
        started = await next_of(alice.events(), RoundStarted)
        assert started.round.number == 2
        assert started.time >= first.next_round_at - first.next_round_at.resolution
        assert (await hint_for(alice, 500)).verdict is Verdict.TOO_HIGH  # no longer 500
        assert (await hint_for(alice, 250)).verdict is Verdict.CORRECT
        second = await next_of(alice.events(), GameOver)
    assert (first.secret, second.secret) == (500, 250)


async def test_who_arrives_between_rounds_is_told_when_the_next_starts(server: Tp3Server) -> None:
    """A player joining and a spectator watching during the pause see the round closed, with
    the start of the next one that the game over announced; an open round has none."""
    backend = InMemoryGameBackend(GameLimits(pause=60), draw=secrets_from(500))
    async with (
        Tp3Server(replace(server.config, port=0), game_backend=backend) as paused,
        AsyncTp3Client(f"127.0.0.1:{paused.port}", timeout=5) as tp3,
        tp3.game.play("alice") as alice,
    ):
        assert alice.joined.round.next_round_at is None
        await alice.guess(500)
        over = await next_of(alice.events(), GameOver)
        async with tp3.game.play("bob") as bob, aclosing(tp3.game.watch()) as spectator:
            watching = await anext(spectator)
            assert isinstance(watching, Watching)
            expected = RoundInfo(1, 1, 1000, False, over.next_round_at)
            assert bob.joined.round == watching.round == expected
            assert over.next_round_at - over.time == timedelta(seconds=60)


async def test_fifty_simultaneous_correct_guesses_make_exactly_one_winner(
    game_server: Tp3Server,
) -> None:
    names = [f"p{i:02}" for i in range(50)]
    async with contextlib.AsyncExitStack() as stack:
        clients = [  # 10 connections: HTTP/2 allows ~100 streams each, and it is more real
            await stack.enter_async_context(AsyncTp3Client(f"127.0.0.1:{game_server.port}"))
            for _ in range(10)
        ]
        players = [
            await stack.enter_async_context(clients[i % 10].game.play(name))
            for i, name in enumerate(names)
        ]
        await asyncio.gather(*(p.guess(500) for p in players))
        outcomes = await asyncio.gather(*(hint_and_game_over(p) for p in players))
        hints = [hint for hint, _ in outcomes]
        overs = [over for _, over in outcomes]
    verdicts = [h.verdict for h in hints]
    assert verdicts.count(Verdict.CORRECT) == 1
    assert verdicts.count(Verdict.ROUND_OVER) == 49
    winner = names[verdicts.index(Verdict.CORRECT)]
    assert {h.winner for h in hints} == {winner}
    assert {(o.round, o.winner) for o in overs} == {(1, winner)}


async def test_bad_guesses_are_notices_and_the_session_goes_on(tp3: AsyncTp3Client) -> None:
    async with tp3.game.play("alice") as alice:
        for bad in (0, 1001, -3):
            await alice.guess(bad)
            notice = await next_of(alice.events(), Notice)
            assert notice.status is Status.INVALID_ARGUMENT
            assert f"number: must be between 1 and 1000, got {bad}" in notice.text
        assert (await hint_for(alice, 10)).verdict is Verdict.TOO_LOW


async def test_a_unary_guess_gets_the_same_hint(tp3: AsyncTp3Client) -> None:
    assert (await tp3.game.guess("carol", 999)).verdict is Verdict.TOO_HIGH
    hint = await tp3.game.guess("carol", 500)
    assert (hint.verdict, hint.attempts) == (Verdict.CORRECT, 2)
    with pytest.raises(Tp3RpcError) as caught:
        await tp3.game.guess("carol", 5000)
    assert caught.value.status is Status.INVALID_ARGUMENT


async def test_guessing_before_joining_is_failed_precondition(game_server: Tp3Server) -> None:
    channel = Channel("127.0.0.1", game_server.port)
    try:
        stub = pb.GuessingGameStub(channel)
        with pytest.raises(GRPCError) as caught:
            async for _ in stub.play([pb.PlayRequest(guess=pb.Guess(number=5))], timeout=WAIT):
                pytest.fail("no event expected")
    finally:
        channel.close()
    assert caught.value.status is Status.FAILED_PRECONDITION
    assert "join first" in (caught.value.message or "")


async def test_a_name_already_playing_is_already_exists(tp3: AsyncTp3Client) -> None:
    async with tp3.game.play("alice"):
        with pytest.raises(Tp3RpcError) as caught:
            async with tp3.game.play("ALICE"):
                pytest.fail("joined twice")
        assert caught.value.status is Status.ALREADY_EXISTS
        with pytest.raises(Tp3RpcError) as unary:
            await tp3.game.guess("alice", 5)  # the unary path can't borrow a player's name
        assert unary.value.status is Status.ALREADY_EXISTS
        with pytest.raises(Tp3RpcError) as look_alike:
            async with tp3.game.play("\u0430lice"):  # a Cyrillic a
                pytest.fail("a look-alike joined")
        assert look_alike.value.status is Status.ALREADY_EXISTS
        assert "looks like 'alice'" in look_alike.value.message


async def test_too_many_guesses_per_second_get_a_notice(server: Tp3Server) -> None:
    backend = InMemoryGameBackend(GameLimits(guesses_per_second=5), draw=secrets_from(999))
    async with (
        Tp3Server(replace(server.config, port=0), game_backend=backend) as limited,
        AsyncTp3Client(f"127.0.0.1:{limited.port}") as client,
        client.game.play("eager") as eager,
    ):
        for number in range(1, 21):
            await eager.guess(number)
        hints, notices = 0, []
        async with asyncio.timeout(WAIT):
            async for event in eager:
                if isinstance(event, Hint):
                    hints += 1
                elif isinstance(event, Notice):
                    notices.append(event)
                if hints + len(notices) == 20:
                    break
    assert 5 <= hints < 20  # a burst of 5, and perhaps a token or two refilled meanwhile
    assert {n.status for n in notices} == {Status.RESOURCE_EXHAUSTED}
    assert "too many guesses: at most 5 per second" in notices[0].text


async def test_a_player_whose_connection_dies_mid_round_is_cleaned_up(
    game_server: Tp3Server, tp3: AsyncTp3Client
) -> None:
    backend = game_server.game_backend
    assert isinstance(backend, InMemoryGameBackend)  # the fixture's, which counts its players
    async with tp3.game.play("stays") as stays:
        doomed = AsyncTp3Client(f"127.0.0.1:{game_server.port}")
        session = doomed.game.play("doomed")
        await session.__aenter__()
        await session.guess(100)
        await next_of(session.events(), Hint)
        assert backend.player_count == 2
        doomed.close()  # killed: no leave
        await eventually(lambda: backend.player_count == 1)
        async with tp3.game.play("doomed") as again:  # the name is free again
            assert again.joined.round.number == 1
        assert (await hint_for(stays, 500)).verdict is Verdict.CORRECT
    await eventually(lambda: not game_server.game.active_sessions)
    assert backend.player_count == 0


async def test_the_scoreboard(tp3: AsyncTp3Client) -> None:
    assert (await tp3.game.scoreboard()).players == ()
    await tp3.game.guess("dora", 500)
    board = await tp3.game.scoreboard()
    assert [(p.name, p.wins, p.best_attempts) for p in board.players] == [("dora", 1, 1)]
    assert [(r.round, r.winner, r.secret) for r in board.recent_rounds] == [(1, "dora", 500)]


async def test_no_rpc_and_no_info_log_reveals_the_secret_before_the_round_ends(
    server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    backend = InMemoryGameBackend(GameLimits(pause=60), draw=secrets_from(737))
    seen: list[str] = []
    async with (
        Tp3Server(replace(server.config, port=0), game_backend=backend) as hidden,
        AsyncTp3Client(f"127.0.0.1:{hidden.port}") as client,
        client.game.play("alice") as alice,
        aclosing(client.game.watch()) as spectator,
    ):
        seen.append(repr(alice.joined))
        seen.append(repr(await anext(spectator)))
        for guess in (500, 750, 625, 700):
            seen.append(repr(await hint_for(alice, guess)))
        seen.append(repr(await client.game.scoreboard()))
        seen += [r.getMessage() for r in caplog.records]
        assert not any("737" in text for text in seen)
        await alice.guess(737)
        over = await next_of(alice.events(), GameOver)
    assert over.secret == 737  # revealed once the round is over


async def test_watching_a_server_that_never_answers_hits_the_deadline() -> None:
    """The spectator's first event proves the stream open: a silent peer can't hang it."""
    async with silent_server() as port, AsyncTp3Client(f"127.0.0.1:{port}", timeout=0.3) as hung:
        with pytest.raises(Tp3RpcError) as caught:
            async with aclosing(hung.game.watch()) as events:
                await anext(events)
    assert caught.value.status is Status.DEADLINE_EXCEEDED
    assert "within 0.3s" in caught.value.message
