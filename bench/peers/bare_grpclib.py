"""A peer for the benchmarks: tp3's own CurrencyService (betterproto2) on a bare grpclib
Server: no tp3 pipeline, transport, limits or access log. What tp3 costs over grpclib.

    python bench/peers/bare_grpclib.py PORT

Prints `serving on PORT` once it listens; stops on SIGTERM.
"""

import asyncio
import sys

from grpclib.server import Server
from grpclib_serving import serve_until_sigterm

from tp3.currency.converter import Converter
from tp3.currency.market import Market
from tp3.currency.rates import default_table
from tp3.currency.service import CurrencyService


async def serve(port: int) -> None:
    server = Server([CurrencyService(Converter(default_table()), Market())])
    await serve_until_sigterm(server, port)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
