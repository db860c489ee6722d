"""The real server's API key, and keeping keys out of what is shown.

Example:
    >>> token = make_api_key("s" * 32, "o_1", expires=4102444800)
    >>> token.count(".")
    2
    >>> redact("curl -H 'x-api-key: [Filtered]' -d k3y", ["k3y"])
    'curl -H "x-api-key: $CONTRACT_API_KEY" -d $CONTRACT_API_KEY'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable

__all__ = ["KEY_PLACEHOLDER", "make_api_key", "redact"]

KEY_PLACEHOLDER = "$CONTRACT_API_KEY"
"""What every doc and message shows instead of a key."""
_FAR_FUTURE = 4102444800  # 2100-01-01


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_api_key(secret: str, organization_id: str, *, expires: int = _FAR_FUTURE) -> str:
    """An HS256 JWT the server accepts as a deterministic API key (it creates the organization with that id).

    Args:
        secret: the server's `SECRET_KEY`.
        organization_id: the token's `sub`, e.g. `o_123`.
        expires: the token's `exp` (Unix seconds).

    Returns:
        The token, `header.payload.signature`.
    """
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps({"sub": organization_id, "exp": expires}, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def redact(text: str, secret_values: Iterable[str]) -> str:
    """Replace every secret, and Schemathesis's `[Filtered]` key header, with `$CONTRACT_API_KEY`.

    Args:
        text: any text meant for the doc or the terminal.
        secret_values: the values to hide (the API key, the server's secret).

    Returns:
        The text with no secret left in it.
    """
    text = text.replace("'x-api-key: [Filtered]'", f'"x-api-key: {KEY_PLACEHOLDER}"')
    text = text.replace("x-api-key: [Filtered]", f"x-api-key: {KEY_PLACEHOLDER}")
    for value in secret_values:
        if value:
            text = text.replace(value, KEY_PLACEHOLDER)
    return text
