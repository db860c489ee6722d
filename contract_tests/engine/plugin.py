"""The pytest side of a contract run, in two plugins.

- `TestRecording` runs where the tests run (each pytest-xdist worker, or the one process): it makes each test's
  record (an `observations.Observations`, with its time allowance and run cap share) before the test's fixtures are
  set up and keeps it in the test's stash (`RECORD`), the one place it lives: the suite's `seen` fixture hands it to
  the test, which passes it on. For the test's call it binds the process's `Recorder` to it (listeners that note
  each response's cell and each run started, removed at the call's end). It lets the test go on past violations,
  fails it at its end with everything it saw, and ships the record to the controller on the test's report (a
  `wire.TestRecord`, as JSON: pytest-xdist carries it over), with the test's coverage next to its violations.
- `ContractPlugin` runs in the controller (registered by the runner): it gathers those records into the `Verdict`
  and the run's coverage, and writes the summary and the HTML report.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from contract_tests.checks.lifecycle import is_terminal, timestamps_ordered
from contract_tests.config import Context
from contract_tests.engine import plan
from contract_tests.engine.cleanup import Leftovers, cancel_leftovers
from contract_tests.engine.wire import ATTRIBUTE, TestRecord
from contract_tests.model import baseline
from contract_tests.model.areas import Area
from contract_tests.model.findings import Finding, Unverifiable, not_verifiable, root_causes
from contract_tests.model.verdict import Gone, TestOutcome, Verdict, gone_causes
from contract_tests.record import coverage
from contract_tests.record.observations import BudgetSpent, Observations, findings_of
from contract_tests.record.repro import Exchange, render_script
from contract_tests.report import html as html_report
from contract_tests.report import matrix, summary
from contract_tests.spec import Spec

__all__ = ["RECORD", "REPORT_HTML", "SUMMARY_JSON", "SUMMARY_MD", "ContractFailure", "ContractPlugin", "TestRecording"]

SUMMARY_MD = "contract-summary.md"
SUMMARY_JSON = "contract-summary.json"
REPORT_HTML = html_report.REPORT_HTML
_T = TypeVar("_T")
_RUN_OPERATION = "run_workflow"
END_OF_RUN = "(the end of the run: every run it started, read once more)"
"""Where the controller's own judgement of those last reads is filed (as the test that saw it)."""
RECORD = pytest.StashKey[Observations]()
"""Where each test's record lives (`item.stash`), from its setup on."""
_FINDINGS = pytest.StashKey[list[Finding]]()


class ContractFailure(AssertionError):
    """A test saw contract violations (its message lists them by root cause)."""


def _failure_message(findings: list[Finding]) -> str:
    causes = root_causes(findings)
    lines = [f"{len(causes)} root cause(s), {len(findings)} violation(s):"]
    for cause in causes:
        lines.append(f"- [{cause.example.area}] {cause.key} x{cause.count}: {cause.example.detail[:300]}")
    return "\n".join(lines)


class TestRecording:
    """Per-test recording, budget and pacing (see the module docstring)."""

    __test__ = False

    def __init__(self, context: Context) -> None:
        self.context = context
        self.allowed: dict[str, int | None] = {}
        self.areas: dict[str, Area | None] = {}
        """Each collected test's area, from its `area` marker (`plan.area_of`)."""

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Interleave the areas (see `interleaved`) and share out the run cap (`plan.allowances`), in every process
        alike."""
        self.areas = {item.nodeid: plan.area_of(item) for item in items}
        items[:] = interleaved(items, lambda item: self.areas[item.nodeid])
        costs = {item.nodeid: plan.cost_of(item, self.context.profile) for item in items}
        declared = {nodeid: cost for nodeid, cost in costs.items() if cost is not None}
        self.allowed = plan.allowances(declared, self.context.max_runs)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """In a pytest-xdist worker, hand the controller every collected test's area (the tests it never ran too)."""
        output = getattr(session.config, "workeroutput", None)
        if output is not None:
            output["areas"] = {nodeid: str(area) for nodeid, area in self.areas.items() if area is not None}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Make the test's record (before its fixtures, which hand it out); skip a test that would start after the
        run's request or time budget is spent (it counts as not run)."""
        item.stash[RECORD] = Observations(
            item.nodeid,
            chain=self.context.recorder.chain,
            allowance=self.context.profile.test_seconds,
            # A test that declares no cost starts no run under a cap (a unit test keeps every test declared).
            run_allowance=self.allowed.get(item.nodeid, None if self.context.max_runs is None else 0),
        )
        self.context.check_budget(None)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        recorder, seen = self.context.recorder, item.stash[RECORD]
        seen.started = time.monotonic()
        listeners = [functools.partial(coverage.saw_exchange, seen.coverage), functools.partial(saw_run, seen)]
        recorder.listeners.extend(listeners)
        requests = recorder.total
        try:
            yield
        except BudgetSpent as spent:
            seen.cut = str(spent)
        finally:
            for listener in listeners:
                recorder.listeners.remove(listener)
            seen.requests = recorder.total - requests
            seen.coverage.add_violations(seen.violations)
            item.stash[_FINDINGS] = findings_of(seen, {self.context.api_key})  # reproductions rendered once
        findings = item.stash[_FINDINGS]
        if findings:
            raise ContractFailure(_failure_message(findings))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report: pytest.TestReport = yield
        if call.when != "call" and not report.skipped and not report.failed:
            return report
        seen = item.stash.get(RECORD, None)
        fields: dict[str, Any] = {}
        if seen is not None and call.when == "call":
            secrets = {self.context.api_key}
            found: list[Finding] = item.stash.get(_FINDINGS, [])
            fields.update(
                examples=seen.examples,
                truncated=seen.truncated,
                cut=seen.cut,
                requests=seen.requests,
                runs=tuple(seen.runs),
                findings=tuple(found),
                coverage=seen.coverage,
                unverifiable=tuple(
                    Unverifiable(u.fields, u.detail, u.setting, item.nodeid, _reproduction(u.chain, secrets))
                    for u in seen.unverifiable
                ),
            )
        if call.excinfo is not None and isinstance(call.excinfo.value, BudgetSpent):
            report.outcome = "passed"  # cut short by a budget (a unittest-style test lets it through): not an error
            if seen is not None:
                seen.truncated, seen.cut = True, str(call.excinfo.value)
                fields.update(truncated=True, cut=seen.cut)
        elif report.failed and call.excinfo is not None and not isinstance(call.excinfo.value, ContractFailure):
            fields["error"] = f"{call.excinfo.typename}: {str(call.excinfo.value).strip().splitlines()[0][:300]}"
        if report.skipped and isinstance(report.longrepr, tuple):
            fields["reason"] = str(report.longrepr[2])
        record = TestRecord(str(self.areas.get(item.nodeid) or ""), call.when, **fields)
        setattr(report, ATTRIBUTE, record.to_json())  # pytest-xdist carries JSON-able report attributes only
        return report


def interleaved(items: Sequence[_T], area_of: Callable[[_T], Area | None]) -> list[_T]:
    """The tests in turns, one of each area per turn (areas in `Area` order, each area's tests in file order), so
    that a run cut short by its safety limits has still given every area its share, and its not-run tests are a
    few of each area rather than whole areas.

    Example:
        >>> interleaved(["a1", "a2", "a3", "b1"], lambda name: Area.AUTH if name[0] == "a" else Area.LIFECYCLE)
        ['b1', 'a1', 'a2', 'a3']
        >>> interleaved(["a1", "a2", "b1", "b2"], lambda name: Area.AUTH if name[0] == "a" else Area.STATUS_ENUM)
        ['b1', 'a1', 'b2', 'a2']
    """
    order = [*Area, None]
    queues: dict[Area | None, list[_T]] = {}
    for item in items:
        queues.setdefault(area_of(item), []).append(item)
    lanes = [queues[area] for area in order if area in queues]
    return [lane[turn] for turn in range(max(map(len, lanes), default=0)) for lane in lanes if turn < len(lane)]


def saw_run(seen: Observations, exchange: Exchange) -> None:
    """A recorder listener once bound to a test's record (`functools.partial(saw_run, seen)`): an accepted
    `run_workflow` request started a run of that test."""
    if exchange.method == "POST" and exchange.status is not None and 200 <= exchange.status < 300:
        run_id = exchange.run_id()
        if run_id is not None and coverage.operation_of(exchange.method, exchange.url) == _RUN_OPERATION:
            seen.run_started(run_id)


def _reproduction(chain: Any, secrets: set[str]) -> str:
    return render_script(list(chain), secrets=secrets) if chain else ""


class ContractPlugin:
    """The controller's side: the tests collected, their records, the verdict and the summary."""

    name = "contract"

    def __init__(
        self,
        context: Context,
        *,
        target: str,
        seed: int | None,
        known: Mapping[str, baseline.Known] | None = None,
        selected: bool = False,
    ) -> None:
        self.context = context
        self.target = target
        self.seed = seed
        self.known = known
        self.selected = selected
        self.collected: dict[str, None] = {}
        self.areas: dict[str, Area] = {}
        """Each collected test's area: from its marker in an in-process run, from the workers under pytest-xdist."""
        self.outcomes: dict[str, TestOutcome] = {}
        self.findings: list[Finding] = []
        self.unverifiable: list[Unverifiable] = []
        self.errors: list[str] = []
        self.requests = 0
        self.started_runs: dict[str, None] = {}
        self.leftovers: Leftovers | None = None
        self.coverage = coverage.Coverage()
        self.started = time.monotonic()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The tests of an in-process run, and their areas."""
        self.collected.update(dict.fromkeys(item.nodeid for item in session.items))
        self.areas.update({item.nodeid: area for item in session.items if (area := plan.area_of(item)) is not None})

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """The areas of the tests a pytest-xdist worker collected (see `TestRecording.pytest_sessionfinish`)."""
        areas = getattr(node, "workeroutput", {}).get("areas", {})
        self.areas.update({nodeid: Area(area) for nodeid, area in areas.items()})

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The tests a pytest-xdist worker collected (each worker collects them all)."""
        self.collected.update(dict.fromkeys(ids))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that cannot be collected is an error of the run."""
        if report.failed:
            self.errors.append(f"{report.nodeid}: collection failed: {str(report.longrepr).strip().splitlines()[-1]}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one report into the test's outcome."""
        sent = getattr(report, ATTRIBUTE, None)
        record = TestRecord.from_json(sent) if sent is not None else None
        if record is not None and record.area:
            self.areas[report.nodeid] = Area(record.area)
        area = self.areas.get(report.nodeid)
        if record is None:
            if report.failed:  # a failure outside the recording plugin's reach (a fixture, teardown)
                self.outcomes[report.nodeid] = TestOutcome(report.nodeid, area, "broken", f"{report.when} failed")
                self.errors.append(f"{report.nodeid} ({report.when}) failed: {_last_line(report)}")
            return
        self.requests += record.requests
        self.started_runs.update(dict.fromkeys(record.runs))
        self.findings += record.findings
        self.unverifiable += record.unverifiable
        self.coverage.merge(record.coverage)
        examples, truncated = record.examples, record.truncated
        if report.skipped:
            outcome = TestOutcome(report.nodeid, area, "skipped", record.reason or "skipped")
        elif record.error:
            outcome = TestOutcome(report.nodeid, area, "broken", record.error, examples)
            self.errors.append(f"{report.nodeid} ({report.when}): {record.error}")
        elif report.failed:
            outcome = TestOutcome(report.nodeid, area, "failed", record.cut, examples, truncated)
        else:
            outcome = TestOutcome(report.nodeid, area, "judged", record.cut, examples, truncated)
        self.outcomes[report.nodeid] = outcome

    def verdict(self) -> Verdict:
        """The verdict of what has been reported so far."""
        causes = root_causes(self.findings, self.areas)
        tests = [
            self.outcomes.get(nodeid) or TestOutcome(nodeid, self.areas.get(nodeid), "missing", "never reported")
            for nodeid in {**self.collected, **dict.fromkeys(self.outcomes)}
        ]
        gone: list[Gone] = []
        if self.known is not None:
            known = self.known
            causes = [replace(cause, baseline="known" if cause.key in known else "new") for cause in causes]
            seen = {cause.key for cause in causes}
            gone = gone_causes({key: entry.tests for key, entry in known.items()}, seen, tests)
        return Verdict(
            causes,
            tests,
            not_verifiable(self.unverifiable),
            list(self.errors),
            gone,
            baseline=self.known is not None,
            selected=self.selected,
        )

    def clean_up(self) -> Leftovers:
        """Cancel every run the tests started that is still going (see `contract_tests.engine.cleanup`), and judge what
        must hold on every read over those last reads of every run (`END_OF_RUN`)."""
        spec = Spec.load()
        self.leftovers = cancel_leftovers(
            self.context.base_url,
            headers={spec.api_key_header(): self.context.api_key},
            paths={name: spec.operation(name)[0] for name in ("get_run", "cancel_run")},
            run_ids=list(self.started_runs),
            terminal=[status for status in spec.enum("RunStatus") if is_terminal(status)],
            timeout=self.context.profile.request_timeout,
        )
        for exchange, body in self.leftovers.reads:
            if not isinstance(body, dict) or exchange.status != 200:
                continue  # a run that cannot be read back is the lifecycle tests' to judge
            seen = Observations(END_OF_RUN, chain=functools.partial(list, [exchange]))
            timestamps_ordered(seen, body, "get_run")
            self.findings += findings_of(seen, {self.context.api_key})
        return self.leftovers

    def _facts(self, verdict: Verdict) -> list[str]:
        profile = self.context.profile
        seed = f", seed {self.seed}" if self.seed is not None else ""
        elapsed = time.monotonic() - self.started
        ran = sum(t.executed for t in verdict.tests)
        lines = [
            f"target {self.target} ({self.context.base_url}), profile {profile.name}{seed}, {self.context.workers} worker(s), "
            f"{ran}/{len(verdict.tests)} tests run, {self.requests} requests, {elapsed:.1f} s, "
            f"exit status {verdict.exit_status} ({verdict.word})"
        ]
        cap = "no run cap" if self.context.max_runs is None else f"run cap {self.context.max_runs}"
        if self.leftovers is not None:
            lines[0] += f"; {self.leftovers.describe()} ({cap})"
        if self.context.replay_hint and verdict.exit_status:
            lines += ["", self.context.replay_hint]
        if verdict.exit_status and not profile.derandomize and self.seed is not None:
            lines += [
                "",
                f"The same cases again: CONTRACT_PROFILE={profile.name} CONTRACT_SEED={self.seed} make contract",
            ]
        return lines

    def meta(self) -> dict[str, Any]:
        """The run's facts for the JSON summary."""
        return {
            "target": self.target,
            "base_url": self.context.base_url,
            "profile": self.context.profile.name,
            "seed": self.seed,
            "workers": self.context.workers,
            "requests": self.requests,
            "seconds": round(time.monotonic() - self.started, 1),
            "max_runs": self.context.max_runs,
            "runs": self.leftovers.to_json() if self.leftovers is not None else None,
            "coverage": self.coverage.to_json(),
        }

    def write(self, reports: Path, verdict: Verdict) -> str:
        """Write `contract-summary.md`, `contract-summary.json` and `contract-report.html` into the report folder, and
        hand back the Markdown summary (what the runner prints: the same verdict as the files, end-of-run reads and
        drift included)."""
        reports.mkdir(parents=True, exist_ok=True)
        facts = self._facts(verdict)
        text = summary.markdown(verdict, facts)
        (reports / SUMMARY_MD).write_text(text + "\n", encoding="utf-8")
        (reports / SUMMARY_JSON).write_text(summary.as_json(verdict, self.meta()) + "\n", encoding="utf-8")
        tables = matrix.tables(self.coverage, Spec.load(), [cause.key for cause in verdict.causes])
        (reports / REPORT_HTML).write_text(html_report.render(verdict, tables, facts), encoding="utf-8")
        return text

    def write_baseline(self, path: Path, verdict: Verdict) -> None:
        """Record this run's root causes as the known ones."""
        causes = {cause.key: baseline.Known(cause.example.detail, cause.tests) for cause in verdict.causes}
        baseline.write(path, causes, target=self.target)


def _last_line(report: pytest.TestReport) -> str:
    text = str(report.longrepr).strip().splitlines()
    return text[-1][:300] if text else ""
