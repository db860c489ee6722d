"""Serve a reference server from a thread of the current process: a real uvicorn on a real loopback socket.

Cheaper than a subprocess (no interpreter start), for test suites that need many servers, such as one per fault.

Example:
    >>> with serve_in_thread(ServerConfig(api_key="k", db_path=tmp_path / "runs.sqlite3")) as server:  # doctest: +SKIP
    ...     httpx2.get(f"{server.url}/v1/runs/wr_1", headers={"x-api-key": "k"}).status_code
    404
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import uvicorn

from reference_server.app import create_app
from reference_server.config import ServerConfig
from reference_server.protocol import uvicorn_config
from reference_server.sockets import bind_socket, url_for

__all__ = ["ThreadedServer", "serve_in_thread"]


@dataclass(frozen=True)
class ThreadedServer:
    """A server running in a thread: where it listens and how it was configured."""

    url: str
    api_key: str
    config: ServerConfig
    server: uvicorn.Server

    def request_stop(self) -> None:
        """Ask the server to shut down without waiting (the context manager's exit waits)."""
        self.server.should_exit = True


@contextmanager
def serve_in_thread(config: ServerConfig, host: str = "127.0.0.1", timeout: float = 10.0) -> Iterator[ThreadedServer]:
    """Start `create_app(config)` on a free port in a daemon thread; stop it on exit.

    Args:
        config: the server's settings (`base_url` is replaced by the real address).
        host: interface to bind.
        timeout: seconds to wait for the server to accept connections.

    Yields:
        The running server.

    Raises:
        RuntimeError: when the server does not start in time.
    """
    sock = bind_socket(host, 0)
    url = url_for(host, sock.getsockname()[1])
    config = replace(config, base_url=url)
    server = uvicorn.Server(
        uvicorn_config(create_app(config), log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"reference-server {url}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"reference server at {url} did not start")
            time.sleep(0.005)
        yield ThreadedServer(url=url, api_key=config.api_key, config=config, server=server)
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
