"""The `skyvern` pytest plugin: inert until used, scripted outcomes, and the example user project passing with it."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reference_server.pytest_plugin import STATUSES, SkyvernServer, UnknownOutcomeError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "example_user_project"
HEAVY = ("skyvern_client", "httpx2", "pydantic", "uvicorn", "starlette", "yaml", "jsonschema", "reference_server.app")


def _env() -> dict[str, str]:
    """This checkout first on the path (the venv's editable install may point at another one)."""
    paths = [str(ROOT), str(ROOT / "generated"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def _plugin_args() -> list[str]:
    """`-p` the plugin when this venv's metadata does not carry its entry point yet (an install that predates it)."""
    registered = any(ep.name == "skyvern" for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if registered else ["-p", "reference_server.pytest_plugin"]


def test_importing_the_plugin_starts_and_imports_nothing_heavy() -> None:
    code = f"import sys, reference_server.pytest_plugin; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_server_knows_one_workflow_per_status_and_more_until_it_starts(tmp_path: Path) -> None:
    server = SkyvernServer(tmp_path)
    assert [server.workflow(status) for status in STATUSES] == [f"wpid_{status}" for status in STATUSES]
    assert server.workflow() == server.workflow("completed", steps=3) == "wpid_completed"
    custom = server.workflow("failed", failure_reason="Card declined")
    assert custom.startswith("wpid_scripted_")
    assert server.workflow("failed", failure_reason="Card declined") == custom
    assert not server.started
    server.stop()  # never started: nothing to stop


@pytest.mark.slow
@pytest.mark.network
def test_a_started_server_reports_its_outcomes_and_refuses_new_ones(tmp_path: Path) -> None:
    server = SkyvernServer(tmp_path)
    try:
        client = server.client
        assert set(server.workflow_ids) >= {f"wpid_{status}" for status in STATUSES}
        run = client.run_workflow(workflow_id=server.workflow("paused"))
        for _ in range(200):
            run = client.get_run(run.run_id)
            if run.status == "paused":
                break
        assert run.status.is_unknown
        with pytest.raises(UnknownOutcomeError, match="already running"):
            server.workflow(output={"other": True})
        written = json.loads((tmp_path / "workflows.json").read_text(encoding="utf-8"))
        assert len(written["workflows"]) == len(STATUSES)
    finally:
        server.stop()
    assert not server.started


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.timeout(180)
def test_the_example_user_project_passes_with_the_plugin(tmp_path: Path) -> None:
    project = shutil.copytree(EXAMPLE, tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args()],
        cwd=project,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


@pytest.mark.slow
def test_an_unknown_fault_fails_the_test_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "test_typo.py").write_text(
        'import pytest\n\n\n@pytest.mark.skyvern_faults("no_such_fault")\ndef test_it(skyvern_server):\n    pass\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args(), "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unknown fault(s) no_such_fault" in result.stdout


def test_the_plugins_doc_shows_the_example_test_file_as_it_is() -> None:
    example = (EXAMPLE / "test_orders.py").read_text(encoding="utf-8")
    assert f"```python\n{example}```\n" in (ROOT / "docs" / "pytest-plugin.md").read_text(encoding="utf-8")
