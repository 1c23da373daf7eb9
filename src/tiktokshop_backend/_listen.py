"""A TCP socket bound before uvicorn starts, so that port 0 can say which port it got.

    sock = listening_socket("127.0.0.1", 0)       # OSError if the address is taken
    uvicorn.Server(config).run(sockets=[sock])
    shown_address(sock)                            # "127.0.0.1:41234", "[::1]:8080"

IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so,
and without it every response on a kept-alive connection waits ~40 ms (Nagle).
"""

import socket


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: any free port); OSError if taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                         socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def shown_address(sock: socket.socket) -> str:
    """``host:port`` of a bound socket, IPv6 hosts in brackets."""
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
