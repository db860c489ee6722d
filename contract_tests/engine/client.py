"""The generated client (`skyvern_client`, public API only) pointed at the target, every exchange recorded, and its
errors turned into contract violations.

Example:
    >>> violation_of(RuntimeError("x"), "get_run") is None
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx2

import skyvern_client
from contract_tests.checks.reply import pointer
from contract_tests.config import Context
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.record.repro import Exchange, now
from contract_tests.spec import Spec

__all__ = ["recording_client", "violation_of"]

_STARTED = "contract_started"


@contextlib.contextmanager
def recording_client(context: Context, seen: Observations) -> Iterator[skyvern_client.SkyvernClient]:
    """A strict `SkyvernClient` (unknown enum values are errors) without retries, whose requests are recorded, for
    the test whose record is `seen` (its share of the run cap)."""

    run_path = urlsplit(context.base_url).path.rstrip("/") + Spec.load().operation("run_workflow")[0]

    def on_request(request: httpx2.Request) -> None:
        if request.method == "POST" and request.url.path == run_path:
            context.admit_run(seen)  # it may start a run: within the test's share of the run cap only
        request.extensions[_STARTED] = now()

    def on_response(response: httpx2.Response) -> None:
        response.read()
        request = response.request
        context.recorder.add(
            Exchange(
                request.method,
                str(request.url),
                dict(request.headers),
                request.content or None,
                response.status_code,
                response.content,
                float(request.extensions.get(_STARTED, now())),
            )
        )

    http = httpx2.Client(
        timeout=context.profile.request_timeout, event_hooks={"request": [on_request], "response": [on_response]}
    )
    with (
        http,
        skyvern_client.SkyvernClient(
            api_key=context.api_key, base_url=context.base_url, strict=True, max_retries=0, http_client=http
        ) as client,
    ):
        yield client


def violation_of(error: BaseException, operation_id: str) -> ContractViolation | None:
    """The contract violation a client error shows, or None when it is not one (e.g. no connection).

    Args:
        error: what the client raised.
        operation_id: the operation it was calling, on a run the target acknowledged (for get/cancel).

    Returns:
        The violation.
    """
    if isinstance(error, skyvern_client.APIResponseValidationError):
        locations = [pointer(e.get("loc", ())) for e in error.errors] or ["/"]
        parse_area = Area.STATUS_ENUM if all(loc == "/status" for loc in locations) else Area.RESPONSE_SCHEMA
        kinds = sorted({str(e.get("type", "")) for e in error.errors})
        return ContractViolation(
            parse_area,
            "client_parses_response",
            f"{operation_id}: {error}: {error.errors[:3]}",
            ",".join(sorted(set(locations))),
            ",".join(kinds),
            operation_id,
        )
    if isinstance(error, skyvern_client.APIStatusError):
        status = error.status_code
        area: Area
        if status >= 500:
            area = Area.SERVER_ERRORS
        elif status in (401, 403):
            area = Area.AUTH
        elif status == 404 and operation_id != "run_workflow":
            area = Area.LIFECYCLE
        elif "proxy_location" in str(_body(error)):
            area = Area.PROXY_OPTIONS
        else:
            area = Area.REQUEST_VALIDATION
        return ContractViolation(
            area,
            "client_call_succeeds",
            f"{operation_id} answered {status} to a valid call: {_body(error)}",
            operation_id,
            str(status),
            operation_id,
        )
    return None


def _body(error: skyvern_client.APIStatusError) -> Any:
    body = error.body
    return body.model_dump(mode="json") if hasattr(body, "model_dump") else body
