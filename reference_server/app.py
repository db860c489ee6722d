"""The ASGI app: `run_workflow`, `get_run` and `cancel_run` as `spec/openapi.yaml` describes them, and that document
itself at `/openapi.json` (the real server serves its own there).

Order of checks, as on the live service: routing (404 unknown path, 405 wrong method), then the API key (403),
then the body's size (413) and syntax (422 / 400), then the schema (422 for body, header and query together), then
`webhook_url` and `totp_url` (400), the browser session and profile (404, only when the server was given the ids that
exist; `validation.body_problem`), the workflow (404, or 400 for a bad template id) and its required parameters (400).
Every answer is JSON with a `detail`, unexpected exceptions included (a JSON 500, which only a fault should ever
cause).
Where a fault could change an answer the handlers ask the server's `FaultSet`; they know no fault by name.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

import pydantic
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server.bodies import parse_request, request_errors, run_bytes, served_run
from reference_server.config import ServerConfig
from reference_server.faults import FaultSet
from reference_server.http import JSON_MEDIA_TYPE, CatchAll, error_body, json_response, read_body
from reference_server.records import new_record
from reference_server.store import RunRecord, Store
from reference_server.validation import BodyError, RequestValidator, body_problem, load_spec, parse_json_body
from reference_server.webhooks import Dispatcher

__all__ = ["Service", "create_app"]


class Service:
    """The endpoints of one server instance, its store, its faults and its webhook dispatcher."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.faults = FaultSet(config.faults)
        self.store = Store(config.db_path, durable=config.durable)
        self.spec = load_spec(config.spec_path)
        self.validator = RequestValidator(self.spec)
        self.webhooks = Dispatcher(
            self.store,
            lambda record, now: served_run(record, now, self.faults),
            self.now,
            api_key=self.faults.webhook_key(config.api_key),
            timeout=config.webhook_timeout,
            retry_seconds=config.scaled(config.webhook_retry_seconds),
            tick=min(0.25, max(0.01, config.scaled(1.0))),
        )
        self._latest = 0.0

    def now(self) -> float:
        """The clock, never going backwards within this process (a wall-clock step back cannot undo a status)."""
        self._latest = max(self._latest, self.config.clock())
        return self._latest

    def json(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        """A JSON answer."""
        return json_response(content, status_code, headers, self.faults.content_type(JSON_MEDIA_TYPE))

    def error(self, status_code: int, detail: Any, headers: Mapping[str, str] | None = None) -> Response:
        """An error answer: `{"detail": ...}`."""
        return self.json(error_body(self.faults.error_detail(status_code, detail)), status_code, headers)

    def run_response(self, record: RunRecord, now: float, *, read: bool = False) -> Response:
        """A 200 with the run's JSON as of `now`; serialised straight from the model when no fault is on."""
        if self.faults:
            return self.json(served_run(record, now, self.faults, read=read))
        return Response(run_bytes(record, record.snapshot(now), read=read), media_type=JSON_MEDIA_TYPE)

    def auth_failure(self, request: Request) -> Response | None:
        """The 403 to answer unless the request carries the API key."""
        given = request.headers.get("x-api-key", "").encode("utf-8", "surrogateescape")
        status = self.faults.auth_status(authorized=hmac.compare_digest(given, self.config.api_key.encode()))
        return None if status is None else self.error(status, "Invalid credentials")

    async def run_workflow(self, request: Request) -> Response:
        """`POST /v1/run/workflows`."""
        denied = self.auth_failure(request)
        if denied is not None:
            return denied
        try:
            raw = await read_body(request, self.config.max_body_bytes)
            body = parse_json_body(raw, request.headers.get("content-type"))
        except BodyError as error:
            return self.error(error.status, error.detail)
        query = request.query_params.getlist("template") if request.scope["query_string"] else []
        template, errors = self.validator.template_query(query)
        max_steps, header_errors = self.validator.max_steps_header(request.headers.get("x-max-steps-override"))
        read = self.faults.read_body(body, self.validator.body_errors(body))
        errors += header_errors + read.errors
        if errors:
            return self.error(422, errors)
        assert isinstance(body, dict)
        self.faults.on_request(body)
        try:
            echo = {**parse_request(read.body), **read.echo}
        except pydantic.ValidationError as error:
            return self.error(422, request_errors(error))
        problem = body_problem(body, self.config.browser_sessions, self.config.browser_profiles)
        if problem is not None:
            return self.error(*problem)
        workflow_id: str = body["workflow_id"]
        workflow = self.config.workflows.get(workflow_id)
        if template and (workflow is None or not workflow.template):
            return self.error(400, f"Workflow template {workflow_id} not found")
        if workflow is None or (workflow.template and not template):
            return self.error(404, f"Workflow not found: {workflow_id}")
        missing = workflow.parameter_problem(body.get("parameters"))
        if missing is not None:
            return self.error(400, missing)
        echo = self.faults.shape_echo(echo, body, workflow.title)
        # The answer echoes `parameters` as sent; the run keeps (and later reads show) only the declared ones.
        stored = echo
        if isinstance(echo.get("parameters"), dict):
            stored = {**echo, "parameters": workflow.declared_parameters(echo["parameters"])}
        user_agent = request.headers.get("x-user-agent")
        record = new_record(
            self.config, workflow, body, stored, now=self.now(), max_steps=max_steps, user_agent=user_agent
        )
        webhook_state = self.faults.webhook_state(record.webhook_state)
        if webhook_state != record.webhook_state:
            record = replace(record, webhook_state=webhook_state)
        record = self.faults.insert(self.store, record)
        return self.run_response(replace(record, request=echo), record.created_at)

    def find_run(self, request: Request) -> RunRecord | Response:
        """The run named by the path, or the 403/404 response to answer instead."""
        denied = self.auth_failure(request)
        if denied is not None:
            return denied
        run_id = request.path_params["run_id"]
        record = self.faults.find(self.store, run_id)
        return self.error(404, f"Run not found: {run_id}") if record is None else record

    async def openapi(self, request: Request) -> Response:
        """`GET /openapi.json`: the document this server follows, as the real server serves its own (no key needed)."""
        return json_response(self.spec)

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
        self.faults.cancel(self.store, record.run_id, self.now())
        return self.json(self.faults.cancel_answer())

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        """Run the webhook dispatcher while the app serves; close the store at shutdown."""
        self.webhooks.start()
        try:
            yield
        finally:
            await self.webhooks.stop()
            self.store.close()


def create_app(config: ServerConfig) -> Starlette:
    """Build the ASGI app of one server.

    Args:
        config: the server's settings.

    Returns:
        A Starlette app; serve it with uvicorn.

    Raises:
        UnknownFaultError: when `config.faults` names a fault that does not exist.

    Example:
        >>> from pathlib import Path
        >>> app = create_app(ServerConfig(api_key="key", db_path=Path(":memory:")))
        >>> sorted(route.path for route in app.routes)
        ['/openapi.json', '/v1/run/workflows', '/v1/runs/{run_id}', '/v1/runs/{run_id}/cancel']
    """
    service = Service(config)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return service.error(exc.status_code, exc.detail, exc.headers)

    routes = [
        Route("/v1/run/workflows", service.run_workflow, methods=["POST"]),
        Route("/v1/runs/{run_id}", service.get_run, methods=["GET"]),
        Route("/v1/runs/{run_id}/cancel", service.cancel_run, methods=["POST"]),
        Route("/openapi.json", service.openapi, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error},
        middleware=[Middleware(CatchAll, error=service.error, latency=config.latency)],
        lifespan=service.lifespan,
    )
    app.state.service = service
    return app
