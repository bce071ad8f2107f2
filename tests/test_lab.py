"""The lab's own contract (protos/lab: BankService, Chat, Jeu) on a real server over TCP, with
its generated stubs: tp3's real converter, chat room and game behind the lab's names."""

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import replace

import pytest
from conftest import MAD_USD, secrets_from
from grpclib import GRPCError
from grpclib.client import Channel
from grpclib.const import Status
from support import WAIT, closable, next_of

from tp3.chat.events import RoomMessage
from tp3.client import AsyncTp3Client
from tp3.game.backend import GameLimits, InMemoryGameBackend
from tp3.game.events import GameOver
from tp3.generated import (
    BankServiceStub,
    ChatStub,
    ConvertCurrencyRequest,
    ConvertCurrencyResponse,
    Empty,
    GuessRequest,
    JeuStub,
    Message,
    Result,
)
from tp3.server import Tp3Server


@pytest.fixture
async def lab_server(server: Tp3Server) -> AsyncIterator[Tp3Server]:
    """Quotes every 10 ms; rounds whose secrets are 500, 250, 750..., a short pause."""
    game = InMemoryGameBackend(
        GameLimits(pause=0.1, guesses_per_second=1000), draw=secrets_from(500, 250, 750, 125)
    )
    config = replace(server.config, port=0, lab_quote_interval=0.01)
    async with Tp3Server(config, game_backend=game) as running:
        yield running


@pytest.fixture
async def channel(lab_server: Tp3Server) -> AsyncIterator[Channel]:
    opened = Channel("127.0.0.1", lab_server.port)
    yield opened
    opened.close()


@pytest.fixture
def bank(channel: Channel) -> BankServiceStub:
    return BankServiceStub(channel, timeout=WAIT)


def request(amount: float, from_: str = "", to: str = "") -> ConvertCurrencyRequest:
    return ConvertCurrencyRequest(currency_from=from_, currency_to=to, amount=amount)


async def tp3_converts(server: Tp3Server, amount: str, from_: str, to: str) -> float:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}", timeout=WAIT) as tp3:
        return float((await tp3.currency.convert(amount, from_, to)).converted_amount)


async def refused(call: Callable[[], Awaitable[object]]) -> GRPCError:
    with pytest.raises(GRPCError) as raised:
        await call()
    return raised.value


async def test_6500_dh_to_usd_is_tp3s_6500_mad_to_usd(bank: BankServiceStub) -> None:
    answer = await bank.convert(request(6500, "DH", "USD"))
    assert answer == ConvertCurrencyResponse(
        currency_from="MAD",  # DH, the dirham's local abbreviation the lab's clients send
        currency_to="USD",
        amount=6500.0,
        result=float(MAD_USD["converted_amount"]),
    )
    assert (await bank.convert(request(6500, "dh", "usd"))).result == answer.result


async def test_a_double_is_rounded_to_its_currencys_minor_units_first(
    bank: BankServiceStub, lab_server: Tp3Server
) -> None:
    """The original's clients send Math.random() * 7000: 13 decimal places of a double."""
    answer = await bank.convert(request(4521.123456789012, "MAD", "JPY"))
    assert answer.amount == 4521.12
    assert answer.result == await tp3_converts(lab_server, "4521.12", "MAD", "JPY")
    assert answer.result == int(answer.result)  # yen have no minor units


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"currency_from": "XX"}, "currencyFrom: 'XX' is not a currency code"),
        ({"currency_to": "ZZZ"}, "currencyTo: ZZZ is not supported"),
        ({"amount": -1.0}, "amount: must not be negative"),
        ({"amount": math.nan}, "amount: must be a finite number"),
        ({"amount": math.inf}, "amount: must be a finite number"),
        ({"amount": 1e20}, "amount: must be less than 10^15"),
    ],
)
async def test_a_bad_request_is_refused_naming_the_labs_field(
    bank: BankServiceStub, fields: dict[str, object], problem: str
) -> None:
    bad = replace(request(6500, "DH", "USD"), **fields)  # type: ignore[arg-type]
    error = await refused(lambda: bank.convert(bad))
    assert error.status is Status.INVALID_ARGUMENT
    assert problem in str(error.message)


async def test_get_currency_stream_quotes_the_amount_twenty_times(bank: BankServiceStub) -> None:
    quotes = [q async for q in bank.get_currency_stream(request(6500, "DH", "USD"))]
    assert len(quotes) == 20
    assert {(q.currency_from, q.currency_to, q.amount) for q in quotes} == {("MAD", "USD", 6500)}
    for quote in quotes:  # a walk around the reference rate, in cents
        assert quote.result == pytest.approx(708.68, rel=0.05)
        assert round(quote.result, 2) == quote.result
    assert len({q.result for q in quotes}) > 1
    same = await refused(lambda: anext(bank.get_currency_stream(request(1, "DH", "MAD"))))
    assert same.status is Status.INVALID_ARGUMENT
    assert "currencyTo: MAD is the base currency too" in str(same.message)


async def test_perform_stream_totals_what_it_is_sent(
    bank: BankServiceStub, lab_server: Tp3Server
) -> None:
    """The original's client sends amounts alone: MAD to USD, and the answer says so."""
    total = await bank.perform_stream([request(100), request(200.5), request(4521.123)])
    parts = [await tp3_converts(lab_server, a, "MAD", "USD") for a in ("100", "200.5", "4521.12")]
    assert (total.currency_from, total.currency_to) == ("MAD", "USD")
    assert total.amount == pytest.approx(4821.62)
    assert total.result == pytest.approx(sum(parts))  # each rounded on its own, then summed
    euros = await bank.perform_stream([request(10, "EUR", "USD"), request(5)])
    assert (euros.currency_from, euros.currency_to, euros.amount) == ("EUR", "USD", 15.0)
    mixed = await bank.perform_stream([request(10, "EUR", "USD"), request(5, "MAD")])
    assert (mixed.currency_from, mixed.amount) == ("", 0.0)  # no one currency to total in
    assert mixed.result == pytest.approx(
        await tp3_converts(lab_server, "10", "EUR", "USD")
        + await tp3_converts(lab_server, "5", "MAD", "USD")
    )


async def test_perform_stream_refuses_an_empty_stream_and_a_second_target(
    bank: BankServiceStub,
) -> None:
    empty = await refused(lambda: bank.perform_stream([]))
    assert empty.status is Status.INVALID_ARGUMENT
    assert "empty" in str(empty.message)
    second = await refused(
        lambda: bank.perform_stream([request(1, "EUR", "USD"), request(1, "EUR", "JPY")])
    )
    assert second.status is Status.INVALID_ARGUMENT
    assert "converts to USD" in str(second.message)


async def test_full_currency_stream_answers_each_request_with_the_last_pair(
    bank: BankServiceStub, lab_server: Tp3Server
) -> None:
    answers = [
        a
        async for a in bank.full_currency_stream(
            [request(100), request(10, "EUR", "JPY"), request(20)]
        )
    ]
    assert [(a.currency_from, a.currency_to, a.amount) for a in answers] == [
        ("MAD", "USD", 100.0),
        ("EUR", "JPY", 10.0),
        ("EUR", "JPY", 20.0),
    ]
    assert answers[2].result == await tp3_converts(lab_server, "20", "EUR", "JPY")


class LabChatter:
    """A lab Chat client: sends what it is given, keeps what it receives."""

    def __init__(self, channel: Channel) -> None:
        self._outbox: asyncio.Queue[Message | None] = asyncio.Queue()
        self.received: asyncio.Queue[Message] = asyncio.Queue()
        self._task = asyncio.create_task(self._run(ChatStub(channel, timeout=WAIT)))

    async def _requests(self) -> AsyncIterator[Message]:
        while (message := await self._outbox.get()) is not None:
            yield message

    async def _run(self, stub: ChatStub) -> None:
        async for message in stub.chat(self._requests()):
            await self.received.put(message)

    def say(self, user_id: str, text: str) -> None:
        self._outbox.put_nowait(Message(user_id=user_id, text=text))

    async def next_from(self, user_id: str) -> Message:
        async with asyncio.timeout(WAIT):
            while (message := await self.received.get()).user_id != user_id:
                pass
        return message

    async def close(self) -> None:
        self._outbox.put_nowait(None)
        async with asyncio.timeout(WAIT):
            await self._task


async def test_a_lab_client_and_a_tp3_member_talk_in_the_lobby(
    channel: Channel, lab_server: Tp3Server
) -> None:
    async with (
        AsyncTp3Client(f"127.0.0.1:{lab_server.port}", timeout=WAIT) as tp3,
        tp3.chat.join("bob", "lobby") as bob,
        aclosing(bob.events()) as bobs,
    ):
        lab = LabChatter(channel)
        lab.say("Client", "bonjour")  # the original's client is always "Client"
        said = await next_of(bobs, RoomMessage)
        assert (said.sender, said.text) == ("Client", "bonjour")
        echo = await lab.next_from("Client")  # the room's order includes its own
        assert echo.text == "bonjour"
        assert echo.timestamp is not None
        assert echo.timestamp.year >= 2026
        await bob.send("salut Client")
        assert (await lab.next_from("bob")).text == "salut Client"
        await bob.send("psst", to="Client")
        assert (await lab.next_from("bob")).text == "(private) psst"
        lab.say("Client", "   ")  # refused alone: said in-band, the session goes on
        assert (await lab.next_from("tp3")).text.startswith("error: text")
        lab.say("Client", "encore")
        assert (await lab.next_from("Client")).text == "encore"
        await lab.close()
    assert await lab_server.chat_backend.rooms() == []  # both left: the lobby is gone


@asynccontextmanager
async def lab_player(
    channel: Channel, name: str
) -> AsyncIterator[tuple[asyncio.Queue[int], asyncio.Queue[Result]]]:
    """A lab Guess stream: put guesses in the first queue, read results from the second."""
    guesses: asyncio.Queue[int] = asyncio.Queue()
    results: asyncio.Queue[Result] = asyncio.Queue()

    async def requests() -> AsyncIterator[GuessRequest]:
        while (guess := await guesses.get()) >= 0:
            yield GuessRequest(guess=guess, username=name)

    async def run() -> None:
        async for result in JeuStub(channel, timeout=WAIT).guess(requests()):
            await results.put(result)

    task = asyncio.create_task(run())
    try:
        yield guesses, results
    finally:
        guesses.put_nowait(-1)
        async with asyncio.timeout(WAIT):
            await task


async def answer(guesses: asyncio.Queue[int], results: asyncio.Queue[Result], n: int) -> str:
    guesses.put_nowait(n)
    async with asyncio.timeout(WAIT):
        return (await results.get()).message


async def test_a_lab_player_wins_a_round_in_the_labs_words(
    channel: Channel, lab_server: Tp3Server
) -> None:
    jeu = JeuStub(channel, timeout=WAIT)
    not_yet = await refused(lambda: jeu.stop(Empty()))
    assert not_yet.status is Status.FAILED_PRECONDITION
    assert "pas encore terminé" in str(not_yet.message)
    async with (
        AsyncTp3Client(f"127.0.0.1:{lab_server.port}", timeout=WAIT) as tp3,
        tp3.game.play("bob") as bob,
        aclosing(bob.events()) as bobs,
        aclosing(closable(jeu.start(Empty()))) as start,
        lab_player(channel, "lab") as (guesses, results),
    ):
        opening = await anext(start)
        assert opening.message.startswith("Le jeu a commencé (manche 1) : devinez un nombre")
        assert await answer(guesses, results, 250) == "Votre nombre est plus petit"
        assert await answer(guesses, results, 750) == "Votre nombre est plus grand"
        guesses.put_nowait(500)
        async with asyncio.timeout(WAIT):
            won = await results.get()
        assert won == Result(message="BRAVO vous avez gagné en 3 essais", winner="lab")
        over = await next_of(bobs, GameOver)
        assert (over.winner, over.secret) == ("lab", 500)
        ended = [r async for r in start]  # Start ends with the round, as the original's
        assert ended == [Result(message="Jeu terminé, le gagnant est lab", winner="lab")]
    stop = await jeu.stop(Empty())
    assert stop == Result(
        message="Jeu terminé, le gagnant est lab et le nombre secret était 500", winner="lab"
    )


async def test_a_lab_player_hears_that_a_tp3_player_won(
    channel: Channel, lab_server: Tp3Server
) -> None:
    async with (
        AsyncTp3Client(f"127.0.0.1:{lab_server.port}", timeout=WAIT) as tp3,
        tp3.game.play("bob") as bob,
        lab_player(channel, "lab") as (guesses, results),
    ):
        assert await answer(guesses, results, 1) == "Votre nombre est plus petit"
        await bob.guess(500)
        async with asyncio.timeout(WAIT):
            over = await results.get()
        assert over == Result(message="Jeu terminé, le gagnant est bob", winner="bob")
        out_of_range = await answer(guesses, results, 5000)  # refused alone, in-band
        assert "5000" in out_of_range


async def test_no_lab_compat_serves_tp3s_contract_alone(server: Tp3Server) -> None:
    config = replace(server.config, port=0, lab_compat=False)
    async with Tp3Server(config) as plain:
        opened = Channel("127.0.0.1", plain.port)
        try:
            error = await refused(
                lambda: BankServiceStub(opened, timeout=WAIT).convert(request(1, "EUR", "USD"))
            )
        finally:
            opened.close()
    assert error.status is Status.UNIMPLEMENTED
    assert "does not serve 'BankService'" in str(error.message)
