"""The server's own plumbing."""

import asyncio
import socket

from tp3.server import _listening_socket


async def test_accepted_connections_send_small_frames_at_once() -> None:
    """Without TCP_NODELAY on accepted sockets every unary call waited ~40 ms (Nagle and
    delayed ACK). asyncio only sets it when the listening socket says IPPROTO_TCP."""
    listening = _listening_socket("127.0.0.1", 0)
    accepted: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()
    server = await asyncio.start_server(lambda _, w: accepted.set_result(w), sock=listening)
    try:
        _, client = await asyncio.open_connection(*listening.getsockname()[:2])
        peer = await asyncio.wait_for(accepted, 5)
        sock = peer.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        client.close()
        peer.close()
        await client.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
