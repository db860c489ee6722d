"""What one run of the suite is pointed at, and how hard it pushes: the target and the profile.

The runner (`python -m contract_tests`) fills a `Context` before pytest starts and hands it to pytest with a plugin,
`ContextPlugin`: into `config.stash` in its own process, and as JSON into each pytest-xdist worker's `workerinput`
(`pytest_configure_node`); the suite reads it with `context_of(config)` (its `context` fixture). Nothing else holds it.

Profiles (`CONTRACT_PROFILE`):

| profile | seed | examples per property / operation | stateful | use |
|---|---|---|---|---|
| `ci` | fixed, derandomized | small | short | `make test`, CI: same cases every run, ~1 minute |
| `dev` | random, printed | medium | medium | local runs: new cases each time |
| `deep` | random, printed | large | long | before a release, against staging |

Example:
    >>> PROFILES["ci"].derandomize
    True
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from contract_tests.model.errors import ConfigurationError
from contract_tests.record.observations import BudgetSpent, Observations
from contract_tests.record.repro import Recorder

__all__ = [
    "CONTEXT",
    "PROFILES",
    "ConfigurationError",
    "Context",
    "ContextPlugin",
    "Example",
    "Profile",
    "context_of",
]

Example = Callable[[], contextlib.AbstractContextManager[None]]
"""The `example` fixture: `with example():` around one Hypothesis example (see `conftest.py`)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How many cases, how long, how many requests.

    Attributes:
        name: `ci`, `dev` or `deep`.
        derandomize: fixed seed, same cases every run.
        seed: the Hypothesis / Schemathesis seed when derandomized.
        property_examples: examples per Hypothesis property.
        operation_examples: Schemathesis examples per operation and phase.
        stateful_examples: Schemathesis stateful scenarios.
        stateful_steps: steps per stateful scenario.
        lifecycle_timeout: seconds to poll a run before giving up waiting for a terminal status.
        max_requests: requests the whole run may send; tests that would start beyond it are skipped (incomplete).
        max_seconds: wall time the whole run may take; tests that would start beyond it are skipped (incomplete).
        test_seconds: each test's share: past it, a test starts no new example (it has run at least one), so that no
            test starves the ones after it.
        request_timeout: seconds per request.
    """

    name: str
    derandomize: bool
    seed: int
    property_examples: int
    operation_examples: int
    stateful_examples: int
    stateful_steps: int
    lifecycle_timeout: float
    max_requests: int
    max_seconds: float
    test_seconds: float
    request_timeout: float = 10.0


PROFILES: Mapping[str, Profile] = {
    # ci: the cases are fixed by count (no per-test allowance), so that the verdict is a function of the server; its
    # request and time budgets are safety limits, far above what a run against a healthy server needs.
    "ci": Profile("ci", True, 20261129, 12, 25, 6, 6, 60.0, 40000, 1800.0, 0.0),
    "dev": Profile("dev", False, 0, 40, 60, 20, 10, 60.0, 20000, 600.0, 60.0),
    "deep": Profile("deep", False, 0, 300, 400, 100, 20, 300.0, 200000, 3600.0, 600.0),
}


@dataclass(frozen=True)
class Context:
    """The target and the profile of one run.

    Attributes:
        base_url: the target's base URL.
        api_key: its API key (never printed; reproductions say `$CONTRACT_API_KEY`).
        workflow_id: a workflow that exists there.
        workflow_parameters: parameters that workflow accepts (`CONTRACT_WORKFLOW_PARAMETERS`, JSON).
        null_only_fields: request fields sent only omitted or null (`CONTRACT_NULL_ONLY_FIELDS`, comma-separated).
        known_values: request field values that name resources existing on the target (`CONTRACT_KNOWN_VALUES`,
            a JSON object such as `{"browser_session_id": "pbs_123"}`): sent instead of made-up ids.
        sink_url: the loopback sink every URL-typed field points at.
        profile: the profile.
        reports: the report folder.
        replay_hint: how to get the target back for replaying a reproduction (for a target the runner started).
        workers: processes running tests at once (pytest-xdist; 1: in the runner's process).
        started: wall-clock start of the run (`time.time()`: the same clock in every worker).
        webhook_wait: seconds to wait for a webhook delivery after a run's end (`CONTRACT_WEBHOOK_WAIT`; 0: what the
            spec documents, see `webhook_checks.delivery_wait`).
        webhook_secret: the signing secret of webhooks whose `x-signature` key is `secret` (`CONTRACT_WEBHOOK_SECRET`;
            empty: their signature is not verifiable).
        max_runs: how many runs the suite may start (`CONTRACT_MAX_RUNS`; None: no cap), shared out among the tests
            before the run (`contract_tests.engine.plan`).
        recorder: every exchange of this process goes through it (it also counts them against the budget).
    """

    base_url: str
    api_key: str
    workflow_id: str
    sink_url: str
    profile: Profile
    reports: Path
    workflow_parameters: Mapping[str, Any] = field(default_factory=dict)
    null_only_fields: frozenset[str] = frozenset()
    known_values: Mapping[str, Any] = field(default_factory=dict)
    replay_hint: str = ""
    workers: int = 1
    started: float = field(default_factory=time.time)
    webhook_wait: float = 0.0
    webhook_secret: str = ""
    max_runs: int | None = None
    recorder: Recorder = field(default_factory=Recorder)

    def admit_run(self, seen: Observations | None) -> None:
        """Called before a request that may start a run: end the calling test (its record `seen`) when it has started
        the runs its share of the run cap allows (`BudgetSpent` when it completed an example, else a skip). Tests that
        mean to start no run, and every test when there is no cap, are never held back."""
        if seen is not None and seen.run_allowance is not None and len(seen.runs) >= seen.run_allowance:
            _out_of_budget(seen, f"its share of the run cap spent ({seen.run_allowance} of {self.max_runs} runs)")

    def check_budget(self, seen: Observations | None) -> None:
        """End the calling test (its record `seen`; None: one not yet started) when the run's request budget (this
        process's share) or time budget is spent: it counts as judged when it has completed an example
        (`BudgetSpent`), else it is skipped (not run)."""
        share = self.profile.max_requests // max(self.workers, 1)
        if self.recorder.total >= share:
            _out_of_budget(
                seen, f"request budget of profile {self.profile.name} spent ({self.profile.max_requests} requests)"
            )
        if time.time() - self.started >= self.profile.max_seconds:
            _out_of_budget(seen, f"time budget of profile {self.profile.name} spent ({self.profile.max_seconds:.0f} s)")

    def to_json(self) -> str:
        """The context as JSON, for the pytest-xdist workers (`ContextPlugin`); its recorder stays behind."""
        names = ("base_url", "api_key", "workflow_id", "sink_url", "replay_hint", "workers", "started")
        data = {name: getattr(self, name) for name in (*names, "webhook_wait", "webhook_secret", "max_runs")}
        data.update(
            profile=asdict(self.profile),
            reports=str(self.reports),
            workflow_parameters=dict(self.workflow_parameters),
            null_only_fields=sorted(self.null_only_fields),
            known_values=dict(self.known_values),
        )
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Context:
        """The inverse of `to_json` (with a recorder of its own)."""
        data = json.loads(text)
        return cls(
            **{
                **data,
                "profile": Profile(**data["profile"]),
                "reports": Path(data["reports"]),
                "null_only_fields": frozenset(data["null_only_fields"]),
            }
        )


def _out_of_budget(seen: Observations | None, reason: str) -> None:
    if seen is not None and seen.examples:
        seen.truncated = True
        raise BudgetSpent(reason)
    pytest.skip(reason)


CONTEXT = pytest.StashKey[Context]()
"""Where a pytest run keeps its context (`config.stash`): see `ContextPlugin` and `context_of`."""
_WORKER_INPUT = "contract_context"


class ContextPlugin:
    """The runner's plugin that hands the run's context to pytest: into `config.stash[CONTEXT]` in the runner's process
    (before any other plugin or conftest configures), and as JSON into each pytest-xdist worker's `workerinput`."""

    def __init__(self, context: Context) -> None:
        self.context = context

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[CONTEXT] = self.context

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """A pytest-xdist worker is being started: its context travels in its `workerinput`."""
        node.workerinput[_WORKER_INPUT] = self.context.to_json()


def context_of(config: pytest.Config) -> Context:
    """The context of this pytest run: the runner's (`ContextPlugin`), or in a pytest-xdist worker the one its
    `workerinput` carries (read once, then kept in `config.stash`).

    Raises:
        RuntimeError: when the suite was not started by `python -m contract_tests`.
    """
    if CONTEXT not in config.stash:
        sent = getattr(config, "workerinput", {}).get(_WORKER_INPUT)
        if sent is None:
            raise RuntimeError("the contract suite runs via `python -m contract_tests` (or `make contract`)")
        config.stash[CONTEXT] = Context.from_json(sent)
    return config.stash[CONTEXT]


def profile_from_env(environ: Mapping[str, str] = os.environ) -> Profile:
    """The profile named by `CONTRACT_PROFILE` (default `ci`: deterministic and quick), with the run's time budget
    (`CONTRACT_MAX_SECONDS`) and each test's share (`CONTRACT_TEST_SECONDS`) overridden when set.

    Args:
        environ: where to read the settings (default: the process environment).
    """
    name = environ.get("CONTRACT_PROFILE") or "ci"
    if name not in PROFILES:
        raise ConfigurationError(f"CONTRACT_PROFILE={name!r}: expected one of {', '.join(PROFILES)}")
    profile = PROFILES[name]
    return replace(
        profile,
        max_seconds=seconds_setting(environ, "CONTRACT_MAX_SECONDS", profile.max_seconds),
        test_seconds=seconds_setting(environ, "CONTRACT_TEST_SECONDS", profile.test_seconds),
    )


def seconds_setting(environ: Mapping[str, str], variable: str, default: float) -> float:
    """A setting in seconds: `default` when unset, else a positive number (else a `ConfigurationError`)."""
    raw = environ.get(variable)
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigurationError(f"{variable}={raw!r}: expected a number of seconds") from None
    if seconds <= 0:
        raise ConfigurationError(f"{variable}={raw!r}: expected a positive number of seconds")
    return seconds
