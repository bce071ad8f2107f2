"""Every CurrencyService RPC end to end: typed client -> real TCP on 127.0.0.1 -> server."""

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from conftest import SEED
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from support import closable, eventually, silent_server

from tp3.client import (
    AsyncTp3Client,
    BatchItem,
    ConversionRejected,
    ConversionRequest,
    Tp3RpcError,
)
from tp3.currency.models import Conversion
from tp3.generated.tp3.currency import v1 as pb
from tp3.server import ServerConfig, Tp3Server

FAST = timedelta(milliseconds=10)
T = TypeVar("T")


# --- Convert (unary) ---------------------------------------------------------------------


async def test_convert(client: AsyncTp3Client) -> None:
    conversion = await client.currency.convert(Decimal("6500"), "MAD", "USD")
    assert conversion.converted_amount == Decimal("708.68")
    assert conversion.rate == Decimal("0.1090284084")
    assert conversion.rate_date.isoformat() == "2026-02-20"
    assert conversion.amount == Decimal("6500")


async def test_convert_keeps_money_exact_on_the_wire(client: AsyncTp3Client) -> None:
    conversion = await client.currency.convert("0.1", "EUR", "EUR")
    assert conversion.converted_amount == Decimal("0.10")
    assert str(conversion.converted_amount) == "0.10"


@pytest.mark.parametrize(
    ("amount", "from_code", "to_code", "message"),
    [
        ("1", "XXX", "USD", "from_currency: XXX is not supported"),
        ("1", "EUR", "ZZZ", "to_currency: ZZZ is not supported"),
        ("1", "EU", "USD", "from_currency: 'EU' is not a currency code"),
        ("1", "EUR", "", "to_currency: is required"),
        ("abc", "EUR", "USD", "amount: 'abc' is not a decimal number"),
        ("", "EUR", "USD", "amount: is required"),
        ("-5", "EUR", "USD", "amount: must not be negative"),
        ("NaN", "EUR", "USD", "amount: must be a finite number"),
        ("Infinity", "EUR", "USD", "amount: must be a finite number"),
        ("1e300", "EUR", "USD", "amount: must be less than 10^15"),
        ("0.123456789012", "EUR", "USD", "amount: has more than 10 decimal places"),
    ],
)
async def test_bad_convert_input_is_invalid_argument_naming_the_field(
    client: AsyncTp3Client, amount: str, from_code: str, to_code: str, message: str
) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        await client.currency.convert(amount, from_code, to_code)
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert message in caught.value.message
    # and the server keeps serving
    assert (await client.currency.convert("1", "EUR", "USD")).converted_amount == Decimal("1.18")


async def test_floats_are_refused_by_the_client(client: AsyncTp3Client) -> None:
    with pytest.raises(TypeError, match="exact"):
        await client.currency.convert(0.1, "EUR", "USD")  # type: ignore[arg-type]


async def test_one_line_per_rpc_in_the_access_log(
    client: AsyncTp3Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tp3.rpc")
    await client.currency.convert("1", "EUR", "USD")
    with pytest.raises(Tp3RpcError):
        await client.currency.convert("1", "EUR", "XXX")
    lines = [r.getMessage() for r in caplog.records if r.name == "tp3.rpc"]
    assert len(lines) == 2
    assert lines[0].startswith("/tp3.currency.v1.CurrencyService/Convert peer=127.0.0.1:")
    assert "status=OK duration=" in lines[0]
    assert "status=INVALID_ARGUMENT" in lines[1]
    assert "XXX is not supported" in lines[1]


# --- StreamQuotes (server streaming) -----------------------------------------------------


async def test_quotes_stream_count_ticks_in_order(client: AsyncTp3Client) -> None:
    ticks = [t async for t in client.currency.quotes("eur", "usd", count=5, interval=FAST)]
    assert [t.sequence for t in ticks] == [1, 2, 3, 4, 5]
    assert {(t.base_currency, t.quote_currency) for t in ticks} == {("EUR", "USD")}
    assert all(t.reference_rate == Decimal("1.1767") for t in ticks)
    assert all(abs(t.rate / t.reference_rate - 1) < Decimal("0.01") for t in ticks)
    assert [t.time for t in ticks] == sorted(t.time for t in ticks)
    assert all(t.time.tzinfo is not None for t in ticks)


async def test_quotes_keep_the_interval(client: AsyncTp3Client) -> None:
    interval = timedelta(milliseconds=100)
    ticks = [t async for t in client.currency.quotes("EUR", "GBP", count=4, interval=interval)]
    span = ticks[-1].time - ticks[0].time
    assert span >= 3 * interval * 0.9  # ticks are paced by the server, not sent in a burst


@pytest.mark.slow
async def test_quotes_default_to_ten_ticks(server: Tp3Server) -> None:
    channel = Channel("127.0.0.1", server.port)
    try:
        stub = pb.CurrencyServiceStub(channel)
        request = pb.StreamQuotesRequest(base_currency="EUR", quote_currency="USD")
        first = [t async for t in _take(stub.stream_quotes(request, timeout=5), 2)]
    finally:
        channel.close()
    assert [t.sequence for t in first] == [1, 2]
    # default interval: about a second between the first two ticks
    [one, two] = [t.time for t in first]
    assert one is not None
    assert two is not None
    assert two - one >= timedelta(milliseconds=900)


async def _take(stream: AsyncIterator[T], n: int) -> AsyncIterator[T]:
    """The first `n` items of a server stream, which is then closed (cancelled)."""
    async with aclosing(closable(stream)) as ticks:
        async for tick in ticks:
            yield tick
            n -= 1
            if n == 0:
                return


async def test_seeded_server_replays_the_same_quotes(client: AsyncTp3Client) -> None:
    async def rates() -> list[Decimal]:
        return [t.rate async for t in client.currency.quotes("EUR", "JPY", count=5, interval=FAST)]

    assert await rates() == await rates()


async def test_cancelling_a_quote_stream_stops_the_server_generator(
    server: Tp3Server, client: AsyncTp3Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tp3.rpc")
    ticks = client.currency.quotes("EUR", "USD", count=100_000, interval=FAST)
    async with aclosing(ticks):
        async for tick in ticks:
            assert server.currency.active_quote_streams == 1
            if tick.sequence == 3:
                break
    await eventually(lambda: server.currency.active_quote_streams == 0)
    await eventually(lambda: any("status=CANCELLED" in r.getMessage() for r in caplog.records))


async def test_a_quote_stream_past_its_deadline_fails_and_stops(
    server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tp3.rpc")
    channel = Channel("127.0.0.1", server.port)
    stub = pb.CurrencyServiceStub(channel)
    request = pb.StreamQuotesRequest(
        base_currency="EUR", quote_currency="USD", count=100, interval=timedelta(seconds=1)
    )
    received = []
    try:
        with pytest.raises(TimeoutError):  # grpclib's client side of DEADLINE_EXCEEDED
            async for tick in stub.stream_quotes(request, timeout=0.3):
                received.append(tick)
    finally:
        channel.close()
    assert len(received) == 1  # the first tick is immediate, the second a second later
    await eventually(lambda: server.currency.active_quote_streams == 0)
    # the client resets the stream when its deadline fires, usually just before the server's
    # own copy of the deadline expires: either way the server logs the RPC as ended
    await eventually(
        lambda: any(
            "status=CANCELLED" in r.getMessage() or "status=DEADLINE_EXCEEDED" in r.getMessage()
            for r in caplog.records
        )
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": 0}, "count: must be between 1 and 100000"),
        ({"count": 100_001}, "count: must be between 1 and 100000"),
        ({"interval": timedelta(0)}, "interval: must be between 10ms and 60s"),
        ({"interval": timedelta(minutes=2)}, "interval: must be between 10ms and 60s"),
    ],
)
async def test_bad_quote_requests_are_invalid_argument(
    client: AsyncTp3Client, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        async for _ in client.currency.quotes("EUR", "USD", **kwargs):  # type: ignore[arg-type]
            pytest.fail("no tick expected")
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert message in caught.value.message


async def test_bad_quote_pair_is_invalid_argument(client: AsyncTp3Client) -> None:
    with pytest.raises(Tp3RpcError, match="quote_currency: XXX is not supported"):
        async for _ in client.currency.quotes("EUR", "XXX", count=1):
            pytest.fail("no tick expected")


async def test_a_pair_of_one_currency_has_no_quotes(client: AsyncTp3Client) -> None:
    """EUR/EUR is 1, always: a stream drifting around it (1.00100) would be wrong."""
    with pytest.raises(Tp3RpcError, match="quote_currency: EUR is the base currency too"):
        async for _ in client.currency.quotes("EUR", "eur", count=1):
            pytest.fail("no tick expected")


# --- ConvertBatch (client streaming) -----------------------------------------------------


async def test_batch_totals_and_subtotals(client: AsyncTp3Client) -> None:
    items = [BatchItem("100", "EUR"), BatchItem("6500", "MAD"), BatchItem(Decimal("3"), "EUR")]
    summary = await client.currency.convert_batch(items, "USD")
    assert summary.to_currency == "USD"
    assert summary.item_count == 3
    assert summary.total == Decimal("829.88")  # 117.67 + 708.68 + 3.53
    assert [
        (s.from_currency, s.item_count, s.amount, s.converted_amount) for s in summary.subtotals
    ] == [
        ("EUR", 2, Decimal("103"), Decimal("121.20")),
        ("MAD", 1, Decimal("6500"), Decimal("708.68")),
    ]


async def test_batch_accepts_an_async_stream_of_items(client: AsyncTp3Client) -> None:
    async def items() -> AsyncIterator[BatchItem]:
        for _ in range(1000):
            yield BatchItem("0.01", "EUR")

    summary = await client.currency.convert_batch(items(), "EUR")
    assert summary.item_count == 1000
    assert summary.total == Decimal("10.00")


async def test_empty_batch_is_invalid(client: AsyncTp3Client) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        await client.currency.convert_batch([], "USD")
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert "the batch is empty" in caught.value.message


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([BatchItem("1", "EUR"), BatchItem("-1", "EUR")], "item 2: amount: must not be negative"),
        ([BatchItem("1", "EUR"), BatchItem("1", "XXX")], "item 2: from_currency: XXX"),
        ([BatchItem("x", "EUR")], "item 1: amount: 'x' is not a decimal number"),
    ],
)
async def test_a_bad_batch_item_fails_the_batch_naming_the_item(
    client: AsyncTp3Client, items: list[BatchItem], message: str
) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        await client.currency.convert_batch(items, "USD")
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert message in caught.value.message


async def test_batch_to_an_unknown_currency_is_invalid(client: AsyncTp3Client) -> None:
    with pytest.raises(Tp3RpcError, match="item 1: to_currency: XXX is not supported"):
        await client.currency.convert_batch([BatchItem("1", "EUR")], "XXX")


# --- ConvertStream (bidirectional) -------------------------------------------------------


async def test_stream_answers_each_request_while_the_client_keeps_sending(
    client: AsyncTp3Client,
) -> None:
    """The next request is only sent after the previous answer arrived: true bidi."""
    outbox: asyncio.Queue[ConversionRequest | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[ConversionRequest]:
        while (request := await outbox.get()) is not None:
            yield request

    replies = client.currency.convert_stream(requests())
    async with aclosing(replies):
        await outbox.put(ConversionRequest("6500", "MAD", "USD"))
        first = await asyncio.wait_for(anext(replies), 5)
        await outbox.put(ConversionRequest("100", "EUR", "JPY"))
        second = await asyncio.wait_for(anext(replies), 5)
        await outbox.put(None)
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(replies), 5)
    assert first.sequence == 1
    assert isinstance(first.outcome, Conversion)
    assert first.outcome.converted_amount == Decimal("708.68")
    assert second.sequence == 2
    assert isinstance(second.outcome, Conversion)
    assert second.outcome.converted_amount == Decimal("18263")


async def test_a_bad_stream_request_is_answered_in_band_and_the_stream_goes_on(
    client: AsyncTp3Client,
) -> None:
    requests = [
        ConversionRequest("1", "EUR", "USD"),
        ConversionRequest("-1", "EUR", "USD"),
        ConversionRequest("1", "EUR", "XXX"),
        ConversionRequest("2", "EUR", "USD"),
    ]
    replies = [r async for r in client.currency.convert_stream(requests)]
    assert [r.sequence for r in replies] == [1, 2, 3, 4]
    bad = [r.outcome for r in replies if isinstance(r.outcome, ConversionRejected)]
    assert [(b.status, b.message.split(":")[0]) for b in bad] == [
        (Status.INVALID_ARGUMENT, "amount"),
        (Status.INVALID_ARGUMENT, "to_currency"),
    ]
    good = [r.outcome for r in replies if isinstance(r.outcome, Conversion)]
    assert [g.converted_amount for g in good] == [Decimal("1.18"), Decimal("2.35")]


async def test_many_stream_requests_come_back_in_order(client: AsyncTp3Client) -> None:
    requests = [ConversionRequest(str(n), "EUR", "JPY") for n in range(1, 501)]
    replies = [r async for r in client.currency.convert_stream(requests)]
    assert [r.sequence for r in replies] == list(range(1, 501))
    amounts = [r.outcome.amount for r in replies if isinstance(r.outcome, Conversion)]
    assert amounts == [Decimal(n) for n in range(1, 501)]


# --- ListCurrencies (unary) --------------------------------------------------------------


async def test_list_currencies(client: AsyncTp3Client) -> None:
    listing = await client.currency.list_currencies()
    by_code = {c.code: c for c in listing.currencies}
    assert len(by_code) == 31
    assert listing.base_currency == "EUR"
    assert listing.rate_date.isoformat() == "2026-02-20"
    assert "ECB" in listing.source
    assert by_code["MAD"].name == "Moroccan dirham"
    assert (by_code["JPY"].minor_units, by_code["USD"].minor_units) == (0, 2)
    assert by_code["EUR"].rate == 1


# --- the client's failure modes ----------------------------------------------------------


async def test_an_unreachable_server_is_unavailable() -> None:
    async with AsyncTp3Client("127.0.0.1:1") as unreachable:
        with pytest.raises(Tp3RpcError) as caught:
            await unreachable.currency.convert("1", "EUR", "USD")
    assert caught.value.status is Status.UNAVAILABLE
    assert "127.0.0.1:1" in caught.value.message


async def test_a_server_that_never_answers_hits_the_default_deadline() -> None:
    """A TCP peer that accepts and then says nothing: without a deadline this would hang."""
    async with silent_server() as port, AsyncTp3Client(f"127.0.0.1:{port}", timeout=0.3) as hung:
        with pytest.raises(Tp3RpcError) as caught:
            await hung.currency.convert("1", "EUR", "USD")
    assert caught.value.status is Status.DEADLINE_EXCEEDED
    assert "within 0.3s" in caught.value.message


def test_a_malformed_target_is_refused() -> None:
    with pytest.raises(ValueError, match="host:port"):
        AsyncTp3Client("nonsense")


# --- malformed requests ------------------------------------------------------------------


class _RawBytes:
    """A 'message' that is whatever bytes we say, to send what no real client would."""

    payload = b""

    def SerializeToString(self) -> bytes:
        return self.payload

    @classmethod
    def FromString(cls, data: bytes) -> bytes:
        return data


async def test_an_undecodable_request_is_invalid_argument(client: AsyncTp3Client) -> None:
    """Field 1 (a string) holding bytes that are not UTF-8: not a ConvertRequest."""
    garbage = _RawBytes()
    garbage.payload = b"\x0a\x03\xff\xfe\xfd"
    host, port = client.target.split(":")
    channel = Channel(host, int(port))
    try:
        async with channel.request(
            "/tp3.currency.v1.CurrencyService/Convert",
            Cardinality.UNARY_UNARY,
            _RawBytes,
            _RawBytes,
            timeout=5,
        ) as stream:
            await stream.send_message(garbage, end=True)
            with pytest.raises(GRPCError) as caught:
                await stream.recv_message()
    finally:
        channel.close()
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert "cannot decode the request as ConvertRequest" in (caught.value.message or "")
    assert (await client.currency.convert("1", "EUR", "USD")).converted_amount == Decimal("1.18")


async def test_an_address_quote_streams_share_a_budget() -> None:
    """100 streams at 10 ms took most of a core: past its budget an address's quotes come
    more slowly (they are paced, not refused)."""
    config = ServerConfig(host="127.0.0.1", port=0, seed=SEED, client_quotes_per_second=5)
    async with Tp3Server(config) as paced, AsyncTp3Client(f"127.0.0.1:{paced.port}") as client:
        ticks = [
            q.time
            async for q in client.currency.quotes(
                "EUR", "USD", count=8, interval=timedelta(milliseconds=10)
            )
        ]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ticks)]
    assert min(gaps[5:]) >= 0.15  # past the burst of 5: one every 1/5 s at most
