"""The package as users install it: extras pinned as the dev groups are, and (`make test-install`) the wheel in a
fresh venv serving, judging and running the example user project with the plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx2
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCES = ("pyproject.toml", "README.md", "spec", "generated", "reference_server", "contract_tests", "codegen")
"""What building the wheel reads (copied, so that the build writes nothing into this checkout)."""


def test_the_extras_pin_what_the_dependency_groups_pin() -> None:
    groups = PYPROJECT["dependency-groups"]
    extras = PYPROJECT["project"]["optional-dependencies"]
    own = f"{PYPROJECT['project']['name']}[server]"
    assert extras["server"] == groups["server"]
    assert set(extras["contract"]) - {own} <= set(groups["test"])
    assert own in extras["contract"]  # the suite's default target is a reference server


def test_the_console_scripts_and_the_plugin_point_at_real_functions() -> None:
    project = PYPROJECT["project"]
    assert project["scripts"] == {
        "skyvern-reference-server": "reference_server.cli:main",
        "skyvern-contract": "contract_tests.cli:main",
    }
    assert project["entry-points"]["pytest11"] == {"skyvern": "reference_server.pytest_plugin"}


def _run(
    argv: list[str | Path], *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, check=False, env=env, cwd=cwd, timeout=timeout
    )


def _started(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("READY "):
            return process, dict(part.split("=", 1) for part in line.split()[1:])
    process.wait()
    raise AssertionError("no READY line:\n" + "".join(seen))


@pytest.mark.install
@pytest.mark.network
@pytest.mark.timeout(900)
def test_the_wheel_serves_judges_and_runs_the_example_project_in_a_fresh_venv(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    start = time.monotonic()
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source])
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("skyvern_run_contract-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist() if "/" in name and ".dist-info" not in name}
    assert tops == {"codegen", "contract_tests", "reference_server", "skyvern_client"}  # no campaigns, bench, tests
    timings["build"] = time.monotonic() - start

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", venv])
    assert made.returncode == 0, made.stderr
    bin_dir = venv / "bin"
    pip: list[str | Path] = [bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    installed = _run([*pip, f"{wheel}[server,contract]"])
    assert installed.returncode == 0, installed.stderr
    timings["venv+install"] = time.monotonic() - start - timings["build"]

    # Nothing of this checkout on the path: the venv's own packages only.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "CONTRACT_", "VIRTUAL_ENV"))}
    where = _run(
        [bin_dir / "python", "-c", "import contract_tests, reference_server, skyvern_client as c; print(c.__file__)"],
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    helped = _run([bin_dir / "skyvern-contract", "--help"], env=env, cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert all(word in helped.stdout for word in ("CONTRACT_BASE_URL", "CONTRACT_API_KEY", "exit status", "incomplete"))

    server, ready = _started(
        [
            str(bin_dir / "skyvern-reference-server"),
            "--port",
            "0",
            "--api-key",
            "k-install",
            "--db",
            str(tmp_path / "r.sqlite3"),
            "--fast",
        ],
        env,
        tmp_path,
    )
    try:
        answer = httpx2.post(
            f"{ready['url']}/v1/run/workflows",
            headers={"x-api-key": "k-install"},
            json={"workflow_id": ready["workflows"]},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "created"
        judged = _run(
            [
                bin_dir / "skyvern-contract",
                "--base-url",
                ready["url"],
                "--workflow-id",
                ready["workflows"],
                "--workers",
                "1",
                "-q",
                "--reports",
                tmp_path / "reports",
            ],
            env={**env, "CONTRACT_API_KEY": "k-install"},
            cwd=tmp_path,
            timeout=600,
        )
        assert judged.returncode == 0, judged.stdout[-3000:] + judged.stderr[-3000:]
        summary = (tmp_path / "reports" / "contract-summary.md").read_text(encoding="utf-8")
        assert "## the target's own OpenAPI document (drift)" in summary  # the server serves its document
        drifted = _run([bin_dir / "skyvern-contract", "drift", "--base-url", ready["url"]], env=env, cwd=tmp_path)
        assert drifted.returncode == 0, drifted.stderr
        assert "0 breaks our client, 0 stricter, 0 looser" in drifted.stdout
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()
    timings["serve+judge"] = time.monotonic() - start - sum(timings.values())

    spec = ROOT / "spec" / "openapi.yaml"
    compared = _run([bin_dir / "python", "-m", "codegen", "diff", spec, spec], env=env, cwd=tmp_path)
    assert compared.returncode == 0, compared.stdout + compared.stderr  # the spec diff needs no generator install

    project = shutil.copytree(
        ROOT / "tests" / "example_user_project", tmp_path / "project", ignore=shutil.ignore_patterns("__pycache__")
    )
    tested = _run(
        [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], env=env, cwd=project, timeout=300
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "6 passed" in tested.stdout
    timings["example project"] = time.monotonic() - start - sum(timings.values())
    print("timings:", ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
