"""What a user of the vendored client writes, run by an interpreter that has only httpx2, pydantic and a copy of
`generated/skyvern_client/`: every operation against a live server, tolerant and strict, sync and async,
run-and-wait, and the run's webhook verified.

Usage: `python user_code.py BASE_URL API_KEY WORKFLOW_ID`. Prints one JSON object per check to stdout
(`{"check": ..., "ok": ..., "detail": ...}`) and exits 0; the caller judges them. Imports nothing of this repository
but the copied package.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import skyvern_client
from skyvern_client import APIResponseValidationError, AsyncSkyvernClient, SkyvernClient, models

WAIT_TIMEOUT = 120.0


def emit(check: str, ok: bool, detail: str = "", named: list[str] | None = None) -> None:
    """One check's line; a strict call's also carries `named`, the fields its error names (empty: accepted)."""
    line: dict[str, object] = {"check": check, "ok": ok, "detail": detail}
    if named is not None:
        line["named"] = named
    print(json.dumps(line), flush=True)


def attempt(check: str, action: Callable[[], str]) -> None:
    """Run `action`; it returns its detail when it holds and raises when it does not."""
    try:
        emit(check, True, action())
    except Exception as error:
        emit(check, False, f"{type(error).__name__}: {error}")


def deviations_text(deviations: tuple[skyvern_client.Deviation, ...]) -> str:
    fields = sorted({".".join(str(part) for part in d.location) + f" ({d.kind})" for d in deviations})
    return ", ".join(fields) or "none"


def strict_attempt(check: str, call: Callable[[], object]) -> None:
    """Call a strict client's method and say which fields its error names (the caller judges what the server
    deserves: to raise, or to be accepted)."""
    try:
        call()
    except APIResponseValidationError as error:
        emit_strict(check, error)
    except Exception as error:
        emit(check, False, f"{type(error).__name__}: {error}")
    else:
        emit_strict(check, None)


def emit_strict(check: str, error: APIResponseValidationError | None) -> None:
    named = [] if error is None else sorted({".".join(str(part) for part in e["loc"]) for e in error.errors})
    emit(check, True, f"raised, naming: {', '.join(named)}" if named else "accepted", named)


class Receiver(http.server.ThreadingHTTPServer):
    """Records each POST's exact body bytes and headers."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.arrived = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def wait(self, count: int, seconds: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.deliveries) >= count, seconds)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        with self.server.arrived:
            self.server.deliveries.append((body, dict(self.headers.items())))
            self.server.arrived.notify_all()
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def sync_checks(base_url: str, api_key: str, workflow_id: str, hooks: Receiver) -> None:
    with SkyvernClient(api_key=api_key, base_url=base_url) as client:
        started: list[models.WorkflowRunResponse] = []

        def run() -> str:
            raw = client.with_raw_response.run_workflow(workflow_id=workflow_id)
            started.append(raw.parse())
            return f"{started[0].run_id} {started[0].status.value}; deviations: {deviations_text(raw.deviations)}"

        attempt("sync run_workflow", run)
        if started:
            run_id = started[0].run_id

            def get() -> str:
                raw = client.with_raw_response.get_run(run_id)
                return f"{raw.parse().status.value}; deviations: {deviations_text(raw.deviations)}"

            attempt("sync get_run", get)
            attempt("sync cancel_run", lambda: _returned_sync(client.cancel_run, run_id))
            attempt("sync get_run after cancel_run", lambda: client.get_run(run_id).status.value)
        attempt("sync run_workflow_and_wait", lambda: waited(client.run_workflow_and_wait(
            workflow_id=workflow_id, wait_timeout=WAIT_TIMEOUT)))  # fmt: skip
        all_fields(client, workflow_id, hooks)
        strict = client.with_options(strict=True)
        strict_attempt("strict run_workflow", lambda: strict.run_workflow(workflow_id=workflow_id))
        if started:
            strict_attempt("strict get_run", lambda: strict.get_run(started[0].run_id))
            attempt(
                "cancel_run on the strict client (no body to parse)",
                lambda: _returned_sync(strict.cancel_run, started[0].run_id),
            )
        strict_attempt(
            "strict run_workflow_and_wait",
            lambda: strict.run_workflow_and_wait(workflow_id=workflow_id, wait_timeout=WAIT_TIMEOUT),
        )


def _returned_sync(call: Callable[[str], None], run_id: str) -> str:
    call(run_id)
    return "returned None"


def waited(run: models.WorkflowRunResponse) -> str:
    if run.status != models.RunStatus.COMPLETED:
        raise AssertionError(f"the run ended {run.status.value}, expected completed ({run.failure_reason})")
    return f"{run.run_id} completed"


def all_fields(client: SkyvernClient, workflow_id: str, hooks: Receiver) -> None:
    """A run with every request field filled (those that name things that exist elsewhere left out), read back."""

    def run() -> str:
        raw = client.with_raw_response.run_workflow(
            workflow_id=workflow_id,
            template=False,
            max_steps_override=3,
            user_agent="vendored-client-check",
            parameters={},
            title="every field",
            proxy_location=models.GeoTarget(country="US", subdivision="CA", city="San Francisco"),
            webhook_url=hooks.url,
            totp_url="http://127.0.0.1:9/totp",
            totp_identifier="someone@example.com",
            max_screenshot_scrolls=2,
            extra_http_headers={"x-check": "1"},
            ai_fallback=True,
            run_with="agent",
        )
        run_id = raw.parse().run_id
        read = [client.with_raw_response.get_run(run_id)]
        deadline = time.monotonic() + WAIT_TIMEOUT
        while read[-1].parse().status.value in ("created", "queued", "running") and time.monotonic() < deadline:
            time.sleep(1)
            read.append(client.with_raw_response.get_run(run_id))
        seen = tuple(d for response in [raw, *read] for d in response.deviations)
        return f"ended {read[-1].parse().status.value}; deviations: {deviations_text(seen)}"

    attempt("every field: run_workflow, then get_run until final", run)
    attempt("every field: the webhook arrived", lambda: "1 delivery" if hooks.wait(1, 60) else _fail("none in 60 s"))


def _fail(message: str) -> str:
    raise AssertionError(message)


def webhook_checks(api_key: str, hooks: Receiver) -> None:
    if not hooks.deliveries:
        emit("webhook verified", False, "no delivery to verify")
        return
    body, headers = hooks.deliveries[0]

    def verify() -> str:
        run = skyvern_client.verify_workflow_run_webhook(body, headers, key=api_key)
        return f"{run.run_id} {run.status.value}"

    attempt("webhook verified", verify)

    def tampered() -> str:
        rejected = []
        for label, bad_body, bad_key in (
            ("a byte flipped", body[:-2] + bytes([body[-2] ^ 1]) + body[-1:], api_key),
            ("wrong key", body, api_key + "x"),
        ):
            try:
                skyvern_client.verify_workflow_run_webhook(bad_body, headers, key=bad_key)
            except skyvern_client.WebhookVerificationError:
                rejected.append(label)
        if len(rejected) != 2:
            raise AssertionError(f"only rejected: {rejected}")
        return ", ".join(rejected) + " rejected"

    attempt("webhook tampered rejected", tampered)


async def async_checks(base_url: str, api_key: str, workflow_id: str) -> None:
    async with AsyncSkyvernClient(api_key=api_key, base_url=base_url) as client:
        strict = client.with_options(strict=True)
        run_ids: list[str] = []

        async def run() -> str:
            run_ids.append((await client.run_workflow(workflow_id=workflow_id)).run_id)
            return run_ids[0]

        steps: list[tuple[str, Callable[[], Awaitable[str]]]] = [
            ("async run_workflow", run),
            ("async get_run", lambda: _status(client.get_run(run_ids[0]))),
            ("async cancel_run", lambda: _returned(client.cancel_run(run_ids[0]))),
            (
                "async run_workflow_and_wait",
                lambda: _waited(client.run_workflow_and_wait(workflow_id=workflow_id, wait_timeout=WAIT_TIMEOUT)),
            ),
        ]
        for check, step in steps:
            try:
                emit(check, True, await step())
            except Exception as error:
                emit(check, False, f"{type(error).__name__}: {error}")
        strict_calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("async strict run_workflow", lambda: strict.run_workflow(workflow_id=workflow_id)),
            ("async strict get_run", lambda: strict.get_run(run_ids[0])),
            (
                "async strict run_workflow_and_wait",
                lambda: strict.run_workflow_and_wait(workflow_id=workflow_id, wait_timeout=WAIT_TIMEOUT),
            ),
        ]
        for check, call in strict_calls:
            try:
                await call()
            except APIResponseValidationError as error:
                emit_strict(check, error)
            except Exception as error:
                emit(check, False, f"{type(error).__name__}: {error}")
            else:
                emit_strict(check, None)
        try:
            emit("async cancel_run on the strict client (no body to parse)", True, await _returned(strict.cancel_run(run_ids[0])))  # fmt: skip
        except Exception as error:
            emit("async cancel_run on the strict client (no body to parse)", False, f"{type(error).__name__}: {error}")


async def _status(call: Awaitable[models.WorkflowRunResponse]) -> str:
    return (await call).status.value


async def _returned(call: Awaitable[None]) -> str:
    await call
    return "returned None"


async def _waited(call: Awaitable[models.WorkflowRunResponse]) -> str:
    return waited(await call)


def main(base_url: str, api_key: str, workflow_id: str) -> int:
    with receiver() as hooks:
        sync_checks(base_url, api_key, workflow_id, hooks)
        webhook_checks(api_key, hooks)
    asyncio.run(async_checks(base_url, api_key, workflow_id))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
