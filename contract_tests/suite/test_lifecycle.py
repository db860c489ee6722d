"""Lifecycle: every created run is retrievable and cancelable; statuses only move forward; a terminal status is final;
cancel makes a non-terminal run `canceled` and leaves a terminal one alone; each accepted POST starts a run of its own
(a new id, and a read of that id shows that run). On every read of a run (here and wherever `flows` reads one) its
timestamps keep their order and `created_at` its value.

Schemathesis's own "created resource is retrievable" check cannot see these runs (`/v1/run/workflows` is not a prefix
of `/v1/runs/{run_id}`), so the invariant is written here.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.config import Context, Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area
from contract_tests.record import coverage
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.LIFECYCLE)

_POLL_INTERVAL = 0.15
_READS_AFTER_TERMINAL = 3
_RUNS_AT_ONCE = 4
_TITLE = "contract suite: run identity {index} of {count}"


@pytest.mark.cost(requests=4, runs=1, examples="property")
def test_created_run_is_retrievable_and_cancelable(
    api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example
) -> None:
    """POST -> GET -> cancel -> GET, for arbitrary valid requests."""

    @given(body=bodies.bodies())
    def prop(body: dict[str, Any]) -> None:
        with example():
            run = flows.start_run(seen, api, spec, body)
            read = flows.read_run(seen, api, spec, run["run_id"])
            with coverage.transition(seen, run["status"], read["status"]):
                lifecycle_checks.moves_forward(run["status"], read["status"])
            flows.cancel(seen, api, spec, run["run_id"])
            after = flows.read_run(seen, api, spec, run["run_id"])
            with coverage.transition(seen, read["status"], after["status"]):
                lifecycle_checks.canceled_after_cancel(read["status"], after["status"])

    prop()


@pytest.mark.cost(requests=40, runs=1)
def test_status_moves_forward_and_terminal_is_final(
    api: Api, spec: Spec, bodies: Requests, context: Context, seen: Observations, example: Example
) -> None:
    """Poll one run to its end: never backwards; once terminal, the same on every read, cancel included."""

    @given(st.just(bodies.minimal()))
    def prop(body: dict[str, Any]) -> None:
        with example():
            run = flows.start_run(seen, api, spec, body)
            run_id, previous = run["run_id"], run["status"]
            deadline = time.monotonic() + context.profile.lifecycle_timeout
            while not lifecycle_checks.is_terminal(previous) and time.monotonic() < deadline:
                time.sleep(_POLL_INTERVAL)
                current = flows.read_run(seen, api, spec, run_id)["status"]
                with coverage.transition(seen, previous, current):
                    lifecycle_checks.moves_forward(previous, current)
                previous = current
            if not lifecycle_checks.is_terminal(previous):
                return  # a slow target: what was seen moved forward; finality cannot be judged
            for _ in range(_READS_AFTER_TERMINAL):
                current = flows.read_run(seen, api, spec, run_id)["status"]
                with coverage.transition(seen, previous, current):
                    lifecycle_checks.terminal_is_final(previous, current)
            flows.cancel(seen, api, spec, run_id)
            after = flows.read_run(seen, api, spec, run_id)["status"]
            with coverage.transition(seen, previous, after):
                lifecycle_checks.canceled_after_cancel(previous, after)

    prop()


@pytest.mark.cost(requests=2 * _RUNS_AT_ONCE, runs=_RUNS_AT_ONCE)
def test_each_run_has_its_own_id(api: Api, spec: Spec, bodies: Requests, seen: Observations, example: Example) -> None:
    """Several runs started one after the other, each with a title of its own: every POST answers a new run id, and a
    read of each id answers that run (its id, and its own title in `run_request`). The title is the run's mark only
    where its POST echoed it as sent (else that is the echo check's finding, and only ids are compared)."""
    marked = "title" not in bodies.null_only
    with example():
        started: list[tuple[str, str | None]] = []
        for index in range(_RUNS_AT_ONCE):
            title = _TITLE.format(index=index + 1, count=_RUNS_AT_ONCE)
            body = {**bodies.minimal(), **({"title": title} if marked else {})}
            run = flows.start_run(seen, api, spec, body)
            with seen.soft():
                lifecycle_checks.run_id_is_new([run_id for run_id, _ in started], run["run_id"])
            echo = run.get("run_request")
            own = title if marked and isinstance(echo, dict) and echo.get("title") == title else None
            started.append((run["run_id"], own))
        for run_id, own in started:
            with seen.soft():
                lifecycle_checks.names_its_run(run_id, own, flows.read_run(seen, api, spec, run_id))
