"""The end of a run: every run the suite started that is still going is canceled, so a run against a paid target
leaves nothing running (and nothing spending) behind.

The controller calls `cancel_leftovers` after the tests with the ids of every run any test started (the records
carry them: `observations.Observations.runs`). Each run is read; one that is not in a terminal status is canceled.
The reads are handed back (`Leftovers.reads`): the controller judges what must hold on every read of every run
(`lifecycle_checks.timestamps_ordered`) over all of them, so that a defect a server shows on some runs only is
found whichever runs the tests happened to read.

Example:
    >>> leftovers = Leftovers(started=40, canceled=12, unknown=1)
    >>> leftovers.describe()
    'started 40 run(s), canceled 12 still going at the end, 1 could not be read'
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx2

from contract_tests.record.repro import Exchange, now

__all__ = ["Leftovers", "cancel_leftovers"]

_THREADS = 4


@dataclass(frozen=True, slots=True)
class Leftovers:
    """What the cleanup found.

    Attributes:
        started: runs the suite started.
        canceled: those still going at the end, canceled now.
        unknown: those that could not be read or canceled (a timeout, an error answer).
        reads: each run's read (its exchange) and body, for the checks of every read.
    """

    started: int
    canceled: int
    unknown: int = 0
    reads: list[tuple[Exchange, Any]] = field(default_factory=list, repr=False)

    def describe(self) -> str:
        """One line for the summary."""
        text = f"started {self.started} run(s), canceled {self.canceled} still going at the end"
        return text + (f", {self.unknown} could not be read" if self.unknown else "")

    def to_json(self) -> dict[str, int]:
        """The summary's form of it."""
        return {"started": self.started, "canceled": self.canceled, "unknown": self.unknown}


def cancel_leftovers(
    base_url: str,
    *,
    headers: Mapping[str, str],
    paths: Mapping[str, str],
    run_ids: Sequence[str],
    terminal: Collection[str],
    timeout: float,
) -> Leftovers:
    """Read every run; cancel those not in a terminal status.

    Args:
        base_url: the target.
        headers: what every request carries (the API key).
        paths: `get_run` and `cancel_run`'s path templates, each with one `{run_id}`.
        run_ids: the runs the suite started.
        terminal: the terminal statuses.
        timeout: seconds per request.
    """
    with httpx2.Client(base_url=base_url.rstrip("/"), headers=dict(headers), timeout=timeout) as client:
        reads: dict[str, tuple[Exchange, Any]] = {}

        def settle(run_id: str) -> str:
            """`canceled`, `ended` or `unknown`."""
            quoted = quote(run_id, safe="")
            try:
                started = now()
                reply = client.get(paths["get_run"].replace("{run_id}", quoted))
                body = _body(reply)
                request = reply.request
                exchange = Exchange(
                    request.method,
                    str(request.url),
                    dict(request.headers),
                    None,
                    reply.status_code,
                    reply.content,
                    started,
                )
                reads[run_id] = (exchange, body)
                if isinstance(body, dict) and body.get("status") in terminal:
                    return "ended"
                answer = client.post(paths["cancel_run"].replace("{run_id}", quoted))
            except httpx2.HTTPError:
                return "unknown"
            return "canceled" if 200 <= answer.status_code < 300 else "unknown"

        with ThreadPoolExecutor(_THREADS) as pool:
            outcomes = list(pool.map(settle, run_ids))
    in_order = [reads[run_id] for run_id in run_ids if run_id in reads]
    return Leftovers(len(run_ids), outcomes.count("canceled"), outcomes.count("unknown"), in_order)


def _body(reply: httpx2.Response) -> Any:
    try:
        return json.loads(reply.content)
    except ValueError:
        return None
