"""The verdict of a run: root causes (against a baseline, if given), what could not be verified on the target, which
areas were judged, the exit status, and the summary in Markdown and JSON.

Exit statuses (the runner's, and what CI sees):

| status | verdict | meaning |
|---|---|---|
| 0 | pass | every area judged, no root cause (none outside the baseline) |
| 1 | fail | root causes found (outside the baseline, when one is given) |
| 2 | error | the suite could not run: the target is unreachable, settings are wrong, a test is broken |
| 3 | incomplete | no violation found, but some area was not (fully) judged: a test skipped for the budget |

Example:
    >>> verdict = Verdict(causes=[], tests=[TestOutcome("contract_tests/suite/test_auth.py::t", Area.AUTH, "judged")])
    >>> verdict.word, verdict.incomplete_areas[:2]
    ('incomplete', ['status enum', 'proxy options'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract_tests.model.areas import Area
from contract_tests.model.drift import Drift
from contract_tests.model.findings import NotVerifiable, RootCause

__all__ = ["EXIT_ERROR", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_VIOLATIONS", "Gone", "TestOutcome", "Verdict"]

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2
EXIT_INCOMPLETE = 3
_WORDS = {EXIT_OK: "pass", EXIT_VIOLATIONS: "fail", EXIT_ERROR: "error", EXIT_INCOMPLETE: "incomplete"}
_EXECUTED = ("judged", "failed")


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """How one test ended.

    Attributes:
        test: the node id.
        area: the area it judges.
        state: `judged` (ran, no violation), `failed` (ran, violations), `skipped` (not run: budget), `broken` (an
            error that is not a violation), `missing` (collected, never reported: a worker died).
        reason: why it was skipped or broken.
        examples: examples it completed.
        truncated: its time allowance ended it before its last example.
    """

    test: str
    area: Area | None
    state: str
    reason: str = ""
    examples: int = 0
    truncated: bool = False

    __test__ = False  # not a pytest test class

    @property
    def executed(self) -> bool:
        """Whether it ran (with or without violations)."""
        return self.state in _EXECUTED


@dataclass(frozen=True, slots=True)
class Gone:
    """A root cause the baseline lists that this run did not see, and whether that means anything.

    Attributes:
        key: the root-cause key.
        tests_ran: True when every test that saw it for the baseline ran in full this time (so it is really gone),
            False when some did not (it was not looked for), None when the baseline does not say which tests saw it.
        why: that, in words.
    """

    key: str
    tests_ran: bool | None
    why: str

    def to_json(self) -> dict[str, Any]:
        """The summary's form of it."""
        return {"key": self.key, "tests_ran": self.tests_ran, "why": self.why}


def gone_causes(known: Mapping[str, Sequence[str]], seen: set[str], tests: Sequence[TestOutcome]) -> list[Gone]:
    """The baseline's root causes this run did not see, each with whether the tests that saw them ran.

    Args:
        known: the baseline's keys, each with the tests that saw it then.
        seen: the keys this run saw.
        tests: how each test of this run ended.

    Example:
        >>> ran = [TestOutcome("t1", None, "judged"), TestOutcome("t2", None, "skipped", "time limit")]
        >>> [g.why for g in gone_causes({"a": ["t1"], "b": ["t2"], "c": []}, set(), ran)]  # doctest: +NORMALIZE_WHITESPACE
        ['not seen though its tests ran (t1)', 'its tests did not run: t2 (skipped: time limit)',
         'not seen; the baseline does not say which tests saw it (rewrite it with --write-baseline)']
    """
    by_test = {outcome.test: outcome for outcome in tests}
    found = []
    for key in sorted(set(known) - seen):
        names = list(known[key])
        if not names:
            found.append(
                Gone(
                    key,
                    None,
                    "not seen; the baseline does not say which tests saw it (rewrite it with --write-baseline)",
                )
            )
            continue
        missing = [
            f"{name} ({_how(by_test.get(name))})"
            for name in names
            if name not in by_test or not by_test[name].executed or by_test[name].truncated
        ]
        if missing:
            found.append(Gone(key, False, f"its tests did not run: {', '.join(missing)}"))
        else:
            found.append(Gone(key, True, f"not seen though its tests ran ({', '.join(names)})"))
    return found


def _how(outcome: TestOutcome | None) -> str:
    if outcome is None:
        return "not collected"
    if outcome.executed:
        return "cut short"
    return f"{outcome.state}: {outcome.reason}" if outcome.reason else outcome.state


@dataclass
class Verdict:
    """Everything a run concluded.

    Attributes:
        causes: the root causes (each marked known or new when a baseline was given).
        tests: how each collected test ended.
        not_verifiable: requests this target cannot judge, with the setting that would.
        errors: errors of the run (not violations).
        gone: baseline root causes this run did not see (with whether their tests ran).
        baseline: whether a baseline was applied.
        selected: whether tests were selected (`-k`): areas without tests are then "not selected", not "not run".
        drift: the spec against the target's own OpenAPI document (None when it serves none: `no_drift` says why).
    """

    causes: list[RootCause]
    tests: list[TestOutcome]
    not_verifiable: list[NotVerifiable] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    baseline: bool = False
    selected: bool = False
    drift: Drift | None = None
    no_drift: str = ""

    def allowed_by_target(self, cause: RootCause) -> str | None:
        """Why the target's own document allows a root cause, if it does (it still counts: the spec is the contract)."""
        return self.drift.explanation(cause.key) if self.drift is not None else None

    @property
    def new_causes(self) -> list[RootCause]:
        """The root causes that fail the run: all, or those a baseline does not list."""
        return [cause for cause in self.causes if cause.baseline != "known"]

    def areas(self) -> dict[str, dict[str, Any]]:
        """Per area: its state (`judged`, `partly run`, `not run`, `not selected`), tests, executed, the root causes
        filed under it (each root cause is filed in one area) and those filed elsewhere that its tests also saw."""
        table: dict[str, dict[str, Any]] = {}
        for area in Area:
            mine = [t for t in self.tests if t.area == area]
            executed = sum(t.executed for t in mine)
            if not mine:
                state = "not selected" if self.selected else "not run"
            elif executed == len(mine):
                state = "judged"
            else:
                state = "partly run" if executed else "not run"
            table[str(area)] = {
                "state": state,
                "tests": len(mine),
                "executed": executed,
                "truncated": sum(t.truncated for t in mine),
                "root_causes": sum(c.area == area for c in self.causes),
                "also_seen": sum(str(area) in c.also_seen_in for c in self.causes),
            }
        return table

    @property
    def incomplete_areas(self) -> list[str]:
        """Areas not fully judged."""
        return [name for name, row in self.areas().items() if row["state"] in ("partly run", "not run")]

    @property
    def not_run(self) -> list[TestOutcome]:
        """Tests that did not execute."""
        return [t for t in self.tests if not t.executed]

    @property
    def cut_short(self) -> list[TestOutcome]:
        """Tests that ran but stopped before their last example (a budget or the run cap): the rest of their cases
        were not judged."""
        return [t for t in self.tests if t.executed and t.truncated]

    @property
    def exit_status(self) -> int:
        """See the module docstring: violations first, then errors, then incompleteness."""
        if self.new_causes:
            return EXIT_VIOLATIONS
        if self.errors or any(t.state in ("broken", "missing") for t in self.tests):
            return EXIT_ERROR
        if self.incomplete_areas:
            return EXIT_INCOMPLETE
        return EXIT_OK

    @property
    def word(self) -> str:
        """`pass`, `fail`, `error` or `incomplete`."""
        return _WORDS[self.exit_status]

    def headline(self) -> str:
        """One line: the verdict and what it counts."""
        new, known = len(self.new_causes), len(self.causes) - len(self.new_causes)
        parts = []
        if self.exit_status == EXIT_VIOLATIONS:
            areas = sorted({str(c.example.area) for c in self.new_causes}, key=[str(a) for a in Area].index)
            parts.append(f"FAIL: {new} root cause(s)" + (" not in the baseline" if self.baseline else ""))
            parts.append(f"in {', '.join(areas)}")
        elif self.exit_status == EXIT_ERROR:
            parts.append("ERROR: the suite could not run all of its tests, no violation found")
        elif self.exit_status == EXIT_INCOMPLETE:
            parts.append("INCOMPLETE: no violation found, but not every area was judged")
        elif self.selected:
            parts.append("PASS: no contract violation in the selected tests (a selection: not every area judged)")
        else:
            parts.append("PASS: every area judged, no contract violation")
        if known:
            parts.append(f"({known} known from the baseline)")
        if self.incomplete_areas and self.exit_status != EXIT_INCOMPLETE:
            parts.append(f"; not fully judged: {', '.join(self.incomplete_areas)}")
        return " ".join(parts).replace(" ;", ";")
