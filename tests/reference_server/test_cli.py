"""The command line: defaults, the READY line, and clear errors instead of tracebacks."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx2
import pytest

from reference_server.cli import build_parser, main
from reference_server.faults import FAULT_SETS, FAULTS
from reference_server.process import running_server
from reference_server.workflows import DEMO_WORKFLOW_ID


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.db, args.api_key, args.workflows) == (
        "127.0.0.1",
        8787,
        Path("runs.sqlite3"),
        None,
        None,
    )
    assert args.fault == []
    assert not args.fast
    assert (args.browser_session, args.browser_profile, args.like_skyvern) == (None, None, None)
    args = build_parser().parse_args(["--browser-session", "pbs_1", "--browser-session", "pbs_2"])
    assert args.browser_session == ["pbs_1", "pbs_2"]


def test_list_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{name}: {description}" for name, description in sorted(FAULTS.items())] + [
        f"set {name} (--like-skyvern {name.removeprefix('skyvern-')}): {', '.join(sorted(members))}"
        for name, members in sorted(FAULT_SETS.items())
    ]


def test_unknown_skyvern_version_is_a_usage_error_listing_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--like-skyvern", "0.9"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no fault set for Skyvern '0.9'" in err
    assert "known versions: 1.0.56" in err


@pytest.mark.network
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--like-skyvern", "1.0.56"], sorted(FAULT_SETS["skyvern-1.0.56"])),
        (
            ["--like-skyvern", "1.0.56", "--fault", "status_paused"],
            sorted({*FAULT_SETS["skyvern-1.0.56"], "status_paused"}),
        ),
    ],
    ids=["set", "set-and-a-fault"],
)
def test_like_skyvern_switches_on_exactly_the_set(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    with running_server(db=tmp_path / "runs.sqlite3", extra_args=args) as server:
        ready = next(line for line in server.output if line.startswith("READY "))
        fields = dict(part.split("=", 1) for part in ready.split()[1:])
        assert fields["faults"].split(",") == expected
        response = httpx2.post(
            f"{server.url}/v1/run/workflows",
            json={"workflow_id": DEMO_WORKFLOW_ID, "title": "mine"},
            headers={"x-api-key": server.api_key},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["run_request"]["title"] == "Demo: read the title of a page"  # title_from_workflow
        assert not body["created_at"].endswith("Z")  # naive_timestamps


def test_unknown_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--fault", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--time-scale", "-1"], ["--queue-seconds", "nan"], ["--max-body-bytes", "0"]])
def test_out_of_range_options_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_bad_workflows_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "w.yaml").write_text("workflows: []", encoding="utf-8")
    assert main(["--workflows", str(tmp_path / "w.yaml"), "--db", str(tmp_path / "db")]) == 2
    assert "error:" in capsys.readouterr().err


def test_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--db", str(tmp_path / "db")]) == 2
    assert "cannot listen" in capsys.readouterr().err


@pytest.mark.network
def test_generated_key_and_ready_line(tmp_path: Path) -> None:
    with running_server(db=tmp_path / "runs.sqlite3", api_key=None, fast=False) as server:
        assert server.api_key.startswith("sk-local-")
        assert server.workflows == [DEMO_WORKFLOW_ID]
        assert any(line.startswith("Skyvern reference server on http://127.0.0.1:") for line in server.output)
        response = httpx2.post(
            f"{server.url}/v1/run/workflows",
            json={"workflow_id": DEMO_WORKFLOW_ID},
            headers={"x-api-key": server.api_key},
        )
        assert response.status_code == 200
        assert response.json()["status"] == "created"
    # uvicorn shuts down cleanly on SIGTERM, then re-raises the signal so the exit status tells what happened.
    assert server.process.returncode in (0, -15)
    assert not any("Traceback" in line for line in server.output)
