"""Lifecycle: every created run is retrievable and cancelable; statuses only move forward; a terminal status is final;
cancel makes a non-terminal run `canceled` and leaves a terminal one alone.

Schemathesis's own "created resource is retrievable" check cannot see these runs (`/v1/run/workflows` is not a prefix
of `/v1/runs/{run_id}`), so the invariant is written here.
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contract_tests import coverage, flows, lifecycle_checks
from contract_tests.api import Api
from contract_tests.context import Context, Example
from contract_tests.spec import Spec
from contract_tests.strategies import Requests

_POLL_INTERVAL = 0.15
_READS_AFTER_TERMINAL = 3


def test_created_run_is_retrievable_and_cancelable(api: Api, spec: Spec, bodies: Requests, example: Example) -> None:
    """POST -> GET -> cancel -> GET, for arbitrary valid requests."""

    @given(body=bodies.bodies())
    def prop(body: dict[str, Any]) -> None:
        with example():
            run = flows.start_run(api, spec, body)
            seen = flows.read_run(api, spec, run["run_id"])
            with coverage.transition(run["status"], seen["status"]):
                lifecycle_checks.moves_forward(run["status"], seen["status"])
            flows.cancel(api, spec, run["run_id"])
            after = flows.read_run(api, spec, run["run_id"])
            with coverage.transition(seen["status"], after["status"]):
                lifecycle_checks.canceled_after_cancel(seen["status"], after["status"])

    prop()


def test_status_moves_forward_and_terminal_is_final(
    api: Api, spec: Spec, bodies: Requests, context: Context, example: Example
) -> None:
    """Poll one run to its end: never backwards; once terminal, the same on every read, cancel included."""

    @given(st.just(bodies.minimal()))
    def prop(body: dict[str, Any]) -> None:
        with example():
            run = flows.start_run(api, spec, body)
            run_id, previous = run["run_id"], run["status"]
            deadline = time.monotonic() + context.profile.lifecycle_timeout
            while not lifecycle_checks.is_terminal(previous) and time.monotonic() < deadline:
                time.sleep(_POLL_INTERVAL)
                current = flows.read_run(api, spec, run_id)["status"]
                with coverage.transition(previous, current):
                    lifecycle_checks.moves_forward(previous, current)
                previous = current
            if not lifecycle_checks.is_terminal(previous):
                return  # a slow target: what was seen moved forward; finality cannot be judged
            for _ in range(_READS_AFTER_TERMINAL):
                current = flows.read_run(api, spec, run_id)["status"]
                with coverage.transition(previous, current):
                    lifecycle_checks.terminal_is_final(previous, current)
            flows.cancel(api, spec, run_id)
            after = flows.read_run(api, spec, run_id)["status"]
            with coverage.transition(previous, after):
                lifecycle_checks.canceled_after_cancel(previous, after)

    prop()
