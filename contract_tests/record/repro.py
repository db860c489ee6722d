"""Chains of HTTP exchanges, recorded as they happen, rendered as a shell script of curl commands.

Every request the suite sends goes through a `Recorder`. When a check fails, the chain of the failing example (the
minimal one: Hypothesis replays it last) becomes the finding's reproduction: one curl per request, in order, with

- the API key redacted as `"$CONTRACT_API_KEY"` (set it, and the script talks to the same target again);
- run ids captured from earlier responses into shell variables (`RUN_1`), so a replay follows its own new runs;
- the recorded pauses between requests, so timing-dependent violations (lifecycle) show again.

Example:
    >>> ex = Exchange("GET", "http://127.0.0.1:8787/v1/runs/wr_1", {"x-api-key": "k"}, None, 404, b"{}", 0.0)
    >>> print(render_script([ex], secrets={"k"}))
    curl -sS -i -X GET -H "x-api-key: $CONTRACT_API_KEY" http://127.0.0.1:8787/v1/runs/wr_1
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Exchange", "Recorder", "collapse", "render_script"]

_PAUSE_THRESHOLD = 0.05  # seconds between two requests below which no `sleep` is written
_DESCRIBED_BODY = 200
_CAPTURED_KEY = "run_id"  # response field whose value later requests refer to
_SKIPPED_HEADERS = frozenset(
    {"content-length", "host", "connection", "accept-encoding", "user-agent", "accept", "x-schemathesis-testcaseid"}
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and what came back.

    Attributes:
        method: HTTP method.
        url: the full URL, query included.
        headers: the request headers that were sent.
        body: the request body, or None.
        status: the response status, or None when no response came.
        response_body: the response body (possibly cut).
        started: `time.monotonic()` when the request was sent.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    status: int | None
    response_body: bytes
    started: float

    def run_id(self) -> str | None:
        """The `run_id` of a JSON object response, if any."""
        try:
            data = json.loads(self.response_body)
        except ValueError:
            return None
        value = data.get(_CAPTURED_KEY) if isinstance(data, dict) else None
        return value if isinstance(value, str) and value else None

    def describe(self) -> str:
        """One line: `POST url -> 200 {"detail": ...}` (the response body cut at 200 characters)."""
        status = self.status if self.status is not None else "no response"
        text = self.response_body[:_DESCRIBED_BODY].decode("utf-8", "replace").replace("\n", " ")
        cut = "..." if len(self.response_body) > _DESCRIBED_BODY else ""
        return f"{self.method} {self.url} -> {status} {text}{cut}".rstrip()


@dataclass
class Recorder:
    """The exchanges of the current example, thread-safe; `reset()` starts a new example. Each `listeners` callable
    is told of every exchange added (the coverage record's way of seeing every response)."""

    exchanges: list[Exchange] = field(default_factory=list)
    total: int = 0
    listeners: list[Callable[[Exchange], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forget the chain (a new Hypothesis example starts)."""
        with self._lock:
            self.exchanges = []

    def add(self, exchange: Exchange) -> None:
        """Append an exchange to the chain."""
        with self._lock:
            self.exchanges.append(exchange)
            self.total += 1
        for listener in self.listeners:
            listener(exchange)

    def count(self) -> None:
        """Count a request that is not part of the chain (it still spends the budget)."""
        with self._lock:
            self.total += 1

    def chain(self) -> list[Exchange]:
        """A copy of the current chain."""
        with self._lock:
            return list(self.exchanges)


def _dquote(text: str) -> str:
    """Escape text for use inside double quotes."""
    for char in ("\\", '"', "$", "`"):
        text = text.replace(char, "\\" + char)
    return text


def _header_args(headers: Mapping[str, str], secrets: set[str], strip: Iterable[str]) -> list[str]:
    stripped = {name.lower() for name in strip}
    args = []
    for name, value in headers.items():
        lower = name.lower()
        if lower in _SKIPPED_HEADERS or lower in stripped:
            continue
        if value in secrets:
            args.append(f'-H "{_dquote(name)}: $CONTRACT_API_KEY"')
        elif value == "":
            args.append("-H " + shlex.quote(f"{name};"))
        else:
            args.append("-H " + shlex.quote(f"{name}: {value}"))
    return args


def _body_parts(body: bytes | None) -> tuple[str, list[str]]:
    """A prefix to pipe the body in (for bytes a shell cannot quote) and the curl arguments."""
    if body is None:
        return "", []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return "", ["--data-binary " + shlex.quote(text)]
    octal = "".join(f"\\{byte:03o}" for byte in body)
    return f"printf '{octal}' | ", ["--data-binary @-"]


def collapse(chain: Sequence[Exchange]) -> list[Exchange]:
    """Drop every exchange that the next one repeats (same request, same answer): a poll that saw `running` ten
    times replays as one read after a pause of the same length.

    Example:
        >>> poll = [Exchange("GET", "u", {}, None, 200, b"running", float(t)) for t in range(3)]
        >>> [e.started for e in collapse(poll)]
        [2.0]
    """
    kept: list[Exchange] = []
    for index, exchange in enumerate(chain):
        following = chain[index + 1] if index + 1 < len(chain) else None
        if following is not None and _same(exchange, following):
            continue
        kept.append(exchange)
    return kept


def _same(a: Exchange, b: Exchange) -> bool:
    return (a.method, a.url, dict(a.headers), a.body, a.status, a.response_body) == (
        b.method,
        b.url,
        dict(b.headers),
        b.body,
        b.status,
        b.response_body,
    )


def render_script(chain: Sequence[Exchange], *, secrets: set[str], strip_headers: Iterable[str] = ()) -> str:
    """Render a chain as shell commands that send the same requests again.

    Args:
        chain: the exchanges, in the order they happened.
        secrets: header values to redact as `"$CONTRACT_API_KEY"`.
        strip_headers: header names to leave out (e.g. the key, for an "ignored auth" finding).

    Returns:
        The script, one command per line (a captured request takes two lines).
    """
    strip = list(strip_headers)
    chain = collapse(chain)
    captured: dict[str, str] = {}
    later_urls = [exchange.url for exchange in chain]
    lines: list[str] = []
    previous: float | None = None
    for index, exchange in enumerate(chain):
        if previous is not None and exchange.started - previous >= _PAUSE_THRESHOLD:
            lines.append(f"sleep {exchange.started - previous:.1f}")
        previous = exchange.started
        url = exchange.url
        used = [(value, name) for value, name in captured.items() if value in url]
        if used:
            quoted_url = _dquote(url)
            for value, name in used:
                quoted_url = quoted_url.replace(_dquote(value), "$" + name)
            url_arg = f'"{quoted_url}"'
        else:
            url_arg = shlex.quote(url)
        prefix, body_args = _body_parts(exchange.body)
        run_id = exchange.run_id()
        capture = run_id is not None and run_id not in captured and any(run_id in u for u in later_urls[index + 1 :])
        flags = "-sS" if capture else "-sS -i"
        args = [f"curl {flags} -X {exchange.method}", *_header_args(exchange.headers, secrets, strip), *body_args]
        command = prefix + " ".join([*args, url_arg])
        if capture and run_id is not None:
            name = f"RUN_{len(captured) + 1}"
            captured[run_id] = name
            response_var = f"RESPONSE_{len(captured)}"
            lines.append(f'{response_var}=$({command}); echo "${response_var}"')
            lines.append(
                f"{name}=$(printf '%s' \"${response_var}\" | "
                "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"run_id\"])')"
            )
        else:
            lines.append(command)
    return "\n".join(lines)


def now() -> float:
    """The recorder's clock."""
    return time.monotonic()
