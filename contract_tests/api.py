"""A thin recording HTTP client for the Hypothesis properties: every exchange lands in the `Recorder`.

The properties talk HTTP directly (not through the generated client) so that what they send is exactly what the
reproduction shows; `test_client.py` drives the generated client separately.

Example:
    >>> paths = {"get_run": "/v1/runs/{run_id}"}
    >>> api = Api("http://t", api_key="k", key_header="x-api-key", paths=paths, recorder=Recorder())
    >>> api.path_of("get_run", "wr_1")
    '/v1/runs/wr_1'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from contract_tests.repro import Exchange, Recorder, now

__all__ = ["Api", "Reply"]

_NO_BODY: Any = object()


@dataclass(frozen=True, slots=True)
class Reply:
    """A response, read."""

    status: int
    headers: Mapping[str, str]
    content: bytes

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
        budget: Callable[[], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.key_header = key_header
        self.paths = dict(paths)
        self.recorder = recorder
        self.budget = budget
        self.created_runs: list[str] = []
        self._client = httpx2.Client(timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _NO_BODY,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        key: str | None = "",
    ) -> Reply:
        """Send one request and record it.

        Args:
            method: HTTP method.
            path: path below the base URL.
            json_body: a JSON body (left out when not given).
            headers: extra headers.
            query: query parameters.
            key: the API key to send: "" for the configured one, None for none, else that value.

        Returns:
            The reply. When `budget` (called first) finds the profile's budget spent, the test is skipped instead.
        """
        if self.budget is not None:
            self.budget()
        all_headers: dict[str, str] = {}
        if key is not None:
            all_headers[self.key_header] = self.api_key if key == "" else key
        content = None
        if json_body is not _NO_BODY:
            content = json.dumps(json_body).encode()
            all_headers["content-type"] = "application/json"
        all_headers.update(headers or {})
        request = self._client.build_request(
            method, self.base_url + path, headers=all_headers, params=dict(query or {}), content=content
        )
        started = now()
        try:
            response = self._client.send(request)
        except httpx2.HTTPError:
            self._record(request, started, None, b"")
            raise
        self._record(request, started, response.status_code, response.content)
        return Reply(response.status_code, dict(response.headers), response.content)

    def _record(self, request: httpx2.Request, started: float, status: int | None, body: bytes) -> None:
        sent = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
        self.recorder.add(
            Exchange(request.method, str(request.url), sent, request.content or None, status, body, started)
        )

    def run_workflow(
        self,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        key: str | None = "",
    ) -> Reply:
        """POST a run; remember its id for the cleanup when it was created."""
        path = self.path_of("run_workflow")
        reply = self.request("POST", path, json_body=body, headers=headers, query=query, key=key)
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

    def path_of(self, operation_id: str, run_id: str | None = None) -> str:
        """The path of an operation from the spec, with `{run_id}` filled in."""
        path = self.paths[operation_id]
        return path if run_id is None else path.replace("{run_id}", quote(run_id, safe=""))
