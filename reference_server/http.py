"""HTTP helpers of the app: JSON answers that can always be encoded, error bodies, the size-limited body read and the
ASGI guard that turns an unexpected exception into a JSON 500."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server.validation import BodyError

__all__ = ["JSON_MEDIA_TYPE", "CatchAll", "JSONResponse", "error_body", "json_response", "read_body"]

logger = logging.getLogger("reference_server")

JSON_MEDIA_TYPE = "application/json"
_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class JSONResponse(Response):
    """JSON that can always be encoded: ASCII-escaped (lone surrogates included), no NaN."""

    media_type = JSON_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content).encode()


def json_response(
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    content_type: str = JSON_MEDIA_TYPE,
) -> Response:
    """A JSON answer, served with `content_type` (`application/json` unless a fault says otherwise)."""
    response = JSONResponse(content, status_code=status_code, headers=headers)
    if content_type != JSON_MEDIA_TYPE:
        response.headers["content-type"] = content_type
    return response


def error_body(detail: Any) -> dict[str, Any]:
    """The body of every error answer: `{"detail": ...}`, as FastAPI sends it."""
    return {"detail": detail}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than `limit` bytes (declared or sent).

    Raises:
        BodyError: a 413 when the body is too large.
    """
    too_large = BodyError(413, f"Request body is larger than the limit of {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a JSON 500 with `detail`, and is not re-raised; every request
    first waits `latency` seconds.

    Not re-raising keeps the connection usable (uvicorn drops a keep-alive connection whose app raised).
    """

    def __init__(self, app: ASGIApp, error: Callable[[int, Any], Response], latency: float = 0.0) -> None:
        """Args:
        app: the app to guard.
        error: builds the error answer for a status and a `detail`.
        latency: seconds each request waits first.
        """
        self.app = app
        self.error = error
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        if self.latency > 0:
            await asyncio.sleep(self.latency)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            logger.error("unhandled error on %s %s: %r", scope.get("method"), scope.get("path"), error)
            if not started:
                await self.error(500, "Internal server error")(scope, receive, send)
