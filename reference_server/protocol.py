"""How the reference server is served: uvicorn with httptools and uvloop, each response written in one send.

uvicorn writes a response's head (status line and headers) and its body with two `transport.write` calls, so two
`send` syscalls and two TCP segments per response, and a client wakes up twice to read them. Most of the server's
time under load was in those sends (on loopback the kernel does the receiving side's work in the sender's time).
`CoalescingHttpToolsProtocol` hands uvicorn's httptools protocol a transport that holds a response head back until
the body's first write, then writes both at once; what is held is flushed at the latest on the next turn of the
event loop (a HEAD answer or a `100 Continue` has no body write to wait for) and before the transport closes.
Bytes and their order on the wire are unchanged; only how they are grouped into writes is.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingHttpToolsProtocol", "CoalescingTransport", "uvicorn_config"]


class CoalescingTransport:
    """A transport proxy that writes an HTTP response head together with the write that follows it.

    Example:
        >>> class Sink:
        ...     def __init__(self):
        ...         self.writes = []
        ...     def write(self, data):
        ...         self.writes.append(data)
        >>> loop = asyncio.new_event_loop()
        >>> sink = Sink()
        >>> transport = CoalescingTransport(sink, loop)  # type: ignore[arg-type]
        >>> transport.write(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\n")
        >>> transport.write(b"{}")
        >>> sink.writes
        [b'HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\n{}']
        >>> loop.close()
    """

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write `data`; a response head is held until the next write or the next turn of the loop."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n" and data[9:12] != b"100":
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Write what is held, if anything."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        """Flush, then close the transport (it sends what is buffered before closing)."""
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing each response head together with its body."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]


def uvicorn_config(app: Any, **options: Any) -> uvicorn.Config:
    """The uvicorn settings every reference server uses: httptools (coalescing writes) and uvloop.

    Args:
        app: the ASGI app.
        **options: more `uvicorn.Config` arguments (log level, lifespan, ...).

    Returns:
        The configuration; serve with `uvicorn.Server(config)`, on a loop from `config.get_loop_factory()`.
    """
    return uvicorn.Config(app, http=CoalescingHttpToolsProtocol, loop="uvloop", **options)
