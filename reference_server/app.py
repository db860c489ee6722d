"""The ASGI app: `run_workflow`, `get_run` and `cancel_run` as `spec/openapi.yaml` describes them.

Order of checks, as on the live service: routing (404 unknown path, 405 wrong method), then the API key (403),
then the body's size (413) and syntax (422 / 400), then the schema (422 for body, header and query together), then
`webhook_url` (400), the browser session and profile (404, only when the server was given the ids that exist), the
workflow (404, or 400 for a bad template id) and its required parameters (400). Every
answer is JSON with a `detail`, unexpected exceptions included (a JSON 500, which only a fault should ever cause).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx2
import pydantic
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_server import webhooks
from reference_server.bodies import parse_request, run_body, run_json
from reference_server.faults import parse_faults
from reference_server.lenient import ECHO_FAULTS, relax, shape_echo
from reference_server.lifecycle import Clock, Schedule, Snapshot, snapshot, wall_clock
from reference_server.store import RunRecord, Store, new_run_id
from reference_server.validation import (
    DEFAULT_SPEC_PATH,
    MAX_URL_LENGTH,
    BodyError,
    RequestValidator,
    load_spec,
    parse_json_body,
    url_problem,
)
from reference_server.workflows import Workflow, demo_workflows

__all__ = ["ServerConfig", "create_app"]

logger = logging.getLogger("reference_server")

STALE_PROXY_NAMES = frozenset(
    {"RESIDENTIAL_BR", "RESIDENTIAL_TR", "RESIDENTIAL_CA", "RESIDENTIAL_MX", "RESIDENTIAL_IT", "RESIDENTIAL_NL"}
)
TIMESTAMP_KEYS = ("created_at", "modified_at", "queued_at", "started_at", "finished_at")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything a server instance needs.

    Attributes:
        api_key: the one accepted `x-api-key`, also the webhook signing key.
        db_path: the SQLite file.
        workflows: the workflows it knows, by id.
        faults: names from `reference_server.faults.FAULTS` to switch on.
        time_scale: multiplies every lifecycle delay (`--fast` is 0.01).
        queue_seconds: created -> queued, before scaling.
        start_seconds: queued -> running, before scaling.
        max_body_bytes: larger request bodies get a 413.
        webhook_hosts: hosts webhooks may be sent to.
        webhook_timeout: seconds per delivery try.
        webhook_retry_seconds: delay before a retry (times the number of tries so far), before scaling.
        durable: fsync each commit.
        latency: seconds every request waits before it is handled (a stand-in for a slow, remote service).
        browser_sessions: the `browser_session_id`s that exist (any other is a 404, as on the live service), or None
            to accept any id.
        browser_profiles: the `browser_profile_id`s that exist, likewise.
        base_url: the server's own URL, for `app_url` and friends (set by the CLI once the port is known).
        spec_path: the OpenAPI document requests are validated against.
        clock: the time source.

    Example:
        >>> config = ServerConfig(api_key="k", db_path=Path(":memory:"), time_scale=0.01)
        >>> config.scaled(1.0)
        0.01
    """

    api_key: str
    db_path: Path
    workflows: Mapping[str, Workflow] = field(default_factory=demo_workflows)
    faults: frozenset[str] = frozenset()
    time_scale: float = 1.0
    queue_seconds: float = 1.0
    start_seconds: float = 1.0
    max_body_bytes: int = 1 << 20
    webhook_hosts: frozenset[str] = webhooks.DEFAULT_ALLOWED_HOSTS
    webhook_timeout: float = 30.0
    webhook_retry_seconds: float = 1.0
    durable: bool = False
    latency: float = 0.0
    browser_sessions: frozenset[str] | None = None
    browser_profiles: frozenset[str] | None = None
    base_url: str = "http://127.0.0.1:8787"
    spec_path: Path = DEFAULT_SPEC_PATH
    clock: Clock = wall_clock

    def scaled(self, seconds: float) -> float:
        """A delay after the time scale is applied."""
        return seconds * self.time_scale


_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class JSONResponse(Response):
    """JSON that can always be encoded: ASCII-escaped (lone surrogates included), no NaN."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content).encode()


class Service:
    """The endpoints and the webhook worker of one server instance."""

    def __init__(self, config: ServerConfig) -> None:
        parse_faults(config.faults)
        self.config = config
        self.faults = config.faults
        self.store = Store(config.db_path, durable=config.durable)
        self.validator = RequestValidator(load_spec(config.spec_path))
        self._reads: dict[str, int] = {}
        self._in_flight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._latest = 0.0

    def now(self) -> float:
        """The clock, never going backwards within this process (a wall-clock step back cannot undo a status)."""
        self._latest = max(self._latest, self.config.clock())
        return self._latest

    # -- responses -----------------------------------------------------------------------------------------------

    def json(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        """A JSON response (served as text/plain under the `wrong_content_type` fault)."""
        response = JSONResponse(content, status_code=status_code, headers=headers)
        if "wrong_content_type" in self.faults:
            response.headers["content-type"] = "text/plain; charset=utf-8"
        return response

    def error(self, status_code: int, detail: Any, headers: Mapping[str, str] | None = None) -> Response:
        """An error response; 422 bodies take the broken shape under the `validation_shape` fault."""
        if status_code == 422 and "validation_shape" in self.faults:
            detail = "Validation failed"
        return self.json({"detail": detail}, status_code, headers)

    def shape(self, body: dict[str, Any], *, read: bool = False) -> dict[str, Any]:
        """Apply the response-shaping faults to a run body."""
        faults = self.faults
        if not faults:
            return body
        if read and "status_paused" in faults and body["status"] in ("created", "queued", "running"):
            body["status"] = "paused"
        if read and "status_regresses" in faults and body["finished_at"] is not None:
            count = self._reads[body["run_id"]] = self._reads.get(body["run_id"], 0) + 1
            if count % 2 == 0:
                body["status"] = "running"
        request = body.get("run_request")
        if (
            read
            and "run_request_as_parsed" in faults
            and isinstance(request, dict)
            and request.get("parameters") is None
        ):
            request["parameters"] = {}  # 1.0.56 rebuilds a read's run_request from the stored run
        if "drop_nullable_key" in faults and body.get("failure_reason") is None:
            body.pop("failure_reason", None)
        if "drop_required_key" in faults:
            body.pop("modified_at", None)
        if "naive_timestamps" in faults:
            for key in TIMESTAMP_KEYS:
                if isinstance(body.get(key), str):
                    body[key] = body[key].replace("Z", "").split("+")[0]
        if "run_request_mangled" in faults and isinstance(body.get("run_request"), dict):
            body["run_request"].pop("title", None)
            body["run_request"].pop("parameters", None)
        return body

    def body_of(self, record: RunRecord, now: float, *, read: bool = False) -> dict[str, Any]:
        """A run's JSON as of `now`."""
        raw_request = bool(self.faults & ECHO_FAULTS)
        run = run_body(record, self.snapshot(record, now), raw_request=raw_request, read=read)
        return self.shape(run, read=read)

    def run_response(self, record: RunRecord, now: float, *, read: bool = False) -> Response:
        """A 200 with the run's JSON as of `now`; serialised straight from the model when no fault reshapes it."""
        if self.faults:
            return self.json(self.body_of(record, now, read=read))
        return Response(run_json(record, self.snapshot(record, now), read=read), media_type="application/json")

    @staticmethod
    def snapshot(record: RunRecord, now: float) -> Snapshot:
        """A run's lifecycle snapshot."""
        return snapshot(record.created_at, record.schedule, record.canceled_at, now)

    # -- checks --------------------------------------------------------------------------------------------------

    def auth_failure(self, request: Request) -> Response | None:
        """403 (or the faulty 401) unless the request carries the API key."""
        if "ignore_auth" in self.faults:
            return None
        given = request.headers.get("x-api-key", "")
        if hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.config.api_key.encode()):
            return None
        return self.error(401 if "status_401" in self.faults else 403, "Invalid credentials")

    async def read_body(self, request: Request) -> bytes:
        """The raw body, refusing more than `max_body_bytes` with a 413."""
        limit = self.config.max_body_bytes
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

    # -- endpoints -----------------------------------------------------------------------------------------------

    async def run_workflow(self, request: Request) -> Response:
        """`POST /v1/run/workflows`."""
        denied = self.auth_failure(request)
        if denied is not None:
            return denied
        try:
            body = parse_json_body(await self.read_body(request), request.headers.get("content-type"))
        except BodyError as error:
            return self.error(error.status, error.detail)
        query = request.query_params.getlist("template") if request.scope["query_string"] else []
        template, errors = self.validator.template_query(query)
        max_steps, header_errors = self.validator.max_steps_header(request.headers.get("x-max-steps-override"))
        errors += header_errors
        body_errors = self.validator.body_errors(body)
        if "accept_invalid_proxy" in self.faults:
            body_errors = [e for e in body_errors if not _is_proxy_string_error(e, body)]
        relaxed = relax(body, body_errors, self.faults)
        errors += relaxed.errors
        if "reject_valid_proxy" in self.faults and isinstance(body, dict):
            proxy = body.get("proxy_location")
            if isinstance(proxy, str) and proxy in STALE_PROXY_NAMES:
                msg = "Input should be a known proxy location"
                errors.append({"type": "enum", "loc": ["body", "proxy_location"], "msg": msg, "input": proxy})
        if errors:
            return self.error(422, errors)
        assert isinstance(body, dict)
        if "null_500" in self.faults and "title" in body and body["title"] is None:
            raise TypeError("'NoneType' object has no attribute 'strip'")
        try:
            echo = {**parse_request(relaxed.body), **relaxed.echo}
        except pydantic.ValidationError as error:
            return self.error(422, _pydantic_errors(error))
        # Only `webhook_url` must be an http(s) URL (an empty one means none); `totp_url` only must not be longer than
        # a URL can be: the live service takes `"x"`, and refuses 10,000 characters with a 400.
        webhook_url = body.get("webhook_url") or None
        problem = None if webhook_url is None else url_problem(webhook_url)
        if problem is not None:
            return self.error(400, f"Invalid webhook_url: {problem}")
        totp_url = body.get("totp_url")
        if isinstance(totp_url, str) and len(totp_url) > MAX_URL_LENGTH:
            return self.error(400, f"Invalid totp_url: malformed URL, at most {MAX_URL_LENGTH} characters")
        missing = self.missing_browser_resource(body)
        if missing is not None:
            return self.error(404, missing)
        workflow_id: str = body["workflow_id"]
        workflow = self.config.workflows.get(workflow_id)
        if template and (workflow is None or not workflow.template):
            return self.error(400, f"Workflow template {workflow_id} not found")
        if workflow is None or (workflow.template and not template):
            return self.error(404, f"Workflow not found: {workflow_id}")
        problem = workflow.parameter_problem(body.get("parameters"))
        if problem is not None:
            return self.error(400, problem)
        if self.faults & ECHO_FAULTS:
            echo = shape_echo(echo, body, workflow.title, self.faults)
        # The answer echoes `parameters` as sent; the run keeps (and later reads show) only the declared ones.
        stored = echo
        if isinstance(echo.get("parameters"), dict):
            stored = {**echo, "parameters": workflow.declared_parameters(echo["parameters"])}
        record = self.new_record(workflow, body, stored, max_steps, request.headers.get("x-user-agent"))
        if "no_persist" not in self.faults:
            record = self.store.insert(record)
        return self.run_response(replace(record, request=echo), record.created_at)

    def new_record(
        self,
        workflow: Workflow,
        body: dict[str, Any],
        echo: dict[str, Any],
        max_steps: int | None,
        user_agent: str | None,
    ) -> RunRecord:
        """A new run of `workflow`, scheduled on the server's clock."""
        config = self.config
        outcome = workflow.outcome
        queued = config.scaled(config.queue_seconds)
        started = queued + config.scaled(config.start_seconds)
        finished = started + config.scaled(outcome.run_seconds)
        steps = outcome.steps if max_steps is None else max(0, min(outcome.steps, max_steps))
        webhook_url = body.get("webhook_url") or None
        webhook_state = None
        if webhook_url is not None:
            allowed = webhooks.host_allowed(webhook_url, config.webhook_hosts)
            webhook_state = "pending" if allowed else "blocked"
            if not allowed:
                logger.warning("webhook host not on the allowlist, will not deliver: %s", webhook_url)
        details = {
            "output": outcome.output,
            "failure_reason": outcome.failure_reason,
            "steps": steps,
            "downloaded_files": [dict(item) for item in outcome.downloaded_files],
            "base_url": config.base_url,
            "user_agent": user_agent,
        }
        return RunRecord(
            run_id=new_run_id(),
            workflow_id=workflow.workflow_id,
            created_at=self.now(),
            schedule=Schedule(queued, started, finished, outcome.status),
            details=details,
            request=echo,
            webhook_url=webhook_url,
            webhook_state=webhook_state,
        )

    def missing_browser_resource(self, body: Mapping[str, Any]) -> str | None:
        """The live service's 404 message for a `browser_session_id` / `browser_profile_id` that names nothing here
        (checked only against the ids the server was given), or None."""
        session = body.get("browser_session_id") or None  # an empty id names none, as on the live service
        known = self.config.browser_sessions
        if session is not None and known is not None and session not in known:
            return f"Browser session {session} does not exist or is not live."
        profile = body.get("browser_profile_id") or None
        known = self.config.browser_profiles
        if profile is not None and known is not None and profile not in known:
            return f"Browser profile {profile} not found"
        return None

    def find_run(self, request: Request) -> RunRecord | Response:
        """The run named by the path, or the 403/404 response to answer instead."""
        denied = self.auth_failure(request)
        if denied is not None:
            return denied
        run_id = request.path_params["run_id"]
        record = None if "no_persist" in self.faults else self.store.get(run_id)
        if record is None:
            return self.error(404, f"Run not found: {run_id}")
        return record

    async def get_run(self, request: Request) -> Response:
        """`GET /v1/runs/{run_id}`."""
        record = self.find_run(request)
        if isinstance(record, Response):
            return record
        return self.run_response(record, self.now(), read=True)

    async def cancel_run(self, request: Request) -> Response:
        """`POST /v1/runs/{run_id}/cancel`: 200 with a `null` body; a terminal run keeps its status."""
        record = self.find_run(request)
        if isinstance(record, Response):
            return record
        now = self.now()
        if "cancel_terminal" in self.faults:
            self.store.force_cancel(record.run_id, now)
        else:
            self.store.cancel(record.run_id, now)
        return self.json({"canceled": True} if "cancel_body" in self.faults else None)

    # -- webhooks ------------------------------------------------------------------------------------------------

    async def webhook_worker(self) -> None:
        """Deliver the webhooks of finished runs, forever (cancelled at shutdown)."""
        tick = min(0.25, max(0.01, self.config.scaled(1.0)))
        transport = httpx2.AsyncHTTPTransport(retries=0)
        async with httpx2.AsyncClient(transport=transport, trust_env=False, follow_redirects=False) as client:
            while True:
                try:
                    for record in self.store.due_webhooks(self.now()):
                        if record.run_id not in self._in_flight:
                            self._in_flight.add(record.run_id)
                            task = asyncio.create_task(self.deliver(client, record))
                            self._tasks.add(task)
                            task.add_done_callback(self._tasks.discard)
                except Exception:
                    logger.exception("webhook worker")
                await asyncio.sleep(tick)

    async def deliver(self, client: httpx2.AsyncClient, record: RunRecord) -> None:
        """One try at delivering a run's webhook; the store remembers the outcome and when to retry."""
        try:
            assert record.webhook_url is not None
            body = webhooks.encode_body(self.body_of(record, self.now(), read=True))
            ok = await webhooks.deliver(
                client, record.webhook_url, body, self.config.api_key, self.config.webhook_timeout
            )
            attempts = record.webhook_attempts + 1
            if ok:
                self.store.record_webhook(record.run_id, state="delivered", attempts=attempts)
            elif attempts >= webhooks.MAX_TRIES:
                self.store.record_webhook(record.run_id, state="failed", attempts=attempts)
                logger.warning("webhook for %s failed %d times, giving up", record.run_id, attempts)
            else:
                delay = self.config.scaled(self.config.webhook_retry_seconds) * attempts
                self.store.record_webhook(record.run_id, state="pending", attempts=attempts, next_at=self.now() + delay)
        except Exception:
            logger.exception("webhook delivery for %s", record.run_id)
        finally:
            self._in_flight.discard(record.run_id)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        """Run the webhook worker while the app serves; close the store at shutdown."""
        worker = asyncio.create_task(self.webhook_worker())
        try:
            yield
        finally:
            worker.cancel()
            for task in [worker, *self._tasks]:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.store.close()


def _is_proxy_string_error(error: Mapping[str, Any], body: Any) -> bool:
    loc = error.get("loc", [])
    return (
        isinstance(body, dict)
        and isinstance(body.get("proxy_location"), str)
        and list(loc[:2]) == ["body", "proxy_location"]
    )


def _pydantic_errors(error: pydantic.ValidationError) -> list[dict[str, Any]]:
    return [
        {"type": item["type"], "loc": ["body", *item["loc"]], "msg": item["msg"], "input": None}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a JSON 500 with `detail`, and is not re-raised; every request
    first waits `config.latency` seconds.

    Not re-raising keeps the connection usable (uvicorn drops a keep-alive connection whose app raised).
    """

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app = app
        self.service = service

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

        if self.service.config.latency > 0:
            await asyncio.sleep(self.service.config.latency)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            logger.error("unhandled error on %s %s: %r", scope.get("method"), scope.get("path"), error)
            if not started:
                await self.service.error(500, "Internal server error")(scope, receive, send)


def create_app(config: ServerConfig) -> Starlette:
    """Build the ASGI app of one server.

    Args:
        config: the server's settings.

    Returns:
        A Starlette app; serve it with uvicorn.

    Example:
        >>> app = create_app(ServerConfig(api_key="key", db_path=Path(":memory:")))
        >>> sorted(route.path for route in app.routes)
        ['/v1/run/workflows', '/v1/runs/{run_id}', '/v1/runs/{run_id}/cancel']
    """
    service = Service(config)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return service.error(exc.status_code, exc.detail, exc.headers)

    routes = [
        Route("/v1/run/workflows", service.run_workflow, methods=["POST"]),
        Route("/v1/runs/{run_id}", service.get_run, methods=["GET"]),
        Route("/v1/runs/{run_id}/cancel", service.cancel_run, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error},
        middleware=[Middleware(CatchAll, service=service)],
        lifespan=service.lifespan,
    )
    app.state.service = service
    return app
