"""The servers the matrix is sent to, and what they answered: one case at a time per server, never through a proxy."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaigns.fidelity.cases import RUN_MARK, WORKFLOW_MARK, WRONG_KEY, Case
from campaigns.skyvern.server import NO_PROXY, SERVER_VERSION
from contract_tests.generate.strategies import OMIT

__all__ = ["MIMIC_OPTION", "MIMIC_VERSION", "Answer", "Target", "drive", "send"]

MIMIC_OPTION = "--like-skyvern"
MIMIC_VERSION = SERVER_VERSION
"""The reference server's option, and its value, that makes it mimic the real server's known deviations."""
_REQUEST_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Target:
    """A server the matrix is sent to.

    Attributes:
        label: `real`, `stand-in` or `mimic`.
        base_url: its base URL.
        api_key: its key.
        workflow_id: its workflow (equivalent on every server: no declared parameters).
    """

    label: str
    base_url: str
    api_key: str
    workflow_id: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What one server answered to one case.

    Attributes:
        status: the status code (0: no answer).
        body: the parsed JSON body (None when there is none or it is not JSON).
        text: the raw body, decoded.
        is_json: whether it parsed.
        sent: the body as sent, parsed (OMIT when there was none or it is not JSON).
        workflow_id: that server's workflow id.
        seconds: how long it took.
        error: why there was no answer ("" when there was one).
    """

    status: int
    body: Any = None
    text: str = ""
    is_json: bool = False
    sent: Any = OMIT
    workflow_id: str = ""
    seconds: float = 0.0
    error: str = ""


def _body_for(case: Case, target: Target) -> str | None:
    if case.body is None:
        return None
    return case.body.replace(json.dumps(WORKFLOW_MARK), json.dumps(target.workflow_id))


def _url_for(case: Case, target: Target, run_id: str) -> str:
    path = case.path_template.replace(
        "{run_id}", urllib.parse.quote(run_id if case.run_id == RUN_MARK else case.run_id)
    )
    query = f"?{urllib.parse.urlencode(case.query)}" if case.query else ""
    return f"{target.base_url}{path}{query}"


def send(case: Case, target: Target, run_id: str = "") -> Answer:
    """Send one case to one server (never through a proxy).

    Args:
        case: the case.
        target: the server.
        run_id: the lifecycle's run on that server (for `$RUN_ID`).

    Returns:
        Its answer.
    """
    text = _body_for(case, target)
    data = None if text is None else text.encode("utf-8", "surrogatepass")
    request = urllib.request.Request(_url_for(case, target, run_id), data=data, method=case.method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if case.key_mode == "valid":
        request.add_header("x-api-key", target.api_key)
    elif case.key_mode == "wrong":
        request.add_header("x-api-key", WRONG_KEY)
    for name, value in case.headers.items():
        request.add_header(name, value)
    sent: Any = OMIT
    if text is not None:
        with contextlib.suppress(ValueError):
            sent = json.loads(text)
    started = time.monotonic()
    try:
        with NO_PROXY.open(request, timeout=_REQUEST_TIMEOUT) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        status, raw = int(error.code), error.read()
    except (OSError, ValueError) as error:
        return Answer(0, sent=sent, workflow_id=target.workflow_id, error=f"{type(error).__name__}: {error}")
    seconds = time.monotonic() - started
    decoded = raw.decode("utf-8", "replace")
    try:
        body, is_json = json.loads(raw), True
    except ValueError:
        body, is_json = None, False
    return Answer(status, body, decoded, is_json, sent, target.workflow_id, seconds)


def drive(target: Target, cases: Sequence[Case]) -> list[Answer]:
    """Send every case to one server, in order, one at a time.

    Returns:
        The answers, one per case.
    """
    run_id = ""
    answers = []
    for case in cases:
        answer = send(case, target, run_id)
        if case.saves_run and isinstance(answer.body, Mapping):
            run_id = str(answer.body.get("run_id", ""))
        answers.append(answer)
    return answers
