"""A thin recording HTTP client for the Hypothesis properties: every exchange lands in the `Recorder`.

The properties talk HTTP directly (not through the generated client) so that what they send is exactly what the
reproduction shows; `test_client.py` drives the generated client separately.

The suite makes one `Api` per run and hands each test a copy bound to its record (`for_test`): the same connections,
recorder and settings; the test's budget, run cap share, isolation trials and started runs.

Example:
    >>> paths = {"get_run": "/v1/runs/{run_id}"}
    >>> api = Api("http://t", api_key="k", key_header="x-api-key", paths=paths, recorder=Recorder())
    >>> api.path_of("get_run", "wr_1"), api.path_of("get_run", "..")
    ('/v1/runs/wr_1', '/v1/runs/%2E%2E')
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx2

from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.record.repro import Exchange, Recorder, now
from contract_tests.spec import path_pattern
from contract_tests.transport.paths import MovedRequestError, path_segment

__all__ = ["Api", "Reply"]

_NO_BODY: Any = object()
_ORDINARY_HEADERS = frozenset(
    {"host", "accept", "accept-encoding", "connection", "content-length", "content-type", "user-agent"}
)
"""Headers every request carries: never the trigger of a 5xx (`Api.isolate` tries each other header alone)."""
_RESETS = (httpx2.ReadError, httpx2.WriteError, httpx2.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class Reply:
    """A response, read.

    Attributes:
        status: the status code.
        headers: the response headers.
        content: the body.
        culprit: for a 5xx of `run_workflow`: its smallest trigger, the one header (`header:<name>`), query
            parameter (`query:<name>`) or body field (a JSON pointer) that alone beside the smallest valid body
            brings the 5xx back (see `Api.isolate`); empty when none alone does.
        culprit_exchange: that smallest request and its 5xx (the shortest reproduction).
    """

    status: int
    headers: Mapping[str, str]
    content: bytes
    culprit: str = ""
    culprit_exchange: Exchange | None = None

    @property
    def content_type(self) -> str:
        """The media type, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The parsed body (raises ValueError when it is not JSON)."""
        return json.loads(self.content)


class Api:
    """Requests to the target, recorded, with the API key attached unless told otherwise."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        key_header: str,
        paths: Mapping[str, str],
        recorder: Recorder,
        budget: Callable[[Observations | None], None] | None = None,
        timeout: float = 10.0,
        known_values: Mapping[str, Any] | None = None,
        minimal_body: Mapping[str, Any] | None = None,
        sink_url: str = "",
        admit_run: Callable[[Observations | None], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sink_url = sink_url.rstrip("/")
        """The suite's sink: the only address URL fields carry (`is_sink_url`)."""
        self.known_values: Mapping[str, Any] = dict(known_values or {})
        """Request field values that name resources existing on the target (`CONTRACT_KNOWN_VALUES`)."""
        self.minimal_body = dict(minimal_body or {})
        """The smallest valid `run_workflow` body: what `isolate` adds one field at a time to."""
        self.api_key = api_key
        self.key_header = key_header
        self.paths = dict(paths)
        self.recorder = recorder
        self.budget = budget
        """Called with `record` before every request: `Context.check_budget`."""
        self.admit_run = admit_run
        """Called with `record` before every `run_workflow` request (it may start a run): `Context.admit_run`."""
        self.record: Observations | None = None
        """The record of the test this copy serves (`for_test`); None: no test's."""
        self.created_runs: list[str] = []
        self._client = httpx2.Client(timeout=timeout)

    def for_test(self, seen: Observations) -> Api:
        """This `Api` for one test: its connections, recorder and settings, with the test's record."""
        bound = copy.copy(self)
        bound.record = seen
        return bound

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _NO_BODY,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        key: str | None = "",
    ) -> Reply:
        """Send one request and record it.

        Args:
            method: HTTP method.
            path: path below the base URL.
            json_body: a JSON body (left out when not given).
            content: a raw JSON body, sent (as `application/json`) and recorded byte for byte: JSON text that
                `json.dumps` would not write, such as `1e2` for an integer. Not together with `json_body`.
            headers: extra headers.
            query: query parameters.
            key: the API key to send: "" for the configured one, None for none, else that value.

        Returns:
            The reply. When `budget` (called first) finds the profile's budget spent, the test is skipped instead.
        """
        if self.budget is not None:
            self.budget(self.record)
        if self.admit_run is not None and method == "POST" and self.operation_of(path) == "run_workflow":
            self.admit_run(self.record)
        all_headers: dict[str, str] = {}
        if key is not None:
            all_headers[self.key_header] = self.api_key if key == "" else key
        if json_body is not _NO_BODY:
            if content is not None:
                raise TypeError("give json_body or content, not both")
            content = json.dumps(json_body).encode()
        if content is not None:
            all_headers["content-type"] = "application/json"
        all_headers.update(headers or {})
        request = self._client.build_request(
            method, self.base_url + path, headers=all_headers, params=dict(query or {}), content=content
        )
        self._refuse_moved(method, path, request)
        started = now()
        try:
            response = self._send(request)
        except _RESETS as error:
            self._record(request, started, None, b"")
            raise self._no_answer(method, path, "the connection was dropped without an answer, twice", error) from None
        except httpx2.TimeoutException as error:
            self._record(request, started, None, b"")
            raise self._no_answer(method, path, f"no answer within {self._client.timeout.read} s", error) from None
        except httpx2.HTTPError:
            self._record(request, started, None, b"")
            raise
        self._record(request, started, response.status_code, response.content)
        reply = Reply(response.status_code, dict(response.headers), response.content)
        if reply.status >= 500 and self.operation_of(path) == "run_workflow":
            return self.isolate(request, reply)
        return reply

    def _refuse_moved(self, method: str, path: str, request: httpx2.Request) -> None:
        """Refuse to send a request for an operation whose URL the HTTP client moved: the path it goes to no longer
        names that operation with the same path parameters (a `.` or `..` segment resolved, say). Its answer would be
        judged as an operation it never reached.

        Raises:
            MovedRequestError: the request was moved (a bug in the suite, not a finding).
        """
        meant = self._match(path.split("?")[0])
        if meant is None:
            return
        base = httpx2.URL(self.base_url).raw_path.decode("latin-1").rstrip("/")
        sent = request.url.raw_path.decode("latin-1").split("?")[0]
        if not sent.startswith(base) or self._match(sent[len(base) :]) != meant:
            raise MovedRequestError(
                f"{method} {path} would go to {sent}, which is not {meant[0]} with the same path parameters: "
                "not sent (a path value the client normalises must be encoded, see path_segment)"
            )

    def _match(self, path: str) -> tuple[str, tuple[str, ...]] | None:
        """The operation whose path template matches a path, and its path parameters (decoded); None for none."""
        for operation_id, template in self.paths.items():
            found = path_pattern(template).fullmatch(path)
            if found is not None:
                return operation_id, tuple(unquote(value) for value in found.groups())
        return None

    def _no_answer(self, method: str, path: str, what: str, error: Exception) -> ContractViolation:
        """A request that got no answer: a server-errors violation (kind: dropped connection or timeout)."""
        operation_id = self.operation_of(path)
        kind = "timeout" if isinstance(error, httpx2.TimeoutException) else "connection dropped"
        return ContractViolation(
            Area.SERVER_ERRORS,
            "answers",
            f"{method} {path}: {what} ({type(error).__name__})",
            operation_id,
            kind,
            operation_id,
        )

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        """Send; a connection the server dropped under a kept-alive request (some servers drop it after a 5xx) is
        tried once more, on a new connection."""
        try:
            return self._client.send(request)
        except _RESETS:
            return self._client.send(request)

    def isolate(self, request: httpx2.Request, reply: Reply) -> Reply:
        """Narrow a 5xx of `run_workflow` down to its smallest trigger: one extra header, one query parameter or one
        body field that, alone beside the smallest valid body, brings the 5xx back (`header:x-max-steps-override`,
        `query:template`, `/run_with`). Headers come first, so that a bad header is not blamed on the first body
        field. When the smallest valid body alone already fails, the operation itself does: no trigger.

        Each trial's outcome is kept in the test's `record` (`Observations.trials`), so a trigger met again costs no
        request, and the same test against the same server narrows the same way whatever ran before it. Trials are
        counted, not chained: the trigger's request becomes the finding's reproduction.

        Returns:
            The reply, with `culprit` and `culprit_exchange` set when one trigger alone reproduces it.
        """
        try:
            body = json.loads(request.content) if request.content else dict(self.minimal_body)
        except ValueError:
            return reply
        if not isinstance(body, dict):
            return reply
        base_headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in (self.key_header.lower(), "content-type")
        }
        extra_headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in _ORDINARY_HEADERS and name.lower() != self.key_header.lower()
        ]
        url = request.url.copy_with(query=None)
        if self._trial(request.method, url, base_headers, self.minimal_body, "") is not None:
            return reply  # the smallest valid request fails too: the operation itself, not one trigger
        trials: list[tuple[str, Mapping[str, str], httpx2.URL, Mapping[str, Any]]] = [
            (f"header:{name.lower()}", {**base_headers, name: value}, url, self.minimal_body)
            for name, value in extra_headers
        ]
        trials += [
            (f"query:{name}", base_headers, url.copy_add_param(name, value), self.minimal_body)
            for name, value in request.url.params.multi_items()
        ]
        trials += [
            (f"/{name}", base_headers, url, {**self.minimal_body, name: value})
            for name, value in body.items()
            if name not in self.minimal_body or value != self.minimal_body[name]
        ]
        for trigger, headers, target, single in trials:
            exchange = self._trial(request.method, target, headers, single, trigger)
            if exchange is not None:
                return Reply(reply.status, reply.headers, reply.content, trigger, exchange)
        return reply

    def _trial(
        self, method: str, url: httpx2.URL, headers: Mapping[str, str], body: Mapping[str, Any], trigger: str
    ) -> Exchange | None:
        """Send one isolation trial; its exchange when it answered a 5xx, else None (remembered for the test)."""
        content = json.dumps(body).encode()
        memo = (trigger, str(url), json.dumps(sorted(headers.items())), content)
        seen = self.record
        if seen is not None and memo in seen.trials:
            return seen.trials[memo]
        if self.admit_run is not None:
            self.admit_run(seen)
        attempt = self._client.build_request(method, url, headers=dict(headers), content=content)
        started = now()
        try:
            response = self._send(attempt)
        except httpx2.HTTPError:
            return None
        self.recorder.count()
        if 200 <= response.status_code < 300 and seen is not None:
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                seen.run_started(str(response.json()["run_id"]))
        found = None
        if response.status_code >= 500:
            sent = {k: v for k, v in attempt.headers.items() if k.lower() != "content-length"}
            found = Exchange(method, str(attempt.url), sent, content, response.status_code, response.content, started)
        if seen is not None:
            seen.trials[memo] = found
        return found

    def _record(self, request: httpx2.Request, started: float, status: int | None, body: bytes) -> None:
        sent = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
        self.recorder.add(
            Exchange(request.method, str(request.url), sent, request.content or None, status, body, started)
        )

    def run_workflow(
        self,
        body: Any = _NO_BODY,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        key: str | None = "",
    ) -> Reply:
        """POST a run (`body` as JSON, or `content`, the raw JSON text); remember its id for the cleanup when it was
        created."""
        path = self.path_of("run_workflow")
        reply = self.request("POST", path, json_body=body, content=content, headers=headers, query=query, key=key)
        if 200 <= reply.status < 300:
            try:
                run_id = reply.json().get("run_id")
            except (ValueError, AttributeError):
                run_id = None
            if isinstance(run_id, str):
                self.created_runs.append(run_id)
        return reply

    def get_run(self, run_id: str, *, key: str | None = "") -> Reply:
        """GET a run."""
        return self.request("GET", self.path_of("get_run", run_id), key=key)

    def cancel_run(self, run_id: str, *, key: str | None = "") -> Reply:
        """Cancel a run."""
        return self.request("POST", self.path_of("cancel_run", run_id), key=key)

    def is_sink_url(self, value: str) -> bool:
        """Whether a URL is an address of the suite's sink."""
        return bool(self.sink_url) and (value == self.sink_url or value.startswith(self.sink_url + "/"))

    def operation_of(self, path: str) -> str:
        """The operation whose path template matches a path (the path itself when none does)."""
        matched = self._match(path.split("?")[0])
        return path if matched is None else matched[0]

    def path_of(self, operation_id: str, run_id: str | None = None) -> str:
        """The path of an operation from the spec, with `{run_id}` filled in as one segment (`path_segment`)."""
        path = self.paths[operation_id]
        return path if run_id is None else path.replace("{run_id}", path_segment(run_id))
