"""A loopback HTTP sink: the only address the suite ever puts in a URL-typed field.

It answers every request with 204 and keeps what it received, so webhooks and TOTP lookups a target makes stay on this
machine. Started by the runner for the whole session.

Example:
    >>> with Sink() as sink:
    ...     sink.url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["Received", "Sink"]

_MAX_KEPT = 1000
_MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class Received:
    """A request the sink received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = min(int(self.headers.get("content-length") or 0), _MAX_BODY)
        body = self.rfile.read(length) if length else b""
        self.server.keep(Received(self.command, self.path, dict(self.headers.items()), body))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.lock = threading.Lock()

    def keep(self, item: Received) -> None:
        with self.lock:
            if len(self.received) < _MAX_KEPT:
                self.received.append(item)


class Sink:
    """The sink; a context manager that serves on a free 127.0.0.1 port in a daemon thread."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, name="contract-sink", daemon=True)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def received(self) -> list[Received]:
        """What has arrived so far."""
        with self._server.lock:
            return list(self._server.received)

    def start(self) -> Sink:
        """Serve in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Sink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
