"""The pytest machinery (`engine/`) and one run (`session`): each test's declared area and cost, the run cap, the runs
left going canceled."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest

from contract_tests import session
from contract_tests.config import ConfigurationError
from contract_tests.engine import cleanup, plan
from contract_tests.model.areas import Area
from contract_tests.record.repro import Exchange
from contract_tests.spec import Spec

ROOT = Path(__file__).resolve().parents[2]


SPEC = Spec.load()


def _exchange(method: str, url: str, status: int, body: Any, started: float, sent: bytes | None = None) -> Exchange:
    return Exchange(method, url, {"x-api-key": "secret"}, sent, status, json.dumps(body).encode(), started)


def test_every_contract_test_declares_its_area() -> None:
    """Each test module of the suite marks its area (`pytestmark = pytest.mark.area(Area.X)`), but the Schemathesis
    one, whose two tests each mark their own; together they cover every area. Read from the source: the modules
    import only inside a run."""
    declared: dict[str, list[Area]] = {}
    for path in sorted((ROOT / "contract_tests" / "suite").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "pytest.mark.area"
                and isinstance(node.args[0], ast.Attribute)
            ):
                declared.setdefault(path.stem, []).append(Area[node.args[0].attr])
    assert {name: len(areas) for name, areas in declared.items() if len(areas) != 1} == {"test_schemathesis": 2}
    assert sorted(area for areas in declared.values() for area in areas) == sorted(Area)


def test_the_run_cap_defaults_to_none_on_loopback_and_a_conservative_cap_elsewhere() -> None:
    assert session._max_runs({}, "http://127.0.0.1:8787") is None
    assert session._max_runs({}, "https://staging.example.com") == session.DEFAULT_REMOTE_MAX_RUNS
    assert session._max_runs({"CONTRACT_MAX_RUNS": "20"}, "http://127.0.0.1:8787") == 20
    assert session._max_runs({"CONTRACT_MAX_RUNS": "none"}, "https://staging.example.com") is None
    with pytest.raises(ConfigurationError, match="CONTRACT_MAX_RUNS"):
        session._max_runs({"CONTRACT_MAX_RUNS": "0"}, "http://127.0.0.1:8787")


def test_a_capped_share_is_spent_by_started_runs_only() -> None:
    allowed = plan.allowances({"a": plan.Cost(1, 1, 5), "b": plan.Cost(1, 0, 9), "c": plan.Cost(1, 2, 1)}, 3)
    assert allowed == {"a": 2, "b": None, "c": 1}  # equal shares, none above its need; b starts none
    assert sum(v or 0 for v in plan.allowances({str(i): plan.Cost(1, 1, 7) for i in range(10)}, 20).values()) == 20


def test_leftover_runs_are_canceled_and_counted() -> None:
    statuses = {"wr_1": "running", "wr_2": "completed", "wr_3": "queued"}
    canceled: list[str] = []

    def target(request: httpx2.Request) -> httpx2.Response:
        run_id = request.url.path.split("/")[3]
        if request.method == "POST":
            canceled.append(run_id)
            return httpx2.Response(200, json=None)
        return httpx2.Response(200, json={"run_id": run_id, "status": statuses[run_id]})

    transport = httpx2.MockTransport(target)
    original = httpx2.Client.__init__

    def with_mock(self: httpx2.Client, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "transport": transport})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx2.Client, "__init__", with_mock)
        leftovers = cleanup.cancel_leftovers(
            "http://target",
            headers={"x-api-key": "k"},
            paths={"get_run": "/v1/runs/{run_id}", "cancel_run": "/v1/runs/{run_id}/cancel"},
            run_ids=list(statuses),
            terminal={"completed", "canceled"},
            timeout=1.0,
        )
    assert (leftovers.started, leftovers.canceled, sorted(canceled)) == (3, 2, ["wr_1", "wr_3"])


def test_every_contract_test_declares_its_cost() -> None:
    """`--plan` (which sends nothing) counts every test: each carries the `cost` marker the run cap is shared by."""
    shown = subprocess.run(
        [sys.executable, "-m", "contract_tests", "--plan"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "| total |" in shown
    assert "without a cost marker" not in shown, shown
