"""Webhooks: a run that named a `webhook_url` is delivered there when it ends, signed as the spec's `x-signature` says,
with a body that is the run as `get_run` answers it; a run that named none is delivered nowhere.

Each run gets a sink path of its own (`{sink_url}/webhooks/<token>`), so that a delivery is matched to its run; the
sink runs in the runner's process, and the test reads what arrived for a path with `sink.fetch_received`. The runs are
few, as each may cost money on a real target: one left to finish, one canceled at once, one canceled once it runs, and
one without a `webhook_url` (canceled at once). A run still going at the profile's `lifecycle_timeout` is canceled.

A delivery may take `CONTRACT_WEBHOOK_WAIT` seconds after its run's end, else as long as the tries the spec documents
(`webhook_checks.delivery_wait`). The run without a URL is judged once the others' deliveries have arrived and as
long again has passed since its end (at least `_QUIET_MIN` seconds; the whole wait when none arrived). A target that
refuses the sink's address in `webhook_url` with a documented 4xx makes the area not verifiable there, not broken.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import webhooks as webhook_checks
from contract_tests.checks.webhooks import Webhook
from contract_tests.config import Context, Example
from contract_tests.engine import flows
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport import sink
from contract_tests.transport.api import Api

pytestmark = pytest.mark.area(Area.WEBHOOKS)

_URL_FIELD = "webhook_url"
_SINK_PREFIX = "/webhooks/"
_PLANS = ("end", "cancel", "cancel when running")
"""What happens to each run that names a webhook URL: left to finish, canceled at once, canceled once running."""
_RUNNING = lifecycle_checks.LIFECYCLE_ORDER[-1]
_POLL_INTERVAL = 0.2
_CANCEL_GRACE = 10.0
"""Seconds a run canceled at the lifecycle timeout may take to show a terminal status."""
_QUIET_MIN = 2.0
_MARGIN = 30.0
"""Seconds the requests themselves may add to the waits (see `_time_limit`)."""
_SINK_SETTING = (
    "an address of the suite's sink that the target accepts in webhook_url (the sink listens on 127.0.0.1, and this "
    "target refuses loopback hosts)"
)


def _time_limit(context: Context) -> float:
    """The test's own bound: its runs' lifecycle, the cancel grace, the delivery wait (which also bounds the wait for
    the run without a URL) and a margin; its pytest-timeout (the `time_limit` marker), so that a target that never
    delivers is a finding, not a timeout."""
    hooks = webhook_checks.run_webhooks(Spec.load())
    wait = webhook_checks.delivery_wait(hooks[0], context.webhook_wait) if hooks else 0.0
    return context.profile.lifecycle_timeout + _CANCEL_GRACE + wait + _MARGIN


@dataclass
class _Run:
    """A run the test started: its plan, its sink path (empty: no webhook URL) and when it was seen ended."""

    run_id: str
    plan: str
    path: str = ""
    canceled: bool = False
    ended: float = 0.0
    """`time.time()` when it was first seen with a terminal status (0: not yet)."""


@pytest.mark.cost(requests=30, runs=1 + len(_PLANS))
@pytest.mark.time_limit.with_args(_time_limit)
def test_ended_runs_are_delivered_signed_and_as_read(
    api: Api, spec: Spec, bodies: Requests, context: Context, seen: Observations, example: Example
) -> None:
    """Three runs with a webhook URL and one without, to their ends; then every delivery judged, and the silence."""
    hooks = webhook_checks.run_webhooks(spec)
    if not hooks or _URL_FIELD not in spec.url_fields("WorkflowRunRequest"):
        pytest.skip(f"the spec declares no webhook a run's end sends, or no {_URL_FIELD}")
    hook = hooks[0]
    wait = webhook_checks.delivery_wait(hook, context.webhook_wait)
    with example():
        runs = _start(seen, api, spec, bodies, context)
        if runs is None:
            return
        _until_ended(seen, api, spec, runs, context.profile.lifecycle_timeout)
        latencies: list[float] = []
        for run, found in _deliveries(context.sink_url, [r for r in runs if r.path and r.ended], wait):
            _judge(seen, api, spec, hook, context, run, found, wait)
            latencies += [item.received_at - run.ended for item in found]
        plain = runs[0]
        if plain.ended:
            quiet = min(wait, max(_QUIET_MIN, 2 * max(latencies))) if latencies else wait
            time.sleep(max(0.0, plain.ended + quiet - time.time()))
            found = sink.fetch_received(context.sink_url, contains=plain.run_id)
            webhook_checks.nothing_unrequested(hook, plain.run_id, found, _URL_FIELD)


def _start(seen: Observations, api: Api, spec: Spec, bodies: Requests, context: Context) -> list[_Run] | None:
    """Start the run without a webhook URL, then one per plan with a sink path of its own; None when the target
    refuses the sink's address (noted as not verifiable, the runs started so far canceled)."""
    parameters = {"parameters": dict(context.workflow_parameters)} if context.workflow_parameters else {}
    base = {**bodies.minimal(), **parameters}
    runs = [_Run(flows.start_run(seen, api, spec, base)["run_id"], "cancel")]
    prefix = urllib.parse.urlsplit(context.sink_url).path.rstrip("/")  # a CONTRACT_SINK_URL may have a path
    for plan in _PLANS:
        path = _SINK_PREFIX + secrets.token_hex(8)
        try:
            url = context.sink_url.rstrip("/") + path
            run = flows.start_run(seen, api, spec, {**base, _URL_FIELD: url}, area=Area.WEBHOOKS)
        except ContractViolation as refusal:
            if not _refuses_sink(spec, refusal):
                raise
            seen.note_unverifiable(
                [_URL_FIELD],
                f"a valid request with {_URL_FIELD} at the suite's sink was refused: {refusal.detail}; "
                "without it, it was accepted",
                _SINK_SETTING,
            )
            _cancel_quietly(api, runs)
            return None
        runs.append(_Run(run["run_id"], plan, prefix + path))
        if _URL_FIELD in flows.learned_unverifiable(seen):  # refused with the sink's address, accepted without (noted)
            _cancel_quietly(api, runs)
            return None
    return runs


def _refuses_sink(spec: Spec, refusal: ContractViolation) -> bool:
    """Whether a refusal of a valid request with the sink's address is the documented "cannot be run" 4xx."""
    return (
        refusal.check == "accepted" and refusal.kind.isdigit() and flows.names_unknown_resource(spec, int(refusal.kind))
    )


def _cancel_quietly(api: Api, runs: Sequence[_Run]) -> None:
    """Cancel runs this test no longer judges (they may cost money), without judging the answers."""
    for run in runs:
        api.cancel_run(run.run_id)


def _until_ended(seen: Observations, api: Api, spec: Spec, runs: Sequence[_Run], timeout: float) -> None:
    """Poll the runs until each is seen with a terminal status, canceling them as planned (and every one still going
    at `timeout`, which then has `_CANCEL_GRACE` more seconds to end)."""
    deadline = time.monotonic() + timeout
    while any(not run.ended for run in runs) and time.monotonic() < deadline + _CANCEL_GRACE:
        late = time.monotonic() >= deadline
        for run in (run for run in runs if not run.ended):
            if not run.canceled and (run.plan == "cancel" or late):
                flows.cancel(seen, api, spec, run.run_id)
                run.canceled = True
            status = flows.read_run(seen, api, spec, run.run_id)["status"]
            if lifecycle_checks.is_terminal(status):
                run.ended = time.time()
            elif run.plan == "cancel when running" and status == _RUNNING and not run.canceled:
                flows.cancel(seen, api, spec, run.run_id)
                run.canceled = True
        time.sleep(_POLL_INTERVAL)


def _deliveries(sink_url: str, runs: Sequence[_Run], wait: float) -> list[tuple[_Run, list[sink.Received]]]:
    """What arrived at each run's sink path: polled until something did, or `wait` seconds after its end."""
    found: dict[str, list[sink.Received]] = {}
    waiting = list(runs)
    while waiting:
        for run in list(waiting):
            items = sink.fetch_received(sink_url, path=run.path)
            if items or time.time() >= run.ended + wait:
                found[run.run_id] = items
                waiting.remove(run)
        if waiting:
            time.sleep(_POLL_INTERVAL)
    return [(run, found[run.run_id]) for run in runs]


def _judge(
    seen: Observations,
    api: Api,
    spec: Spec,
    hook: Webhook,
    context: Context,
    run: _Run,
    found: list[sink.Received],
    wait: float,
) -> None:
    """Every check of a run's deliveries (each violation recorded, the next check going on)."""
    with seen.soft():
        webhook_checks.delivered(hook, found, run.run_id, wait)
    if not found:
        return
    key = None
    if hook.scheme is not None:
        key = webhook_checks.signing_key(hook.scheme, api_key=context.api_key, secret=context.webhook_secret)
        if key is None:
            seen.note_unverifiable(
                [hook.scheme.header],
                f"the {webhook_checks.EXTENSION} key of {hook.name} is a signing secret, and none is configured",
                "CONTRACT_WEBHOOK_SECRET=<the signing secret configured on the target>",
            )
    read = flows.read_run(seen, api, spec, run.run_id)
    for item in found:
        with seen.soft():
            webhook_checks.delivery_method(hook, item.method)
        if key is not None:
            with seen.soft():
                webhook_checks.signed(hook, item.headers, item.body, key)
        with seen.soft():
            webhook_checks.timestamp_present(hook, item.headers, item.received_at)
        with seen.soft():
            webhook_checks.headers_conform(seen, hook, item.headers)
        body: Any = None
        with seen.soft():
            body = webhook_checks.body_conforms(seen, spec, hook, item.headers, item.body)
        with seen.soft():
            webhook_checks.reports_terminal(hook, body)
        with seen.soft():
            webhook_checks.agrees_with_run(seen, hook, body, read)
