"""Errors raised by the generated client. Catch `APIError` to catch them all.

    APIError                              root: every error this client raises
    ├── APIConnectionError                no HTTP response (DNS, refused, reset, TLS, ...)
    │   └── APITimeoutError               the request timed out
    ├── APIResponseValidationError        a response that does not match its schema in the spec
    ├── WaitTimeoutError                  a waiting helper (`x-wait`) saw no final state in time (in `_wait`)
    └── APIStatusError                    a 4xx or 5xx response; `status_code`, `response`, `body`
        ├── BadRequestError               400
        ├── AuthenticationError           401
        ├── PermissionDeniedError         403
        ├── NotFoundError                 404
        ├── ConflictError                 409
        ├── UnprocessableEntityError      422
        ├── RateLimitError                429
        └── InternalServerError           5xx

A package whose spec has webhooks adds `WebhookVerificationError` (and its subclasses) and `WebhookPayloadError`,
both derived from `APIError`: see `_webhooks`.

`APIStatusError.body` is the response body parsed into the error model the spec declares for that status (for
example a validation-error model on 422), else the decoded JSON, else the text. No error's message or repr contains
request headers, so an API key never leaks through one.
"""

from __future__ import annotations

from typing import Any

import httpx2

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
]


class APIError(Exception):
    """Root of every error the client raises."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """The request got no HTTP response."""

    def __init__(self, message: str = "Connection error.", *, request: httpx2.Request) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, *, request: httpx2.Request) -> None:
        super().__init__("Request timed out.", request=request)


class APIResponseValidationError(APIError):
    """A response body that does not match the schema the spec declares for it.

    Attributes:
        response: the HTTP response.
        status_code: its status code.
        body: the decoded JSON body (or text, if it is not JSON).
        errors: pydantic's error list: `loc`, `msg`, `type` and `input` of each mismatch.
    """

    def __init__(self, *, response: httpx2.Response, body: object, errors: list[dict[str, Any]]) -> None:
        where = ", ".join(".".join(str(part) for part in error.get("loc", ())) or "<root>" for error in errors[:5])
        super().__init__(f"{response.status_code} response does not match the spec at: {where}")
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.errors = errors


class APIStatusError(APIError):
    """A 4xx or 5xx response.

    Attributes:
        response: the HTTP response.
        status_code: its status code.
        body: the body, parsed into the spec's error model for this status when one is declared.
    """

    def __init__(self, message: str, *, response: httpx2.Response, body: object) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body


class BadRequestError(APIStatusError):
    """400 Bad Request."""


class AuthenticationError(APIStatusError):
    """401 Unauthorized."""


class PermissionDeniedError(APIStatusError):
    """403 Forbidden (missing, invalid or expired API key)."""


class NotFoundError(APIStatusError):
    """404 Not Found."""


class ConflictError(APIStatusError):
    """409 Conflict."""


class UnprocessableEntityError(APIStatusError):
    """422 Unprocessable Entity (request validation failed)."""


class RateLimitError(APIStatusError):
    """429 Too Many Requests."""


class InternalServerError(APIStatusError):
    """Any 5xx response."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def make_status_error(response: httpx2.Response, body: object) -> APIStatusError:
    """The one place that maps a status code to its exception class."""
    status = response.status_code
    cls = InternalServerError if status >= 500 else _BY_STATUS.get(status, APIStatusError)
    detail = body.model_dump_json() if hasattr(body, "model_dump_json") else body
    return cls(f"Error code: {status} - {detail!s:.500}", response=response, body=body)
