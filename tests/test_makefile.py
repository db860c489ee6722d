"""The Makefile's real-server targets, read with `make -n -B` (what would run, nothing run): `SKYVERN_VERSION` picks
the real server's version, its venv under `build/skyvern-server/<version>` and its baseline; the bench's own pin is
`BENCH_SKYVERN_VERSION`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_BASELINE = "9.9.9"
"""A version with no baseline file."""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*arguments: str) -> str:
    """What `make` would run (`-n`), every target taken as out of date (`-B`), without the caller's environment's
    `CONTRACT_BASELINE`."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "-C", str(ROOT), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return done.stdout


def _server_args(version: str) -> str:
    return f"--version {version} --venv build/skyvern-server/{version}"


def test_the_default_version_is_1_0_56_with_its_venv_and_its_baseline() -> None:
    shown = _dry_run("contract-skyvern")
    assert "build/skyvern-server/1.0.56/bin/pip install" in shown
    assert '"skyvern[local]==1.0.56" "uvicorn[standard]==0.44.0"' in shown
    assert "touch build/skyvern-server/1.0.56/.installed-1.0.56" in shown
    baseline = "contract_tests/baselines/skyvern-1.0.56.json"
    assert (ROOT / baseline).exists()
    assert f"-m campaigns.skyvern {_server_args('1.0.56')} --baseline {baseline};" in shown
    assert f"-m campaigns.vendored {_server_args('1.0.56')} ||" in shown


def test_skyvern_version_picks_the_venv_and_runs_plainly_without_a_baseline() -> None:
    shown = _dry_run("contract-skyvern", f"SKYVERN_VERSION={NO_BASELINE}")
    assert f"rm -rf build/skyvern-server/{NO_BASELINE} && python3 -m venv build/skyvern-server/{NO_BASELINE}" in shown
    assert f'"skyvern[local]=={NO_BASELINE}"' in shown
    assert f"touch build/skyvern-server/{NO_BASELINE}/.installed-{NO_BASELINE}" in shown
    assert "--baseline" not in shown
    assert f"-m campaigns.skyvern {_server_args(NO_BASELINE)} ;" in shown
    assert "1.0.56" not in shown


@pytest.mark.parametrize(
    ("setting", "expected"), [("CONTRACT_BASELINE=known.json", "--baseline known.json;"), ("CONTRACT_BASELINE=", ";")]
)
def test_contract_baseline_overrides_the_versions_baseline(setting: str, expected: str) -> None:
    shown = _dry_run("contract-skyvern", setting)
    assert f"-m campaigns.skyvern {_server_args('1.0.56')} {expected}" in shown


@pytest.mark.parametrize(
    ("target", "command"),
    [
        ("fidelity", f"-m campaigns.fidelity {_server_args('1.0.40')}"),
        ("client-skyvern", f"-m campaigns.vendored {_server_args('1.0.40')}"),
        (
            "contract-skyvern-baseline",
            f"-m campaigns.skyvern {_server_args('1.0.40')} \\\n\t--write-baseline "
            "contract_tests/baselines/skyvern-1.0.40.json",
        ),
    ],
)
def test_every_real_server_target_takes_the_version(target: str, command: str) -> None:
    shown = _dry_run(target, "SKYVERN_VERSION=1.0.40")
    assert command in shown
    assert "touch build/skyvern-server/1.0.40/.installed-1.0.40" in shown


def test_the_bench_keeps_its_own_skyvern_pin() -> None:
    shown = _dry_run("bench-tools", f"SKYVERN_VERSION={NO_BASELINE}")
    assert "build/bench/venv-skyvern/bin/pip install --quiet --disable-pip-version-check skyvern==1.0.56" in shown
    assert "touch build/bench/venv-skyvern/.installed-1.0.56" in shown
    assert NO_BASELINE not in shown


def test_a_version_that_is_no_version_removes_and_installs_nothing() -> None:
    # PYTHON=false: should the guard ever let it through, `python -m venv` fails at once (and `rm -rf` names a
    # folder that does not exist).
    version = "no/such/version"
    stamp = f"build/skyvern-server/{version}/.installed-{version}"
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), stamp, f"SKYVERN_VERSION={version}", "PYTHON=false"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert f"not a skyvern version: '{version}'" in done.stdout
    assert "rm -rf" not in done.stdout


def test_make_alone_lists_every_described_target() -> None:
    shown = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT)], capture_output=True, text=True, check=True
    ).stdout
    described = re.findall(r"^([a-z][a-z-]*):.*## ", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(described) > 20
    assert [line.split()[0] for line in shown.splitlines()] == described
    assert "$(" not in shown  # each description says it in words, not in make variables
