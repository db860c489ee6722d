"""A loopback HTTP sink: the only address the suite ever puts in a URL-typed field.

It answers every request with 204 and keeps the latest it received, so webhooks and TOTP lookups a target makes stay
on this machine. Started by the runner for the whole session, in its process; a test in a pytest-xdist worker reads
what arrived with `fetch_received` (`GET /_sink/received?path=...` or `?contains=...`: JSON, never kept itself).

Example:
    >>> with Sink() as sink:
    ...     _ = urllib.request.urlopen(sink.url + "/webhooks/t1", data=b'{"run_id": "wr_1"}')
    ...     [item.body for item in fetch_received(sink.url, path="/webhooks/t1")]
    ...     len(fetch_received(sink.url, contains="wr_1")), fetch_received(sink.url, contains="wr_2")
    [b'{"run_id": "wr_1"}']
    (1, [])
"""

from __future__ import annotations

import base64
import collections
import ipaddress
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["READ_PATH", "Received", "Sink", "fetch_received"]

READ_PATH = "/_sink/received"
"""Where a test reads what the sink kept: `?path=P` (requests to exactly P) or `?contains=TEXT` (requests whose path, a
header value or the body holds TEXT); loopback clients only."""

_MAX_KEPT = 1000
_MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class Received:
    """A request the sink received (`received_at`: its `time.time()`)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = 0.0

    def holds(self, text: str) -> bool:
        """Whether its path, a header value or its body holds `text`."""
        return text in self.path or any(text in v for v in self.headers.values()) or text.encode() in self.body

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (the body in base64)."""
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode("ascii"),
            "received_at": self.received_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Received:
        """The inverse of `to_json`."""
        return cls(
            str(data["method"]),
            str(data["path"]),
            dict(data["headers"]),
            base64.b64decode(data["body"]),
            float(data.get("received_at", 0.0)),
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if self.command == "GET" and url.path == READ_PATH:
            self._report(urllib.parse.parse_qs(url.query))
            return
        length = min(int(self.headers.get("content-length") or 0), _MAX_BODY)
        body = self.rfile.read(length) if length else b""
        self.server.keep(Received(self.command, self.path, dict(self.headers.items()), body, time.time()))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def _report(self, query: Mapping[str, list[str]]) -> None:
        """Answer a read of what was kept (404 to anyone but a loopback client)."""
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        path, contains = query.get("path", [""])[0], query.get("contains", [""])[0]
        found = [
            item.to_json()
            for item in self.server.snapshot()
            if (not path or item.path == path) and (not contains or item.holds(contains))
        ]
        data = json.dumps(found).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.received: collections.deque[Received] = collections.deque(maxlen=_MAX_KEPT)
        self.lock = threading.Lock()

    def keep(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


class Sink:
    """The sink; a context manager that serves on a 127.0.0.1 port in a daemon thread.

    Args:
        address: the URL the suite puts in URL fields (`CONTRACT_SINK_URL`), for a target that refuses loopback
            hosts: an address of this machine it accepts (a name that resolves here, a forwarded port). The sink
            listens on that URL's port. Empty: `http://127.0.0.1:<a free port>`.
    """

    def __init__(self, address: str = "") -> None:
        self._address = address.rstrip("/")
        self._server = _Server(urllib.parse.urlsplit(self._address).port or 0 if self._address else 0)
        self._thread = threading.Thread(target=self._server.serve_forever, name="contract-sink", daemon=True)

    @property
    def url(self) -> str:
        """The address URL fields carry: `http://127.0.0.1:<port>`, or the one given."""
        return self._address or f"http://127.0.0.1:{self._server.server_address[1]}"

    def received(self) -> list[Received]:
        """What has arrived so far (the latest 1000 requests)."""
        return self._server.snapshot()

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


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy: the sink is loopback
_DEFAULT_PORTS = {"http": 80, "https": 443}


def fetch_received(sink_url: str, *, path: str = "", contains: str = "", timeout: float = 5.0) -> list[Received]:
    """What the sink at `sink_url` kept (from any process on this machine: read over loopback at its port, whatever
    address URL fields carry): the requests to exactly `path`, or those holding `contains` (see `READ_PATH`), oldest
    first.

    Args:
        sink_url: the sink's URL (`Sink.url`, `Context.sink_url`).
        path: only requests to this path (with its query, as sent).
        contains: only requests whose path, a header value or the body holds this text.
        timeout: seconds for the read.
    """
    query = urllib.parse.urlencode({k: v for k, v in (("path", path), ("contains", contains)) if v})
    url = urllib.parse.urlsplit(sink_url)
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
    with _DIRECT.open(f"http://127.0.0.1:{port}{READ_PATH}?{query}", timeout=timeout) as answer:
        return [Received.from_json(item) for item in json.loads(answer.read())]
