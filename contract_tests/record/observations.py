"""What one test observed: every violation with the chain of requests that showed it, the requests it could not
judge on this target, how many examples it completed, the runs it started and the cells it exercised (`coverage`);
and the pace its time allowance sets.

One `Observations` per test: `contract_tests.engine.plugin` makes it before the test's fixtures are set up and keeps it
in the test's stash; the suite hands it to the test as the `seen` fixture, and everything that records passes it on
explicitly (checks, flows, the `Api` bound to the test). Nothing here knows which test is running.

A violation does not end a test. Checks that find a problem which leaves the rest checkable run inside `seen.soft()`;
a violation that escapes an example is recorded by the `example` fixture; Schemathesis failures are `report`ed. The
test goes on with its next check and its next example, and fails at its end with everything it saw. Checks take the
record as `Observations | None`: with none (unit tests, doctests, tools outside a run) `report` and `soft` let the
violation through, so checks raise as usual.

Example:
    >>> from contract_tests.model.areas import Area, ContractViolation
    >>> seen = Observations("t", chain=list)
    >>> with seen.soft():
    ...     raise ContractViolation(Area.AUTH, "forbidden_without_valid_key", "served without a key")
    >>> [v.check for v, _ in seen.violations]
    ['forbidden_without_valid_key']
    >>> with soft(None):
    ...     raise ContractViolation(Area.AUTH, "forbidden_without_valid_key", "served without a key")
    Traceback (most recent call last):
    ...
    contract_tests.model.areas.ContractViolation: [auth] forbidden_without_valid_key: served without a key
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract_tests.model.areas import ContractViolation
from contract_tests.model.findings import Finding
from contract_tests.record.coverage import Coverage
from contract_tests.record.repro import Exchange, render_script

__all__ = ["BudgetSpent", "Observations", "Unverifiable", "findings_of", "report", "soft"]


class BudgetSpent(BaseException):
    """The test's time allowance is spent after at least one example: end it here (not a failure, not a skip).

    A `BaseException`, so that Hypothesis lets it through at once instead of shrinking it as a failure.
    """


@dataclass(frozen=True, slots=True)
class Unverifiable:
    """A schema-valid request the target refused because it names a resource the suite invented.

    Attributes:
        fields: the request fields that named it (`browser_session_id`, ...).
        detail: what was sent and what came back.
        setting: how to make it verifiable on this target.
        chain: the exchanges that showed it.
    """

    fields: tuple[str, ...]
    detail: str
    setting: str
    chain: tuple[Exchange, ...] = ()


@dataclass
class Observations:
    """One test's record.

    Attributes:
        test: the pytest node id.
        chain: returns the exchanges of the current example so far.
        allowance: seconds this test may spend before it stops starting examples (0: no limit).
        started: `time.monotonic()` at its start.
        violations: each violation with its chain.
        unverifiable: requests it could not judge here.
        examples: examples completed (a violation ends an example, and still counts).
        truncated: whether the allowance ended the test before its last example.
        cut: why it was ended early (`BudgetSpent`'s message), when it was.
        requests: requests it sent.
        trials: what each isolation trial of a 5xx answered (`Api.isolate`): the 5xx exchange, or None.
        runs: the ids of the runs it started (every accepted `run_workflow` request it sent, whatever its intent).
        run_allowance: how many runs it may start (its share of the run cap; None: no limit).
        coverage: the cells it exercised, with the violations seen while judging them.
        created_at: each run's `created_at` as the first answer this test saw showed it, by run id (kept per test,
            not per process, so that what is compared does not depend on which worker ran which test).
    """

    test: str
    chain: Callable[[], Sequence[Exchange]]
    allowance: float = 0.0
    started: float = field(default_factory=time.monotonic)
    violations: list[tuple[ContractViolation, tuple[Exchange, ...]]] = field(default_factory=list)
    unverifiable: list[Unverifiable] = field(default_factory=list)
    examples: int = 0
    truncated: bool = False
    cut: str = ""
    requests: int = 0
    trials: dict[tuple[str, str, str, bytes], Exchange | None] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    run_allowance: int | None = None
    coverage: Coverage = field(default_factory=Coverage)
    created_at: dict[str, Any] = field(default_factory=dict)

    def report(self, violation: ContractViolation, chain: Sequence[Exchange] | None = None) -> None:
        """Record a violation, with its own chain, else `chain`, else the example's so far."""
        own = violation.chain
        self.violations.append((violation, tuple(own if own is not None else self.chain() if chain is None else chain)))

    def soft(self) -> contextlib.AbstractContextManager[None]:
        """Record the violations raised inside and go on (see `soft`)."""
        return soft(self)

    def note_unverifiable(self, fields: Sequence[str], detail: str, setting: str) -> None:
        """Note a request this target cannot judge, with the example's chain so far."""
        self.unverifiable.append(Unverifiable(tuple(fields), detail, setting, tuple(self.chain())))

    def run_started(self, run_id: str) -> None:
        """Note a run this test started (once)."""
        if run_id not in self.runs:
            self.runs.append(run_id)

    def pace(self) -> None:
        """Called before each example: end the test (`BudgetSpent`) once its allowance is spent and it has completed
        at least one example, so that every test is judged and none starves the ones after it."""
        if self.allowance <= 0 or self.examples == 0:
            return
        if time.monotonic() - self.started >= self.allowance:
            self.truncated = True
            raise BudgetSpent(
                f"{self.test}: allowance of {self.allowance:.0f} s spent after {self.examples} example(s)"
            )


def report(seen: Observations | None, violation: ContractViolation) -> None:
    """Record a violation in a test's record (with the example's chain so far), or raise it when there is none."""
    if seen is None:
        raise violation
    seen.report(violation)


def _violations(error: BaseException) -> list[ContractViolation] | None:
    """The violations an exception carries (a group of them included), or None when it is something else."""
    if isinstance(error, ContractViolation):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        inner = [_violations(item) for item in error.exceptions]
        if all(found is not None for found in inner):
            return [v for found in inner if found is not None for v in found]
    return None


@contextlib.contextmanager
def soft(seen: Observations | None) -> Iterator[None]:
    """Record the violations raised inside in `seen` and go on (with no record: let them through)."""
    try:
        yield
    except (ContractViolation, ExceptionGroup) as error:
        found = _violations(error)
        if found is None or seen is None:
            raise
        for violation in found:
            seen.report(violation)


def _script(chain: Sequence[Exchange], secrets: set[str], strip: Iterable[str] = ()) -> tuple[str, str]:
    script = render_script(chain, secrets=secrets, strip_headers=strip) if chain else ""
    return script, "\n".join(exchange.describe() for exchange in chain)


def findings_of(seen: Observations, secrets: set[str]) -> list[Finding]:
    """The findings of one test's record, with reproductions (secrets redacted as `$CONTRACT_API_KEY`)."""
    found = []
    for violation, chain in seen.violations:
        script, observed = _script(chain, secrets, violation.strip_headers)
        found.append(_finding(violation, seen.test, script, observed))
    return found


def _finding(violation: ContractViolation, test: str, script: str, observed: str) -> Finding:
    return Finding(
        violation.area,
        violation.check,
        violation.detail,
        test,
        script,
        observed,
        violation.location,
        violation.kind,
        violation.operation,
    )
