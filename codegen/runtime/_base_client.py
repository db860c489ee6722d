"""The machinery behind every generated method: request building, retries and sending, sync and async.

A generated method is one call to `_request` (or `_request_raw`) with the operation's `Endpoint` and a
`RequestOptions` holding its arguments. Everything that does not vary per spec lives here, in `_response` and in
`_bodies` (the request body of each media type).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from enum import Enum
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx2

from ._bodies import NO_BODY, EncodedBody, choose, encode
from ._exceptions import APIConnectionError, APIError, APITimeoutError
from ._response import APIResponse, Endpoint, raise_for_status
from ._retry import DEFAULT_MAX_RETRIES, backoff_delay, retry_after_seconds, should_retry
from ._types import NOT_GIVEN, NotGiven, RequestOptions, Timeout

__all__ = ["DEFAULT_TIMEOUT", "AsyncAPIClient", "SyncAPIClient"]

T = TypeVar("T")
HttpClientT = TypeVar("HttpClientT", httpx2.Client, httpx2.AsyncClient)

DEFAULT_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)
_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)


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


class _BaseClient(Generic[HttpClientT]):
    """Configuration shared by the sync and async clients. Subclasses (generated) set the class attributes."""

    _ENV_API_KEY: str | None = None
    _ENV_BASE_URL: str | None = None
    _DEFAULT_BASE_URL: str | None = None
    _AUTH_HEADER: str | None = None
    _AUTH_PREFIX: str = ""
    _USER_AGENT: str = "generated-client"
    _ASYNC = False
    _http: HttpClientT

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        strict: bool = False,
        default_headers: Mapping[str, str] | None = None,
        http_client: HttpClientT | None = None,
    ) -> None:
        if api_key is None and self._ENV_API_KEY:
            api_key = os.environ.get(self._ENV_API_KEY)
        if api_key is None and self._AUTH_HEADER:
            where = f" or set {self._ENV_API_KEY}" if self._ENV_API_KEY else ""
            raise APIError(f"{type(self).__name__} needs an API key: pass api_key=...{where}")
        if base_url is None and self._ENV_BASE_URL:
            base_url = os.environ.get(self._ENV_BASE_URL)
        self._base_url_given = bool(base_url)
        """Whether the caller chose the base URL: then every call goes there, even one with a server of its own."""
        base_url = base_url or self._DEFAULT_BASE_URL
        if not base_url:
            raise APIError(f"{type(self).__name__} needs a base URL: pass base_url=...")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.strict = strict
        self._api_key = api_key
        self._default_headers = dict(default_headers or {})
        self._headers = {"accept": "application/json", "user-agent": self._USER_AGENT, **self._default_headers}
        if api_key is not None and self._AUTH_HEADER:
            self._headers[self._AUTH_HEADER] = self._AUTH_PREFIX + api_key
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else self._new_http_client()

    def _new_http_client(self) -> HttpClientT:
        raise NotImplementedError

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        strict: bool | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A client like this one with other defaults, sharing its connection pool (closing it leaves the pool open).

        `default_headers` are added to this client's. Example: `client.with_options(timeout=5, max_retries=0)`.
        """
        return type(self)(
            self._api_key if api_key is None else api_key,
            base_url=(self.base_url if self._base_url_given else None) if base_url is None else base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if max_retries is None else max_retries,
            strict=self.strict if strict is None else strict,
            default_headers={**self._default_headers, **(default_headers or {})},
            http_client=self._http,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build(self, endpoint: Endpoint[Any], options: RequestOptions) -> tuple[httpx2.Request, EncodedBody]:
        """The request, and its body (whose `rewind` says whether it may be sent again)."""
        root = endpoint.server if endpoint.server is not None and not self._base_url_given else self.base_url
        url = root + (_format_path(endpoint.path, options.path) if options.path else endpoint.path)
        headers = dict(self._headers)
        if options.headers:
            headers.update({key: str(value) for key, value in _given(options.headers).items()})
        chosen = choose(endpoint.media, endpoint.required_fields, options.fields, options.body, options.content_type)
        body = NO_BODY if chosen is None else encode(*chosen, asynchronous=self._ASYNC)
        headers.update(body.headers)
        if options.extra_headers:
            headers.update(options.extra_headers)
        request = self._http.build_request(
            endpoint.method,
            url,
            params=_given(options.query) or None,
            headers=headers,
            timeout=self.timeout if isinstance(options.timeout, NotGiven) else options.timeout,
            **body.arguments,
        )
        return request, body

    def _retry_delay(
        self,
        endpoint: Endpoint[Any],
        attempt: int,
        response: httpx2.Response | None,
        error: Exception | None,
        body: EncodedBody,
    ) -> float | None:
        """Seconds to wait before resending, or None to give up now (also when the body, a stream, cannot be
        rewound for it)."""
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
        if not body.rewind():
            _log.info("Not retrying %s %s (%s): its body is a stream that cannot be rewound", endpoint.method,
                      endpoint.path, reason)  # fmt: skip
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


class SyncAPIClient(_BaseClient[httpx2.Client]):
    """Base of the generated synchronous client."""

    def _new_http_client(self) -> httpx2.Client:
        return httpx2.Client()

    def close(self) -> None:
        """Close the connection pool (an injected `http_client` is left to its owner)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, endpoint: Endpoint[Any], request: httpx2.Request, body: EncodedBody) -> httpx2.Response:
        attempt = 0
        while True:
            try:
                response = self._http.send(request)
            except httpx2.TransportError as error:
                delay = self._retry_delay(endpoint, attempt, None, error, body)
                if delay is None:
                    raise self._transport_error(request, error) from error
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(endpoint, attempt, response, None, body)
                if delay is None:
                    return response
                response.close()
            time.sleep(delay)
            attempt += 1

    def _request_raw(self, endpoint: Endpoint[T], options: RequestOptions) -> APIResponse[T]:
        response = self._send(endpoint, *self._build(endpoint, options))
        if not response.is_success:
            raise_for_status(endpoint, response)
        return APIResponse(endpoint, response, self.strict)

    def _request(self, endpoint: Endpoint[T], options: RequestOptions) -> T:
        return self._request_raw(endpoint, options).parse()


class AsyncAPIClient(_BaseClient[httpx2.AsyncClient]):
    """Base of the generated asynchronous client."""

    _ASYNC = True

    def _new_http_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient()

    async def close(self) -> None:
        """Close the connection pool (an injected `http_client` is left to its owner)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _send(self, endpoint: Endpoint[Any], request: httpx2.Request, body: EncodedBody) -> httpx2.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.send(request)
            except httpx2.TransportError as error:
                delay = self._retry_delay(endpoint, attempt, None, error, body)
                if delay is None:
                    raise self._transport_error(request, error) from error
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(endpoint, attempt, response, None, body)
                if delay is None:
                    return response
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _request_raw(self, endpoint: Endpoint[T], options: RequestOptions) -> APIResponse[T]:
        response = await self._send(endpoint, *self._build(endpoint, options))
        if not response.is_success:
            raise_for_status(endpoint, response)
        return APIResponse(endpoint, response, self.strict)

    async def _request(self, endpoint: Endpoint[T], options: RequestOptions) -> T:
        return (await self._request_raw(endpoint, options)).parse()
