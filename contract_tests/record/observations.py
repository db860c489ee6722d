"""What one test observed: every violation with the chain of requests that showed it, the requests it could not
judge on this target, and how many examples it completed; and the pace its time allowance sets.

A violation does not end a test. Checks that find a problem which leaves the rest checkable run inside `soft()`; a
violation that escapes an example is recorded by the `example` fixture; Schemathesis failures are `report`ed. The
test goes on with its next check and its next example, and fails at its end with everything it saw (see
`contract_tests.engine.plugin`). Outside a test (unit tests, doctests) nothing is active and checks raise as usual.

Example:
    >>> from contract_tests.model.areas import Area, ContractViolation
    >>> seen = begin("t", chain=list)
    >>> with soft():
    ...     raise ContractViolation(Area.AUTH, "forbidden_without_valid_key", "served without a key")
    >>> [v.check for v, _ in finish().violations]
    ['forbidden_without_valid_key']
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from contract_tests.model.areas import ContractViolation
from contract_tests.model.findings import Finding
from contract_tests.record.repro import Exchange, render_script

__all__ = [
    "BudgetSpent",
    "Observations",
    "Unverifiable",
    "active",
    "begin",
    "findings_of",
    "finish",
    "pace",
    "report",
    "run_started",
    "soft",
    "unverifiable",
]


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


_active: list[Observations] = []


def begin(test: str, *, chain: Callable[[], Sequence[Exchange]], allowance: float = 0.0) -> Observations:
    """Start recording for a test (replacing any earlier record)."""
    _active[:] = [Observations(test, chain, allowance)]
    return _active[0]


def finish() -> Observations:
    """Stop recording and hand back the record."""
    return _active.pop()


def run_started(run_id: str) -> None:
    """Note a run the running test started (nothing is recorded outside a test)."""
    seen = active()
    if seen is not None and run_id not in seen.runs:
        seen.runs.append(run_id)


def active() -> Observations | None:
    """The record of the running test, if any."""
    return _active[0] if _active else None


def report(violation: ContractViolation, chain: Sequence[Exchange] | None = None) -> None:
    """Record a violation for the running test (with its own chain, or the example's so far), or raise it when no
    test records."""
    seen = active()
    if seen is None:
        raise violation
    own = violation.chain
    seen.violations.append((violation, tuple(own if own is not None else seen.chain() if chain is None else chain)))


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
def soft() -> Iterator[None]:
    """Record the violations raised inside and go on (outside a test: let them through)."""
    try:
        yield
    except (ContractViolation, ExceptionGroup) as error:
        found = _violations(error)
        if found is None or active() is None:
            raise
        for violation in found:
            report(violation)


def unverifiable(fields: Sequence[str], detail: str, setting: str) -> None:
    """Note a request this target cannot judge (nothing is recorded outside a test)."""
    seen = active()
    if seen is not None:
        seen.unverifiable.append(Unverifiable(tuple(fields), detail, setting, tuple(seen.chain())))


def pace() -> None:
    """Called before each example: end the test (`BudgetSpent`) once its allowance is spent and it has completed at
    least one example, so that every test is judged and none starves the ones after it."""
    seen = active()
    if seen is None or seen.allowance <= 0 or seen.examples == 0:
        return
    if time.monotonic() - seen.started >= seen.allowance:
        seen.truncated = True
        raise BudgetSpent(f"{seen.test}: allowance of {seen.allowance:.0f} s spent after {seen.examples} example(s)")


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
