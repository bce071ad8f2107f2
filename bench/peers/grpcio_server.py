"""A peer for the benchmarks: grpc's own Python stack (grpcio, on C-core) serving tp3's
CurrencyService with tp3's own converter, so that only the RPC stack differs from tp3.

    python bench/peers/grpcio_server.py {aio|sync} PORT [--threads 10]

Prints `serving on PORT` once it listens, `served N` (the Converts answered) when it gets
SIGTERM, then exits.
"""

import argparse
import asyncio
import signal
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grpcio_stubs

from tp3.currency.converter import Converter
from tp3.currency.money import format_decimal
from tp3.currency.rates import default_table
from tp3.errors import Tp3Error
from tp3.rpc.status import status_for

pb, pb_grpc = grpcio_stubs.load("currency")
converter = Converter(default_table())
served = 0


def convert(request: Any) -> Any:
    """tp3.currency.wire's mapping, onto grpcio's classes: going through tp3's betterproto2
    message would charge this peer tp3's encoder as well as its own."""
    global served
    c = converter.convert(request.amount, request.from_currency, request.to_currency)
    served += 1
    return pb.ConvertResponse(
        from_currency=c.from_currency,
        to_currency=c.to_currency,
        amount=format_decimal(c.amount),
        converted_amount=format_decimal(c.converted_amount),
        rate=format_decimal(c.rate),
        rate_date=c.rate_date.isoformat(),
    )


def code_of(error: Tp3Error) -> grpc.StatusCode:
    return grpc.StatusCode[status_for(error).name]


class SyncService(pb_grpc.CurrencyServiceServicer):  # type: ignore[name-defined,misc]
    def Convert(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return convert(request)
        except Tp3Error as error:
            context.abort(code_of(error), str(error))


class AioService(pb_grpc.CurrencyServiceServicer):  # type: ignore[name-defined,misc]
    async def Convert(self, request: Any, context: Any) -> Any:
        try:
            return convert(request)
        except Tp3Error as error:
            await context.abort(code_of(error), str(error))


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
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["aio", "sync"])
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    if args.kind == "sync":
        serve_sync(args.port, args.threads)
    else:
        asyncio.run(serve_aio(args.port))
    print(f"served {served}", flush=True)


if __name__ == "__main__":
    main()
