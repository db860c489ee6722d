"""README.md stays what a user needs, in at most `MAX_LINES` lines, with links that lead somewhere, and its CI job is a
real one: the GitHub Actions workflow it shows parses, runs `skyvern-contract` with the baseline, keeps the report
folder as an artifact, and its step's script (run here as Actions runs it, under `bash -e`, with a stand-in
`skyvern-contract`) maps each exit status to pass, fail or retry."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
MAX_LINES = 150
CI_SECTION = "### In CI: a GitHub Actions job"
REPORTS = "reports"
"""Where `skyvern-contract` writes its reports unless told otherwise (`--reports`)."""


def test_readme_is_at_most_150_lines() -> None:
    assert len(TEXT.splitlines()) <= MAX_LINES


def _relative_links(text: str) -> list[str]:
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", target)]


@pytest.mark.parametrize(
    "page", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
)
def test_every_relative_link_points_at_a_file(page: str) -> None:
    path = ROOT / page
    broken = [
        link
        for link in _relative_links(path.read_text(encoding="utf-8"))
        if not (path.parent / link.split("#")[0]).exists()
    ]
    assert broken == []


def test_readme_links_the_docs_pages_it_moved_things_to() -> None:
    linked = {link.split("#")[0] for link in _relative_links(TEXT)}
    pages = {"client", "contract-suite", "development", "generator", "pytest-plugin", "reference_server"}
    assert {f"docs/{page}.md" for page in pages} <= linked


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    named = set(re.findall(r"(?:`|^)make ([a-z][a-z-]*)", TEXT, re.MULTILINE))  # in code, not in prose
    assert {"check", "test", "contract", "chromium"} <= named
    assert named - targets == set()


def test_the_exit_status_table_has_the_four_statuses() -> None:
    rows = dict(re.findall(r"^\| (\d) \| (\w+):", TEXT, re.MULTILINE))
    assert rows == {"0": "pass", "1": "fail", "2": "error", "3": "incomplete"}


def _workflow() -> dict[Any, Any]:
    section = TEXT.split(CI_SECTION, 1)[1]
    found = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert found is not None, f"no ```yaml block under {CI_SECTION!r}"
    workflow = yaml.safe_load(found.group(1))
    assert isinstance(workflow, dict)
    return workflow


def _steps() -> list[dict[str, Any]]:
    (job,) = _workflow()["jobs"].values()
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _suite_step() -> dict[str, Any]:
    (step,) = [step for step in _steps() if "skyvern-contract" in step.get("run", "")]
    return step


def test_the_workflow_is_triggered_and_installs_the_suite() -> None:
    workflow = _workflow()
    triggers = workflow["on"] if "on" in workflow else workflow[True]  # YAML 1.1 reads the key `on` as True
    assert {"schedule", "workflow_dispatch"} <= set(triggers)
    runs = [step.get("run", "") for step in _steps()]
    assert any(re.search(r"pip install .*\[contract\]", run) for run in runs)
    assert any(step.get("uses", "").startswith("actions/checkout@") for step in _steps())


def test_the_suite_runs_against_a_target_with_the_baseline() -> None:
    step = _suite_step()
    assert re.search(r"skyvern-contract\b.*--baseline contract-baseline\.json", step["run"])
    env = step["env"]
    assert env["CONTRACT_BASE_URL"].startswith("https://")
    assert env["CONTRACT_API_KEY"].startswith("${{ secrets.")  # a secret, never written into the file
    assert env["CONTRACT_WORKFLOW_ID"]


def test_the_report_folder_is_kept_as_an_artifact_whatever_the_verdict() -> None:
    (upload,) = [step for step in _steps() if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == REPORTS
    steps = _steps()
    assert steps.index(upload) > steps.index(_suite_step())


def _run_suite_step(tmp_path: Path, statuses: list[int]) -> tuple[int, list[str], str]:
    """Run the suite step's script as Actions does (`bash -e`), with a `skyvern-contract` that exits with `statuses`
    in turn and a `sleep` that does not sleep; returns its exit status, the arguments of each call, and its output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    queue = tmp_path / "statuses"
    queue.write_text("".join(f"{status}\n" for status in statuses), encoding="utf-8")
    fake = bin_dir / "skyvern-contract"
    fake.write_text(
        f'#!/bin/bash\necho "$*" >> {calls}\nstatus=$(head -n 1 {queue})\nsed -i 1d {queue}\nexit "$status"\n',
        encoding="utf-8",
    )
    (bin_dir / "sleep").write_text("#!/bin/bash\nexit 0\n", encoding="utf-8")
    for script in bin_dir.iterdir():
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", _suite_step()["run"]],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    made = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return done.returncode, made, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    ("statuses", "job_passes", "calls"),
    [
        ([0], True, 1),  # pass
        ([1], False, 1),  # fail: violations are not retried
        ([2, 0], True, 2),  # error: retried, then a pass
        ([3, 1], False, 2),  # incomplete: retried, then a fail
        ([2, 3, 2], False, 3),  # never judged in three attempts: the job fails
    ],
    ids=["0-pass", "1-fail", "2-retry-pass", "3-retry-fail", "retries-exhausted"],
)
def test_each_exit_status_maps_to_pass_fail_or_retry(
    tmp_path: Path, statuses: list[int], job_passes: bool, calls: int
) -> None:
    status, made, output = _run_suite_step(tmp_path, statuses)
    assert (status == 0) is job_passes, output
    assert len(made) == calls, output
    assert all("--baseline contract-baseline.json" in call for call in made)
