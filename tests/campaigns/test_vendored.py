"""`make client-skyvern`'s judge (`campaigns.vendored.cli`): strict calls held to what each server deserves,
the user code run isolated, the doc. The run itself needs the real server: `make client-skyvern`."""

from __future__ import annotations

import sys
from pathlib import Path

from campaigns.vendored.cli import (
    REAL_SERVER_DEVIATIONS,
    Check,
    TargetRun,
    judge_strict,
    render_doc,
    run_user_code,
    vendor,
)


def test_strict_calls_must_raise_naming_the_real_servers_deviations() -> None:
    checks = [
        Check("strict get_run", True, "raised", ("created_at", "modified_at", "queued_at")),
        Check("async strict get_run", True, "raised", ("created_at",)),
        Check("strict run_workflow", True, "accepted", ()),
        Check("sync get_run", True, "queued"),
    ]
    judged = judge_strict(checks, REAL_SERVER_DEVIATIONS)
    assert [check.ok for check in judged] == [True, False, False, True]
    assert "expected it to raise naming created_at, modified_at" in judged[1].detail


def test_strict_calls_must_be_accepted_where_the_server_matches_the_spec() -> None:
    judged = judge_strict([Check("strict get_run", True, "accepted", ()), Check("strict run_workflow", True, "raised", ("x",))], frozenset())  # fmt: skip
    assert [check.ok for check in judged] == [True, False]


def test_a_check_that_failed_stays_failed() -> None:
    assert not judge_strict([Check("strict get_run", False, "TypeError: boom", ())], frozenset())[0].ok


def test_the_user_code_runs_beside_its_copy_of_the_package_only(tmp_path: Path) -> None:
    code = vendor(tmp_path / "user")
    assert (tmp_path / "user" / "skyvern_client" / "__init__.py").exists()
    probe = code.with_name("probe.py")
    probe.write_text(
        "import importlib.util, json, sys\n"
        "for name in ('skyvern_client',):\n"
        "    print(json.dumps({'check': name, 'ok': importlib.util.find_spec(name) is not None, 'detail': sys.argv[2]}))\n",
        encoding="utf-8",
    )
    checks, error = run_user_code(Path(sys.executable), probe, "http://127.0.0.1:9", "the-key", "wpid_1")
    assert error == ""
    assert [(check.name, check.ok) for check in checks] == [("skyvern_client", True)]
    assert all("the-key" not in check.detail for check in checks)  # the key never reaches the doc


def test_the_doc_shows_each_target_and_its_verdict(tmp_path: Path) -> None:
    runs = [
        TargetRun("real Skyvern server", "1.0.56", [Check("sync get_run", True, "queued | x")], seconds=3),
        TargetRun("reference server", "this repository", [Check("strict get_run", False, "accepted")], seconds=1),
    ]
    doc = render_doc(runs, Path(sys.executable), "2026-12-01 12:00 UTC")
    assert "## real Skyvern server (1.0.56): every check held" in doc
    assert "## reference server (this repository): **failed**" in doc
    assert "| sync get_run | ✓ | queued / x |" in doc
