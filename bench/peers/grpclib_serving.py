"""How the grpclib peers run: listen on 127.0.0.1:PORT, say so, stop on SIGTERM."""

import asyncio
import signal

from grpclib.server import Server


async def serve_until_sigterm(server: Server, port: int) -> None:
    """Start `server`, print `serving on PORT` (what the benches wait for), and close it
    when SIGTERM comes."""
    await server.start("127.0.0.1", port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"serving on {port}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()
