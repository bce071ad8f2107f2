"""A peer for the stream benchmarks: bench/peers/bare_grpclib.py (tp3's own CurrencyService on
a bare grpclib Server), plus the two things its StreamQuotes takes from tp3 serve: the RPC
context (the caller's address, which keys the quote budget), set by a grpclib event instead
of tp3's pipeline; and a quote budget as lifted as the bench lifts tp3 serve's.

    python bench/peers/bare_grpclib_streams.py PORT [--seed N]

Prints `serving on PORT` once it listens; stops on SIGTERM.
"""

import argparse
import asyncio

from grpclib.events import RecvRequest, listen
from grpclib.server import Server
from grpclib_serving import serve_until_sigterm

from tp3.currency.converter import Converter
from tp3.currency.market import Market
from tp3.currency.rates import default_table
from tp3.currency.service import CurrencyService
from tp3.rpc.context import RpcCall, set_current_rpc

UNLIMITED = 1e9  # quotes per second per client address


async def set_context(event: RecvRequest) -> None:
    """Runs in the handler's task, before the handler: the context var is the handler's."""
    host, port = event.peer.addr() or ("?", 0)
    call = RpcCall(event.method_name, f"{host}:{port}", event.peer, event.deadline, None)
    set_current_rpc(call)


async def serve(port: int, seed: int | None) -> None:
    service = CurrencyService(
        Converter(default_table()), Market(seed), client_quotes_per_second=UNLIMITED
    )
    server = Server([service])
    listen(server, RecvRequest, set_context)
    await serve_until_sigterm(server, port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--seed", type=int, help="reproducible quote streams (tp3 serve --seed)")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.seed))


if __name__ == "__main__":
    main()
