"""What one run of the suite is pointed at, and how hard it pushes: the target and the profile.

The runner (`python -m contract_tests`) fills a `Context` before pytest starts; tests read it with `current()`.

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
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contract_tests.repro import Recorder

__all__ = ["PROFILES", "ConfigurationError", "Context", "Example", "Profile", "current", "set_current"]

Example = Callable[[], contextlib.AbstractContextManager[None]]
"""The `example` fixture: `with example():` around one Hypothesis example (see `conftest.py`)."""


class ConfigurationError(ValueError):
    """The environment does not describe a usable run (exit status 2)."""


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
        max_requests: requests the whole run may send; beyond it the remaining tests are skipped.
        max_seconds: wall time the whole run may take; beyond it the remaining tests are skipped.
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
    request_timeout: float = 10.0


PROFILES: Mapping[str, Profile] = {
    "ci": Profile("ci", True, 20261129, 12, 25, 6, 6, 20.0, 3000, 100.0),
    "dev": Profile("dev", False, 0, 40, 60, 20, 10, 60.0, 10000, 600.0),
    "deep": Profile("deep", False, 0, 300, 400, 100, 20, 300.0, 100000, 3600.0),
}


@dataclass(frozen=True)
class Context:
    """The target and the profile of one run.

    Attributes:
        base_url: the target's base URL.
        api_key: its API key (never printed; reproductions say `$CONTRACT_API_KEY`).
        workflow_id: a workflow that exists there.
        workflow_parameters: parameters that workflow accepts (`CONTRACT_WORKFLOW_PARAMETERS`, JSON).
        null_only_fields: request fields sent only omitted or null (`CONTRACT_NULL_ONLY_FIELDS`, comma-separated): on
            a real service some fields must name resources that exist there (`browser_session_id`, ...).
        sink_url: the loopback sink every URL-typed field points at.
        profile: the profile.
        reports: the report folder.
        replay_hint: how to get the target back for replaying a reproduction (for a target the runner started).
        recorder: every exchange of the run goes through it (it also counts them against the budget).
    """

    base_url: str
    api_key: str
    workflow_id: str
    sink_url: str
    profile: Profile
    reports: Path
    workflow_parameters: Mapping[str, Any] = field(default_factory=dict)
    null_only_fields: frozenset[str] = frozenset()
    replay_hint: str = ""
    recorder: Recorder = field(default_factory=Recorder)
    started: float = field(default_factory=time.monotonic)

    def check_budget(self) -> None:
        """Skip the calling test when the profile's request or time budget is spent."""
        if self.recorder.total >= self.profile.max_requests:
            pytest.skip(f"request budget of profile {self.profile.name} spent ({self.profile.max_requests} requests)")
        if time.monotonic() - self.started >= self.profile.max_seconds:
            pytest.skip(f"time budget of profile {self.profile.name} spent ({self.profile.max_seconds:.0f} s)")


_current: list[Context] = []


def set_current(context: Context | None) -> None:
    """Install (or clear) the context tests read."""
    _current.clear()
    if context is not None:
        _current.append(context)


def current() -> Context:
    """The context of this run.

    Raises:
        RuntimeError: when the suite was not started by `python -m contract_tests`.
    """
    if not _current:
        raise RuntimeError("the contract suite runs via `python -m contract_tests` (or `make contract`)")
    return _current[0]


def profile_from_env() -> Profile:
    """The profile named by `CONTRACT_PROFILE` (default `ci`: deterministic and quick)."""
    name = os.environ.get("CONTRACT_PROFILE") or "ci"
    if name not in PROFILES:
        raise ConfigurationError(f"CONTRACT_PROFILE={name!r}: expected one of {', '.join(PROFILES)}")
    return PROFILES[name]
