"""Path values that reach the operation they are sent to: a path parameter as one
segment that nothing on the way normalises away (`path_segment`), a value Schemathesis encoded made routable
(`routable_segment`), and the error of a request the HTTP client would move elsewhere (`MovedRequestError`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

__all__ = ["MovedRequestError", "path_segment", "routable_segment"]


class MovedRequestError(RuntimeError):
    """A request the HTTP client would send to another path than the one it was given: a bug in the suite (a path
    value not encoded as `path_segment` encodes it), never a finding about the target."""


def path_segment(value: str) -> str:
    """A path parameter as one path segment that nothing on the way normalises away: percent-encoded (`/` included),
    and a segment of dots only (`.`, `..`, which RFC 3986 clients and servers resolve: httpx2 sends `/v1/runs/..` to
    `/v1`) with each dot as `%2E`.

    Example:
        >>> path_segment(".."), path_segment("."), path_segment("a/b c"), path_segment("wr_1.2")
        ('%2E%2E', '%2E', 'a%2Fb%20c', 'wr_1.2')

    Raises:
        ValueError: for an empty value (an empty segment names nothing: the path would be another operation's).
    """
    if not value:
        raise ValueError("a path parameter cannot be empty")
    if not value.strip("."):
        return "%2E" * len(value)
    return quote(value, safe="")


_SLASH = re.compile(r"/|%2[Ff]")


def routable_segment(encoded: str) -> str:
    """A path parameter that is already percent-encoded (as Schemathesis encodes the values it generates), made a
    segment that reaches its operation whichever client sends it: one that decodes to nothing or to dots only is
    replaced by as many `_` (Schemathesis sends `..` as `%2E%2E`, but its `requests` transport decodes `%2E` back to
    `.` before sending, and the segment is then resolved away), and each `/` in one, encoded or not, becomes `_` (many
    servers decode `%2F` before routing); any other is kept as it is.

    Example:
        >>> routable_segment("%2E%2E"), routable_segment(""), routable_segment("a%2Fb"), routable_segment("wr_1%20")
        ('__', '_', 'a_b', 'wr_1%20')
    """
    decoded = unquote(encoded)
    if not decoded.strip("."):
        return "_" * max(1, len(decoded))
    return _SLASH.sub("_", encoded) if "/" in decoded else encoded
