"""`FaultSet` hooks, one fault at a time and without a server: a fault that is off changes nothing (the hooks do what
a faithful server does), a fault that is on does what its line in `FAULTS` says, and nothing else knows its name."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reference_server.faults import FAULTS, FaultSet
from reference_server.hooks import HOOKS, Fault
from reference_server.lifecycle import Schedule
from reference_server.store import RunRecord, Store

ROOT = Path(__file__).resolve().parents[2]
PROXY_ERROR = {"type": "enum", "loc": ["body", "proxy_location"], "msg": "Input should be ...", "input": "x"}
AI_FALLBACK_ERROR = {"type": "bool_type", "loc": ["body", "ai_fallback"], "msg": "...", "input": "yes"}
STAMP = "2026-01-01T00:00:00Z"
EARLIER = "2025-12-31T23:59:59Z"


def run(**overrides: Any) -> dict[str, Any]:
    """A run's JSON value, as `run_dict` gives it."""
    body: dict[str, Any] = {
        "run_id": "wr_100000000000000001",
        "status": "running",
        "created_at": STAMP,
        "modified_at": STAMP,
        "queued_at": STAMP,
        "started_at": STAMP,
        "finished_at": None,
        "failure_reason": None,
        "run_request": {"workflow_id": "w", "title": "sent", "parameters": None},
    }
    return {**body, **overrides}


def record(run_id: str = "wr_100000000000000001") -> RunRecord:
    """A run created at 100 that completes at 103."""
    return RunRecord(run_id, "w", 100.0, Schedule(1.0, 2.0, 3.0, "completed"), {"steps": 1}, {"workflow_id": "w"})


@pytest.fixture
def store() -> Iterator[Store]:
    db = Store(Path(":memory:"))
    yield db
    db.close()


def _cancel_a_terminal_run(faults: FaultSet, store: Store) -> str:
    store.insert(record())
    faults.cancel(store, "wr_100000000000000001", 200.0)
    stored = store.get("wr_100000000000000001")
    assert stored is not None
    return stored.snapshot(200.0).status


def _persist(faults: FaultSet, store: Store) -> tuple[int, bool]:
    created = faults.insert(store, record())
    return store.count(), faults.find(store, created.run_id) is not None


def _on_request(faults: FaultSet, store: Store) -> str:
    try:
        faults.on_request({"workflow_id": "w", "title": None})
    except TypeError:
        return "raises"
    return "served"


def _regress(faults: FaultSet, store: Store) -> list[str]:
    finished = run(status="completed", finished_at=STAMP)
    return [faults.shape_run(copy.deepcopy(finished), read=True)["status"] for _ in range(2)]


def _as_parsed(faults: FaultSet, store: Store) -> tuple[Any, Any]:
    echo = faults.shape_echo({"workflow_id": "w", "run_with": ""}, {"workflow_id": "w", "run_with": ""}, "Workflow")
    return echo["run_with"], faults.shape_run(run(), read=True)["run_request"]["parameters"]


Probe = Callable[[FaultSet, Store], Any]
"""What one fault can change, observed through the hooks."""

CASES: dict[str, tuple[Probe, Any, Any]] = {
    # fault: (probe, with the fault off, with it on)
    "accept_invalid_proxy": (
        lambda f, _: f.read_body({"workflow_id": "w", "proxy_location": "MARS"}, [PROXY_ERROR]).errors,
        [PROXY_ERROR],
        [],
    ),
    "cancel_body": (lambda f, _: f.cancel_answer(), None, {"canceled": True}),
    "cancel_terminal": (_cancel_a_terminal_run, "completed", "canceled"),
    "created_at_moves": (
        lambda f, _: (f.shape_run(run(), read=True)["created_at"], f.shape_run(run(), read=False)["created_at"]),
        (STAMP, STAMP),
        (EARLIER, STAMP),
    ),
    "drop_nullable_key": (lambda f, _: "failure_reason" in f.shape_run(run(), read=True), True, False),
    "drop_required_key": (lambda f, _: "modified_at" in f.shape_run(run(), read=False), True, False),
    "finished_before_started": (
        lambda f, _: (lambda b: b["started_at"] <= b["finished_at"])(
            f.shape_run(run(status="completed", started_at=EARLIER, finished_at=STAMP), read=True)
        ),
        True,
        False,
    ),
    "ignore_auth": (
        lambda f, _: (f.auth_status(authorized=False), f.auth_status(authorized=True)),
        (403, None),
        (None, None),
    ),
    "lax_proxy_location": (
        lambda f, _: (lambda read: (read.errors, read.echo))(
            f.read_body({"workflow_id": "w", "proxy_location": {"country": 1}}, [PROXY_ERROR])
        ),
        ([PROXY_ERROR], {}),
        ([], {"proxy_location": {"country": 1}}),
    ),
    "lax_types": (
        lambda f, _: (lambda read: (read.errors, read.body["ai_fallback"]))(
            f.read_body({"workflow_id": "w", "ai_fallback": "yes"}, [AI_FALLBACK_ERROR])
        ),
        ([AI_FALLBACK_ERROR], "yes"),
        ([], True),
    ),
    "naive_timestamps": (lambda f, _: f.shape_run(run(), read=True)["created_at"], STAMP, "2026-01-01T00:00:00"),
    "no_persist": (_persist, (1, True), (0, False)),
    "null_500": (_on_request, "served", "raises"),
    "run_id_reused": (
        lambda f, _: [f.shape_run(run(run_id=run_id), read=False)["run_id"] for run_id in ("wr_1", "wr_2")],
        ["wr_1", "wr_2"],
        ["wr_1", "wr_1"],
    ),
    "reject_valid_proxy": (
        lambda f, _: [
            e["type"] for e in f.read_body({"workflow_id": "w", "proxy_location": "RESIDENTIAL_BR"}, []).errors
        ],
        [],
        ["enum"],
    ),
    "run_request_as_parsed": (_as_parsed, ("", None), ("agent", {})),
    "run_request_mangled": (
        lambda f, _: sorted(f.shape_run(run(), read=False)["run_request"]),
        ["parameters", "title", "workflow_id"],
        ["workflow_id"],
    ),
    "status_401": (
        lambda f, _: (f.auth_status(authorized=False), f.auth_status(authorized=True)),
        (403, None),
        (401, None),
    ),
    "status_paused": (
        lambda f, _: (f.shape_run(run(), read=True)["status"], f.shape_run(run(), read=False)["status"]),
        ("running", "running"),
        ("paused", "running"),
    ),
    "status_regresses": (_regress, ["completed", "completed"], ["completed", "running"]),
    "title_from_workflow": (
        lambda f, _: f.shape_echo({"title": "sent"}, {"title": "sent"}, "Workflow")["title"],
        "sent",
        "Workflow",
    ),
    "validation_shape": (
        lambda f, _: (f.error_detail(422, [PROXY_ERROR]), f.error_detail(404, "Run not found: wr_1")),
        ([PROXY_ERROR], "Run not found: wr_1"),
        ("Validation failed", "Run not found: wr_1"),
    ),
    "webhook_bad_signature": (lambda f, _: f.webhook_key("key"), "key", "not-key"),
    "webhook_never_sent": (lambda f, _: f.webhook_state("pending"), "pending", None),
    "wrong_content_type": (
        lambda f, _: f.content_type("application/json"),
        "application/json",
        "text/plain; charset=utf-8",
    ),
}


def test_every_fault_has_a_case() -> None:
    assert sorted(CASES) == sorted(FAULTS)


@pytest.mark.parametrize("fault", sorted(CASES))
def test_a_fault_that_is_off_changes_nothing(fault: str, store: Store) -> None:
    probe, off, _ = CASES[fault]
    assert probe(FaultSet(), store) == off


@pytest.mark.parametrize("fault", sorted(CASES))
def test_a_fault_that_is_on_does_what_it_says(fault: str, store: Store) -> None:
    probe, off, on = CASES[fault]
    assert on != off
    assert probe(FaultSet([fault]), store) == on


@pytest.mark.parametrize("fault", sorted(CASES))
def test_the_other_faults_leave_a_faults_point_alone(fault: str, store: Store) -> None:
    # Every other fault on at once: this fault's point still answers as a faithful server does, except where two
    # faults break the same point (the auth status; `run_request` on a read; `created_at` on a read).
    shared = [
        {"ignore_auth", "status_401"},
        {"run_request_as_parsed", "run_request_mangled"},
        {"created_at_moves", "naive_timestamps"},
    ]
    others = set(FAULTS) - {fault} - set().union(*(group for group in shared if fault in group))
    probe, off, _ = CASES[fault]
    assert probe(FaultSet(others), store) == off


def test_a_clean_set_is_faithful_and_says_so() -> None:
    clean = FaultSet()
    assert not clean
    assert not clean.raw_echo
    assert FaultSet(["naive_timestamps"])
    assert FaultSet(["lax_types"]).raw_echo


def test_every_fault_overrides_a_hook() -> None:
    for name in FAULTS:
        cls = Fault.registry[name]
        assert cls.description == FAULTS[name]
        assert any(getattr(cls, hook) is not getattr(Fault, hook) for hook in HOOKS), name


def test_only_the_fault_modules_name_a_fault() -> None:
    """The faults are defined in `breaks` (and `faults` shows one in its example); no other module knows one."""
    found = subprocess.run(
        ["git", "grep", "--untracked", "-l", "-w", "-E", "|".join(FAULTS), "--", "reference_server"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert "reference_server/breaks.py" in found
    assert set(found) <= {"reference_server/breaks.py", "reference_server/faults.py"}
