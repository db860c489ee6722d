"""The listening socket and base URL of a server, shared by the CLI and the in-thread server."""

from __future__ import annotations

import socket

__all__ = ["bind_socket", "url_for"]


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to `host:port` (port 0: a free one), with TCP_NODELAY."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and without it
    # every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    """The base URL of a server on `host:port`.

    Example:
        >>> url_for("127.0.0.1", 8787), url_for("::1", 8787)
        ('http://127.0.0.1:8787', 'http://[::1]:8787')
    """
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
