"""The blocking facade, as a program without an event loop uses it (the lab's "synchronous
unary"), against a `tp3 serve` subprocess."""

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import ServerProcess
from grpclib.const import Status

from tp3.client import (
    BatchItem,
    ConversionRejected,
    ConversionRequest,
    Tp3Client,
    Tp3RpcError,
)
from tp3.currency.models import Conversion

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools


@pytest.fixture
def tp3(server_process: ServerProcess) -> Iterator[Tp3Client]:
    with Tp3Client(server_process.target, timeout=5) as client:
        yield client


def test_convert(tp3: Tp3Client) -> None:
    conversion = tp3.currency.convert("6500", "MAD", "USD")
    assert conversion.converted_amount == Decimal("708.68")


def test_errors_are_tp3_rpc_errors(tp3: Tp3Client) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        tp3.currency.convert("1", "XXX", "USD")
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert str(caught.value).startswith("INVALID_ARGUMENT: from_currency: XXX")
    assert tp3.currency.convert("1", "EUR", "JPY").converted_amount == 183  # still usable


def test_quotes_iterate_and_can_stop_early(tp3: Tp3Client) -> None:
    ticks = tp3.currency.quotes("EUR", "USD", count=1000, interval=timedelta(milliseconds=10))
    first = [next(ticks) for _ in range(3)]
    ticks.close()
    assert [t.sequence for t in first] == [1, 2, 3]
    assert tp3.currency.list_currencies().base_currency == "EUR"  # the client goes on


def test_batch_and_stream(tp3: Tp3Client) -> None:
    summary = tp3.currency.convert_batch([BatchItem("100", "EUR"), BatchItem("6500", "MAD")], "USD")
    assert summary.total == Decimal("826.35")
    replies = list(
        tp3.currency.convert_stream(
            [ConversionRequest("1", "EUR", "USD"), ConversionRequest("x", "EUR", "USD")]
        )
    )
    assert isinstance(replies[0].outcome, Conversion)
    assert isinstance(replies[1].outcome, ConversionRejected)
    assert replies[1].outcome.status is Status.INVALID_ARGUMENT


def test_list(tp3: Tp3Client) -> None:
    assert "MAD" in {c.code for c in tp3.currency.list_currencies().currencies}


def test_unreachable_server() -> None:
    with Tp3Client("127.0.0.1:1") as tp3, pytest.raises(Tp3RpcError) as caught:
        tp3.currency.convert("1", "EUR", "USD")
    assert caught.value.status is Status.UNAVAILABLE


def test_deadline_on_a_server_that_never_answers() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        accepted: list[socket.socket] = []
        acceptor = threading.Thread(target=lambda: accepted.append(silent.accept()[0]))
        acceptor.start()
        try:
            with (
                Tp3Client(f"127.0.0.1:{port}", timeout=0.3) as tp3,
                pytest.raises(Tp3RpcError) as caught,
            ):
                tp3.currency.convert("1", "EUR", "USD")
        finally:
            acceptor.join(5)
            for connection in accepted:
                connection.close()
    assert caught.value.status is Status.DEADLINE_EXCEEDED
