"""The machinery behind every generated method: request building, retries, status errors and parsing.

A generated method is one call to `_request` (or `_request_raw`) with the operation's `Endpoint` and its
arguments. Everything that does not vary per spec lives here, written once for sync and once for async.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Self, TypeVar, cast
from urllib.parse import quote

import httpx2
import pydantic
import pydantic_core

from ._enums import strict_enums
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    make_status_error,
)
from ._retry import DEFAULT_MAX_RETRIES, IDEMPOTENT_METHODS, backoff_delay, retry_after_seconds, should_retry
from ._types import NOT_GIVEN, NotGiven, Timeout

__all__ = ["DEFAULT_TIMEOUT", "APIResponse", "AsyncAPIClient", "Endpoint", "SyncAPIClient"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)
_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[T]):
    """One operation of the spec: where to send it and how to read what comes back.

    Attributes:
        method: the HTTP method, upper case.
        path: the path template, e.g. `/v1/runs/{run_id}`.
        response_type: the type a 2xx JSON body parses into; `None` when the spec declares no body, `bytes` when
            the body is not JSON.
        error_types: the error model the spec declares per status code (`"4XX"`, `"default"` also accepted).
        idempotent: safe to resend after a failure that may have reached the server.
    """

    method: str
    path: str
    response_type: Any
    error_types: Mapping[int | str, Any] = field(default_factory=dict)
    idempotent: bool | None = None

    @property
    def safe_to_repeat(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.method in IDEMPOTENT_METHODS


_PARSERS: dict[Any, Callable[[bytes], Any]] = {}


def _parser(type_: Any) -> Callable[[bytes], Any]:
    """A fast JSON parser for `type_`, built once per type."""
    parser = _PARSERS.get(type_)
    if parser is None:
        if type_ is None:
            parser = _parse_none
        elif type_ is bytes:  # a body that is not JSON: handed over as it came
            parser = bytes
        elif isinstance(type_, type) and issubclass(type_, pydantic.BaseModel):
            parser = type_.model_validate_json
        else:
            parser = pydantic.TypeAdapter(type_).validate_json
        _PARSERS[type_] = parser
    return parser


def _parse_none(content: bytes) -> None:
    return None


def _decode(response: httpx2.Response) -> object:
    try:
        return pydantic_core.from_json(response.content) if response.content else None
    except ValueError:
        return response.text


def _error_type(endpoint: Endpoint[Any], status: int) -> Any:
    types = endpoint.error_types
    return types.get(status, types.get(f"{status // 100}XX", types.get("default")))


def _parse(endpoint: Endpoint[T], response: httpx2.Response, strict: bool) -> T:
    try:
        if strict:
            with strict_enums():
                return cast(T, _parser(endpoint.response_type)(response.content))
        return cast(T, _parser(endpoint.response_type)(response.content))
    except pydantic.ValidationError as exc:
        errors = cast(list[dict[str, Any]], exc.errors(include_url=False))
        raise APIResponseValidationError(response=response, body=_decode(response), errors=errors) from None


def _raise_for_status(endpoint: Endpoint[Any], response: httpx2.Response) -> None:
    body = _decode(response)
    error_type = _error_type(endpoint, response.status_code)
    if error_type is not None and body is not None:
        with contextlib.suppress(pydantic.ValidationError):
            body = _parser(error_type)(response.content)
    raise make_status_error(response, body)


def _format_path(template: str, values: Mapping[str, object]) -> str:
    for name, value in values.items():
        text = str(value.value if isinstance(value, Enum) else value)
        if not text:
            raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
        template = template.replace("{" + name + "}", quote(text, safe=""))
    return template


def _given(values: Mapping[str, object] | None) -> dict[str, Any]:
    """The entries that were given: NOT_GIVEN always drops out (and None too: a null header or query is absent)."""
    if not values:
        return {}
    return {
        key: value.value if isinstance(value, Enum) else value
        for key, value in values.items()
        if value is not None and value is not NOT_GIVEN
    }


class APIResponse(Generic[T]):
    """The raw HTTP response of a call, and its body parsed on demand.

    Example:
        >>> raw = client.with_raw_response.get_run("wr_1")
        >>> raw.status_code, raw.headers["content-type"]
        >>> run = raw.parse()
    """

    def __init__(self, endpoint: Endpoint[T], response: httpx2.Response, strict: bool) -> None:
        self.http_response = response
        self._endpoint = endpoint
        self._strict = strict

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx2.Headers:
        return self.http_response.headers

    def parse(self) -> T:
        """The body as the spec's type for this response (raises as the plain method would)."""
        return _parse(self._endpoint, self.http_response, self._strict)

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.http_response.request.method} {self.http_response.url}>"


class _BaseClient:
    """Configuration shared by the sync and async clients. Subclasses (generated) set the class attributes."""

    _ENV_API_KEY: str | None = None
    _ENV_BASE_URL: str | None = None
    _DEFAULT_BASE_URL: str | None = None
    _AUTH_HEADER: str | None = None
    _AUTH_PREFIX: str = ""
    _USER_AGENT: str = "generated-client"

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: Timeout,
        max_retries: int,
        strict: bool,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        if api_key is None and self._ENV_API_KEY:
            api_key = os.environ.get(self._ENV_API_KEY)
        if api_key is None and self._AUTH_HEADER:
            where = f" or set {self._ENV_API_KEY}" if self._ENV_API_KEY else ""
            raise APIError(f"{type(self).__name__} needs an API key: pass api_key=...{where}")
        if base_url is None and self._ENV_BASE_URL:
            base_url = os.environ.get(self._ENV_BASE_URL)
        base_url = base_url or self._DEFAULT_BASE_URL
        if not base_url:
            raise APIError(f"{type(self).__name__} needs a base URL: pass base_url=...")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.strict = strict
        self._headers = {"accept": "application/json", "user-agent": self._USER_AGENT, **(default_headers or {})}
        if api_key is not None and self._AUTH_HEADER:
            self._headers[self._AUTH_HEADER] = self._AUTH_PREFIX + api_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build(
        self,
        http: httpx2.Client | httpx2.AsyncClient,
        endpoint: Endpoint[Any],
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        headers: Mapping[str, object] | None,
        json: object,
        extra_headers: Mapping[str, str] | None,
        timeout: Timeout | NotGiven,
    ) -> httpx2.Request:
        url = self.base_url + (_format_path(endpoint.path, path) if path else endpoint.path)
        merged = dict(self._headers)
        if headers:
            merged.update({key: str(value) for key, value in _given(headers).items()})
        content = None
        if json is not None and json is not NOT_GIVEN:
            merged["content-type"] = "application/json"
            content = pydantic_core.to_json(_given_body(json) if isinstance(json, dict) else json, by_alias=True)
        if extra_headers:
            merged.update(extra_headers)
        return http.build_request(
            endpoint.method,
            url,
            params=_given(query) or None,
            headers=merged,
            content=content,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
        )

    def _retry_delay(
        self, endpoint: Endpoint[Any], attempt: int, response: httpx2.Response | None, error: Exception | None
    ) -> float | None:
        """Seconds to wait before resending, or None to give up now."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            retry_after = retry_after_seconds(response.headers)
            retry = should_retry(
                idempotent=endpoint.safe_to_repeat, status=response.status_code, retry_after=retry_after
            )
            reason = str(response.status_code)
        else:
            retry_after = None
            connect_failed = isinstance(error, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)
            retry = should_retry(idempotent=endpoint.safe_to_repeat, connect_failed=connect_failed)
            reason = type(error).__name__
        if not retry:
            return None
        delay = backoff_delay(attempt, retry_after)
        _log.info("Retrying %s %s in %.2fs (%s; retry %d of %d)", endpoint.method, endpoint.path, delay, reason,
                  attempt + 1, self.max_retries)  # fmt: skip
        return delay

    @staticmethod
    def _transport_error(request: httpx2.Request, error: httpx2.TransportError) -> APIConnectionError:
        if isinstance(error, httpx2.TimeoutException):
            return APITimeoutError(request=request)
        return APIConnectionError(f"Connection error: {type(error).__name__}", request=request)


def _given_body(body: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in body.items() if value is not NOT_GIVEN}


class SyncAPIClient(_BaseClient):
    """Base of the generated synchronous client."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        strict: bool = False,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, strict, default_headers)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx2.Client()

    def close(self) -> None:
        """Close the connection pool (an injected `http_client` is left to its owner)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, endpoint: Endpoint[Any], request: httpx2.Request) -> httpx2.Response:
        attempt = 0
        while True:
            try:
                response = self._http.send(request)
            except httpx2.TransportError as error:
                delay = self._retry_delay(endpoint, attempt, None, error)
                if delay is None:
                    raise self._transport_error(request, error) from error
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(endpoint, attempt, response, None)
                if delay is None:
                    return response
                response.close()
            time.sleep(delay)
            attempt += 1

    def _request_raw(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> APIResponse[T]:
        request = self._build(self._http, endpoint, path, query, headers, json, extra_headers, timeout)
        response = self._send(endpoint, request)
        if not response.is_success:
            _raise_for_status(endpoint, response)
        return APIResponse(endpoint, response, self.strict)

    def _request(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> T:
        return self._request_raw(
            endpoint, path=path, query=query, headers=headers, json=json, extra_headers=extra_headers, timeout=timeout
        ).parse()


class AsyncAPIClient(_BaseClient):
    """Base of the generated asynchronous client."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        strict: bool = False,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, strict, default_headers)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx2.AsyncClient()

    async def close(self) -> None:
        """Close the connection pool (an injected `http_client` is left to its owner)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _send(self, endpoint: Endpoint[Any], request: httpx2.Request) -> httpx2.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.send(request)
            except httpx2.TransportError as error:
                delay = self._retry_delay(endpoint, attempt, None, error)
                if delay is None:
                    raise self._transport_error(request, error) from error
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(endpoint, attempt, response, None)
                if delay is None:
                    return response
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _request_raw(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> APIResponse[T]:
        request = self._build(self._http, endpoint, path, query, headers, json, extra_headers, timeout)
        response = await self._send(endpoint, request)
        if not response.is_success:
            _raise_for_status(endpoint, response)
        return APIResponse(endpoint, response, self.strict)

    async def _request(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> T:
        raw = await self._request_raw(
            endpoint, path=path, query=query, headers=headers, json=json, extra_headers=extra_headers, timeout=timeout
        )
        return raw.parse()
