"""A peer for the benchmarks: grpc's own Python stack (grpcio, on C-core) serving tp3's
CurrencyService (Convert, StreamQuotes, ConvertStream) with tp3's own converter and market,
so that only the RPC stack differs from tp3.

    python bench/peers/grpcio_server.py {aio|sync} PORT [--threads 10] [--seed N]

Prints `serving on PORT` once it listens, `served N` (the replies sent: Convert answers,
quotes and ConvertStream answers) when it gets SIGTERM, then exits. The sync server runs each
call on a thread of its own: a stream holds one as long as it lasts, so give it `--threads`
at least the streams it must serve at once.
"""

import argparse
import asyncio
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent import futures
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grpcio_stubs

from tp3.currency.converter import Converter
from tp3.currency.market import Market, quote_schedule
from tp3.currency.models import Conversion
from tp3.currency.money import format_decimal
from tp3.currency.rates import default_table
from tp3.errors import Tp3Error
from tp3.rpc.status import status_for

pb, pb_grpc = grpcio_stubs.load("currency")
converter = Converter(default_table())
market = Market()
served = 0


# tp3.currency.wire's and tp3.currency.service's mappings, onto grpcio's classes: going
# through tp3's betterproto2 messages would charge this peer tp3's encoder as well as its own.


def conversion(c: Conversion) -> Any:
    return pb.ConvertResponse(
        from_currency=c.from_currency,
        to_currency=c.to_currency,
        amount=format_decimal(c.amount),
        converted_amount=format_decimal(c.converted_amount),
        rate=format_decimal(c.rate),
        rate_date=c.rate_date.isoformat(),
    )


def convert(request: Any) -> Any:
    global served
    c = converter.convert(request.amount, request.from_currency, request.to_currency)
    served += 1
    return conversion(c)


def stream_answer(sequence: int, request: Any) -> Any:
    """One ConvertStream answer: a bad request is answered in-band, the stream goes on."""
    global served
    served += 1
    try:
        c = converter.convert(request.amount, request.from_currency, request.to_currency)
    except Tp3Error as error:
        rejected = pb.ConversionError(code=status_for(error).value, message=str(error))
        return pb.ConvertStreamResponse(sequence=sequence, error=rejected)
    return pb.ConvertStreamResponse(sequence=sequence, conversion=conversion(c))


class Quotes:
    """One StreamQuotes call: its validated schedule and its walk of rates."""

    def __init__(self, request: Any) -> None:
        self.base = converter.currency(request.base_currency, "base_currency")
        self.quote = converter.currency(request.quote_currency, "quote_currency")
        interval = request.interval.ToTimedelta() if request.HasField("interval") else None
        count = request.count if request.HasField("count") else None
        schedule, self.count = quote_schedule(interval, count)
        self.interval = schedule.total_seconds()
        self.reference = converter.rate(self.base, self.quote)
        self.rates = market.rates(self.base, self.quote, self.reference)

    def tick(self, sequence: int) -> Any:
        global served
        served += 1
        reply = pb.StreamQuotesResponse(
            sequence=sequence,
            base_currency=self.base,
            quote_currency=self.quote,
            rate=format_decimal(next(self.rates)),
            reference_rate=format_decimal(self.reference),
        )
        reply.time.FromDatetime(datetime.now(UTC))
        return reply


def code_of(error: Tp3Error) -> grpc.StatusCode:
    return grpc.StatusCode[status_for(error).name]


class SyncService(pb_grpc.CurrencyServiceServicer):  # type: ignore[name-defined,misc]
    def Convert(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return convert(request)
        except Tp3Error as error:
            context.abort(code_of(error), str(error))

    def StreamQuotes(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            quotes = Quotes(request)
        except Tp3Error as error:
            context.abort(code_of(error), str(error))
        next_tick = time.monotonic()
        for sequence in range(1, quotes.count + 1):
            if sequence > 1:  # a fixed schedule, as tp3's: a slow send doesn't add drift
                next_tick += quotes.interval
                time.sleep(max(0.0, next_tick - time.monotonic()))
            yield quotes.tick(sequence)

    def ConvertStream(
        self, requests: Iterable[Any], context: grpc.ServicerContext
    ) -> Iterator[Any]:
        for sequence, request in enumerate(requests, 1):
            yield stream_answer(sequence, request)


class AioService(pb_grpc.CurrencyServiceServicer):  # type: ignore[name-defined,misc]
    async def Convert(self, request: Any, context: Any) -> Any:
        try:
            return convert(request)
        except Tp3Error as error:
            await context.abort(code_of(error), str(error))

    async def StreamQuotes(self, request: Any, context: Any) -> AsyncIterator[Any]:
        try:
            quotes = Quotes(request)
        except Tp3Error as error:
            await context.abort(code_of(error), str(error))
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        for sequence in range(1, quotes.count + 1):
            if sequence > 1:
                next_tick += quotes.interval
                await asyncio.sleep(next_tick - loop.time())
            yield quotes.tick(sequence)

    async def ConvertStream(self, requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
        sequence = 0
        async for request in requests:
            sequence += 1
            yield stream_answer(sequence, request)


def serve_sync(port: int, threads: int) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=threads))
    pb_grpc.add_CurrencyServiceServicer_to_server(SyncService(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"serving on {port}", flush=True)
    stop.wait()
    server.stop(0)


async def serve_aio(port: int) -> None:
    server = grpc.aio.server()
    pb_grpc.add_CurrencyServiceServicer_to_server(AioService(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"serving on {port}", flush=True)
    await stop.wait()
    await server.stop(0)


def main() -> None:
    global market
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["aio", "sync"])
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--seed", type=int, help="reproducible quote streams (tp3 serve --seed)")
    args = parser.parse_args()
    market = Market(args.seed)
    if args.kind == "sync":
        serve_sync(args.port, args.threads)
    else:
        asyncio.run(serve_aio(args.port))
    print(f"served {served}", flush=True)


if __name__ == "__main__":
    main()
