"""The run invariants of `contract_tests.checks.lifecycle` (each accepted POST a run of its own, timestamps in their
order, `created_at` unchanged) and how `flows` judges them on every run it reads: each check passes on what a faithful
server answers (nulls and naive timestamps included), fails on what the matching reference-server fault answers, and
names a stable root cause. Offline: the target is an `httpx2.MockTransport`."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import httpx2
import pytest

from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.engine import flows
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record import repro
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.api import Api
from reference_server.faults import FaultSet

SPEC = Spec.load()
T0, T1, T2, T3 = (f"2026-01-01T00:00:0{second}Z" for second in range(4))
_RUN_NUMBERS = itertools.count(1)


def _run(**overrides: Any) -> dict[str, Any]:
    """A finished run as a faithful server answers it (every timestamp set and in order)."""
    body: dict[str, Any] = {
        "run_id": "wr_1",
        "status": "completed",
        "created_at": T0,
        "queued_at": T1,
        "started_at": T2,
        "finished_at": T3,
        "modified_at": T3,
        "run_request": {"workflow_id": "w", "title": "one"},
    }
    return {**body, **overrides}


def _keys(check: Any, *args: Any) -> list[str]:
    """The root-cause keys a check finds, every one of them (recorded as a test records them: into its record)."""
    seen = Observations("t", chain=list)
    with seen.soft():
        check(seen, *args)
    assert all(violation.area == Area.LIFECYCLE for violation, _ in seen.violations)
    return [violation.key for violation, _ in seen.violations]


def test_instants_are_read_tolerantly() -> None:
    same = lifecycle_checks.instant("2026-01-01T00:00:00Z")
    assert same is not None
    assert same.tzinfo is not None
    assert lifecycle_checks.instant("2026-01-01T01:00:00+01:00") == same
    assert lifecycle_checks.instant("2026-01-01T00:00:00") == same  # naive: UTC (Skyvern 1.0.56 writes these)
    assert lifecycle_checks.instant("2026-01-01t00:00:00z") == same
    assert lifecycle_checks.instant("2026-01-01T00:00:00.123456789Z") is not None  # nanoseconds: cut to micro
    for value in (None, "", "yesterday", "2026-13-01T00:00:00Z", 1767225600, ["2026-01-01T00:00:00Z"]):
        assert lifecycle_checks.instant(value) is None


@pytest.mark.parametrize(
    "run",
    [
        _run(),
        _run(queued_at=None),  # Skyvern 1.0.40 never sets queued_at; 1.0.48 has no queued state
        _run(status="created", queued_at=None, started_at=None, finished_at=None, modified_at=T0),
        _run(status="canceled", queued_at=None, started_at=None, finished_at=T1, modified_at=T1),
        _run(queued_at=T0, started_at=T0, finished_at=T0, modified_at=T0),  # equal is in order
        _run(**{name: _run()[name].removesuffix("Z") for name in lifecycle_checks.TIMESTAMP_ORDER}),
        _run(started_at="not a timestamp"),  # the response schema's finding, not this one's
        _run(modified_at=None),
        {"run_id": "wr_1", "status": "created"},
    ],
)
def test_timestamps_in_order_pass(run: dict[str, Any]) -> None:
    assert _keys(lifecycle_checks.timestamps_ordered, run) == []


@pytest.mark.parametrize(
    ("run", "keys"),
    [
        (_run(queued_at="2025-12-31T23:59:59Z"), ["timestamps_ordered|/queued_at|out of order"]),
        (_run(queued_at=None, started_at="2025-12-31T23:59:59Z"), ["timestamps_ordered|/started_at|out of order"]),
        (_run(started_at=T3, finished_at=T2), ["timestamps_ordered|/finished_at|out of order"]),
        (_run(modified_at="2025-12-31T23:59:59Z"), ["timestamps_ordered|/modified_at|out of order"]),
        (
            _run(queued_at=T3, started_at=T2, modified_at="2025-12-31T23:59:59Z"),
            ["timestamps_ordered|/started_at|out of order", "timestamps_ordered|/modified_at|out of order"],
        ),
        (
            _run(created_at="2026-01-01T00:00:05", finished_at=None, modified_at="2026-01-01T00:00:06"),
            ["timestamps_ordered|/queued_at|out of order"],  # naive and aware timestamps compared as UTC
        ),
    ],
)
def test_timestamps_out_of_order_fail_one_root_cause_each(run: dict[str, Any], keys: list[str]) -> None:
    assert _keys(lifecycle_checks.timestamps_ordered, run) == keys


def test_created_at_must_not_change() -> None:
    lifecycle_checks.created_at_unchanged(T0, T0)
    lifecycle_checks.created_at_unchanged(T0, "2026-01-01T01:00:00+01:00")  # the same instant, spelled otherwise
    lifecycle_checks.created_at_unchanged(T0, "garbage")  # not a timestamp: the response schema's finding
    lifecycle_checks.created_at_unchanged(None, T0)
    with pytest.raises(ContractViolation) as moved:
        lifecycle_checks.created_at_unchanged(T1, T0, "get_run")
    assert moved.value.key == "created_at_unchanged|/created_at|changed"
    assert (moved.value.area, moved.value.operation) == (Area.LIFECYCLE, "get_run")


def test_each_accepted_post_has_a_new_id() -> None:
    lifecycle_checks.run_id_is_new([], "wr_1")
    lifecycle_checks.run_id_is_new(["wr_1", "wr_2"], "wr_3")
    with pytest.raises(ContractViolation) as reused:
        lifecycle_checks.run_id_is_new(["wr_1", "wr_2"], "wr_2")
    assert reused.value.key == "run_id_is_new|/run_id|reused"
    assert "wr_2" not in reused.value.key


def test_an_id_names_its_own_run() -> None:
    lifecycle_checks.names_its_run("wr_1", "one", _run())
    lifecycle_checks.names_its_run("wr_1", None, _run(run_request={"title": "two"}))  # own title unknown: ids only
    lifecycle_checks.names_its_run("wr_1", "one", _run(run_request=None))  # no echo on the read: echo's finding
    lifecycle_checks.names_its_run("wr_1", "one", _run(run_request={"title": None}))
    with pytest.raises(ContractViolation) as other:
        lifecycle_checks.names_its_run("wr_1", "one", _run(run_request={"workflow_id": "w", "title": "two"}))
    assert other.value.key == "names_its_run|/run_request/title|other run"
    with pytest.raises(ContractViolation) as other_id:
        lifecycle_checks.names_its_run("wr_1", "one", _run(run_id="wr_2"))
    assert other_id.value.key == "names_its_run|/run_id|other run"


def _served(fault: str, run: dict[str, Any], *, read: bool, faults: FaultSet | None = None) -> dict[str, Any]:
    return (faults or FaultSet([fault] if fault else [])).shape_run(copy.deepcopy(run), read=read)


def test_each_check_catches_its_reference_server_fault() -> None:
    posted = _served("created_at_moves", _run(), read=False)
    read = _served("created_at_moves", _run(), read=True)
    lifecycle_checks.created_at_unchanged(posted["created_at"], _served("", _run(), read=True)["created_at"])
    with pytest.raises(ContractViolation, match="created_at"):
        lifecycle_checks.created_at_unchanged(posted["created_at"], read["created_at"])
    swapped = _served("finished_before_started", _run(), read=True)
    assert _keys(lifecycle_checks.timestamps_ordered, swapped) == ["timestamps_ordered|/finished_at|out of order"]
    assert _keys(lifecycle_checks.timestamps_ordered, _served("", _run(), read=True)) == []
    reusing = FaultSet(["run_id_reused"])
    first, second = (_served("", _run(run_id=run_id), read=False, faults=reusing)["run_id"] for run_id in "ab")
    with pytest.raises(ContractViolation, match="again"):
        lifecycle_checks.run_id_is_new([first], second)


class _Target:
    """A mock target: each POST starts a run (created_at `T0`; ids of its own, as `flows` remembers each run's first
    `created_at` for the whole process), each GET answers the stored run, changed by `on_read` first."""

    def __init__(self, on_read: Any = None) -> None:
        self.runs: dict[str, dict[str, Any]] = {}
        self.on_read = on_read or (lambda run: run)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":
            sent = json.loads(request.content)
            run_id = f"wr_{next(_RUN_NUMBERS)}"
            self.runs[run_id] = _run(
                run_id=run_id,
                status="created",
                queued_at=None,
                started_at=None,
                finished_at=None,
                modified_at=T0,
                run_request=sent,
            )
            return httpx2.Response(200, json=self.runs[run_id])
        run_id = request.url.path.rsplit("/", 1)[-1]
        if run_id not in self.runs:
            return httpx2.Response(404, json={"detail": "Run not found"})
        return httpx2.Response(200, json=self.on_read(copy.deepcopy(self.runs[run_id])))


def _api(target: _Target) -> Api:
    paths = {operation_id: SPEC.operation(operation_id)[0] for operation_id in SPEC.operation_ids()}
    api = Api("http://target", api_key="k", key_header="x-api-key", paths=paths, recorder=repro.Recorder())
    api._client = httpx2.Client(transport=httpx2.MockTransport(target))
    return api


def _lifecycle_keys(on_read: Any) -> list[str]:
    """The lifecycle root causes `flows` finds starting a run and reading it twice."""
    seen = Observations("t", chain=list)
    api = _api(_Target(on_read)).for_test(seen)
    with seen.soft():
        run = flows.start_run(seen, api, SPEC, {"workflow_id": "w", "title": "one"})
        for _ in range(2):
            flows.read_run(seen, api, SPEC, run["run_id"])
    return sorted({violation.key for violation, _ in seen.violations if violation.area == Area.LIFECYCLE})


def test_flows_judge_the_timestamps_of_every_run_they_read() -> None:
    assert _lifecycle_keys(None) == []
    assert _lifecycle_keys(lambda run: {**run, "created_at": T1, "modified_at": T1}) == [
        "created_at_unchanged|/created_at|changed"
    ]
    assert _lifecycle_keys(lambda run: {**run, "status": "running", "queued_at": T2, "started_at": T1}) == [
        "timestamps_ordered|/started_at|out of order"
    ]
