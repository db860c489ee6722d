"""Offline tests of the `campaigns.skyvern` package (`make contract-skyvern`): the API key, the network-namespace guard, the
st report parser and the doc renderer. No server: the real one runs only under `make contract-skyvern`."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import importlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from campaigns.skyvern import cli, coverage, keys, network, paths, plain_st, server
from campaigns.skyvern.doc import RunInfo, render_doc
from campaigns.skyvern.plain_st import StFinding, StRun

KEY = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWtleQ.c2lnbmF0dXJl"
SECRET = "s3cret-" * 6
BASE = "http://127.0.0.1:40123"
CAUSE = "server errors|no_server_error|run_workflow|500"


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_api_key_is_an_hs256_jwt_signed_with_the_secret() -> None:
    token = keys.make_api_key(SECRET, "o_123456", expires=4102444800)
    header, payload, signature = token.split(".")
    assert json.loads(_unb64(header)) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(_unb64(payload)) == {"sub": "o_123456", "exp": 4102444800}
    expected = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_unb64(signature), expected)
    assert "=" not in token


def test_server_key_is_fresh_and_its_organization_numeric(tmp_path: Path) -> None:
    first = server.SkyvernServer(tmp_path / "venv", tmp_path / "run")
    second = server.SkyvernServer(tmp_path / "venv", tmp_path / "run")
    assert first.api_key != second.api_key
    subject = json.loads(_unb64(first.api_key.split(".")[1]))["sub"]
    assert subject.startswith("o_")
    assert subject[2:].isdigit()
    environment = first.environment()
    assert environment["SKYVERN_API_KEY"] == first.api_key
    assert environment["DATABASE_STRING"].startswith("sqlite+aiosqlite:///")
    assert "http_proxy" not in {name.lower() for name in environment}


@pytest.mark.parametrize(
    ("environ", "interfaces", "expected"),
    [
        ({}, ["lo"], False),
        ({network.NAMESPACE_MARKER: "1"}, ["eth0", "lo"], False),
        ({network.NAMESPACE_MARKER: "0"}, ["lo"], False),
        ({network.NAMESPACE_MARKER: "1"}, ["lo"], True),
    ],
)
def test_private_namespace_needs_the_marker_and_only_loopback(
    environ: dict[str, str], interfaces: list[str], expected: bool
) -> None:
    assert network.in_private_namespace(environ, interfaces) is expected


def test_refuses_when_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    reason = network.namespace_refusal()
    assert reason is not None
    assert "not root" in reason


def test_refuses_when_unshare_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "unshare" else f"/usr/bin/{name}")
    reason = network.namespace_refusal()
    assert reason is not None
    assert "unshare not found" in reason


def test_refuses_when_unshare_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert argv[:2] == ["unshare", "-n"]
        return subprocess.CompletedProcess(argv, 1, "", "unshare: unshare failed: Operation not permitted\n")

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(subprocess, "run", failing)
    reason = network.namespace_refusal()
    assert reason is not None
    assert "Operation not permitted" in reason


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("must not be reached")


def test_main_refuses_in_one_line_and_fuzzes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(network.NAMESPACE_MARKER, raising=False)
    monkeypatch.setattr(network, "namespace_refusal", lambda: "not root, so `unshare -n` is not available")
    monkeypatch.setattr(os, "execvpe", _never)
    monkeypatch.setattr(cli, "run_in_namespace", _never)
    assert cli.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "not root" in err
    assert "Nothing was fuzzed" in err


def test_main_reexecutes_itself_under_unshare(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def execvpe(file: str, argv: list[str], env: dict[str, str]) -> None:
        calls.append((file, argv, env))

    monkeypatch.delenv(network.NAMESPACE_MARKER, raising=False)
    monkeypatch.setattr(network, "namespace_refusal", lambda: None)
    monkeypatch.setattr(os, "execvpe", execvpe)
    cli.main(["--no-st"])
    [(file, argv, env)] = calls
    assert file == "unshare"
    assert argv[:4] == ["unshare", "-n", "--", "sh"]
    assert "ip link set lo up" in argv[5]
    assert argv[-3:] == ["-m", "campaigns.skyvern", "--no-st"]
    assert env[network.NAMESPACE_MARKER] == "1"


def test_main_refuses_a_marker_with_the_network_open(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(network.NAMESPACE_MARKER, "1")
    monkeypatch.setattr(network, "network_interfaces", lambda: ["eth0", "lo"])
    monkeypatch.setattr(cli, "run_in_namespace", _never)
    assert cli.main([]) == 2
    assert "eth0" in capsys.readouterr().err


def test_operations_of_a_reproduction_take_curls_target_not_urls_in_the_body() -> None:
    script = (
        'RESPONSE_1=$(curl -sS -X POST -H "x-api-key: $CONTRACT_API_KEY" --data-binary '
        '\'{"webhook_url": "http://127.0.0.1:9/sink"}\' http://127.0.0.1:1/v1/run/workflows)\n'
        'curl -sS -i -X GET -H "x-api-key: $CONTRACT_API_KEY" "http://127.0.0.1:1/v1/runs/$RUN_1"\n'
        'curl -sS -i -X POST "http://127.0.0.1:1/v1/runs/$RUN_1/cancel"'
    )
    assert coverage.operations_of(script) == [
        "POST /v1/run/workflows",
        "GET /v1/runs/{run_id}",
        "POST /v1/runs/{run_id}/cancel",
    ]


ST_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="schemathesis">
<testcase name="POST /v1/run/workflows"><failure type="failure" message="ST202">1. Test Case ID: abc123

- ST202 Schema-valid request rejected

    Valid data should have been accepted
    Expected: 2xx, 3xx, 401, 403, 404, 409, 429, 5xx

[400] Bad Request:

    `{"detail":"Invalid template workflow permanent id: wpid_123."}`

Reproduce with:

    curl -X POST -H 'x-api-key: [Filtered]' -d '{"workflow_id": "wpid_123"}' 'http://127.0.0.1:40123/v1/run/workflows?template=true'

    st replay abc123

2. Test Case ID: def456

- Server error

- Undocumented HTTP status code

    Received: 500
    Documented: 200, 400, 403, 404, 422

[500] Internal Server Error:

    `{"error":"Unexpected error: TypeError"}`

Reproduce with:

    curl -X POST -H 'x-api-key: [Filtered]' -d '{"run_with": {}}' 'http://127.0.0.1:40123/v1/run/workflows?template=true'
</failure></testcase>
<testcase name="GET /v1/runs/{run_id}" />
</testsuite></testsuites>
"""
ST_KINDS = {
    "ST202": "RejectedPositiveData",
    "Server error": "ServerError",
    "Undocumented HTTP status code": "UndefinedStatusCode",
}


def test_st_junit_gives_one_finding_per_failed_check() -> None:
    found = plain_st.parse_st_junit(ST_JUNIT, ST_KINDS, KEY)
    assert [(f.operation, f.code, f.title, f.kind, f.status) for f in found] == [
        ("POST /v1/run/workflows", "ST202", "Schema-valid request rejected", "RejectedPositiveData", "400"),
        ("POST /v1/run/workflows", "", "Server error", "ServerError", "500"),
        ("POST /v1/run/workflows", "", "Undocumented HTTP status code", "UndefinedStatusCode", "500"),
    ]
    assert "Invalid template workflow permanent id" in found[0].message
    assert found[2].message.startswith("Received: 500")
    assert found[0].reproduction.startswith('curl -X POST -H "x-api-key: $CONTRACT_API_KEY"')
    assert "[Filtered]" not in found[1].reproduction


def _summary() -> dict[str, Any]:
    return {
        "verdict": "fail",
        "exit_status": 1,
        "target": "CONTRACT_BASE_URL",
        "base_url": BASE,
        "profile": "ci",
        "seed": 1,
        "requests": 12,
        "seconds": 3.5,
        "workers": 2,
        "areas": {
            "server errors": {"state": "judged", "tests": 2, "executed": 2, "root_causes": 1},
            "lifecycle": {"state": "not run", "tests": 1, "executed": 0, "root_causes": 0},
        },
        "root_causes": [
            {
                "key": CAUSE,
                "area": "server errors",
                "check": "no_server_error",
                "location": "run_with",
                "kind": "500",
                "detail": "run_workflow answered 500",
                "count": 3,
                "operations": ["run_workflow"],
                "tests": ["contract_tests/suite/test_server_errors.py::test_x"],
                "reproduction": f"curl -sS -i -X POST -H 'x-api-key: {KEY}' {BASE}/v1/run/workflows",
                "observed": f"POST {BASE}/v1/run/workflows -> 500 {{'key': '{KEY}'}}",
                "baseline": "new",
            }
        ],
        "not_verifiable": [
            {"field": "webhook_url", "detail": "no delivery seen", "setting": "sink", "count": 2, "tests": ["t1"]}
        ],
        "gone": [{"key": "auth/old", "tests_ran": True, "why": "not seen though its tests ran (t)"}],
        "not_run": [{"test": "t2", "area": "lifecycle", "reason": "time budget spent"}],
        "errors": [],
    }


def _info() -> RunInfo:
    return RunInfo(
        command="make contract-skyvern",
        date="2026-12-01 10:00 UTC",
        skyvern_package="1.0.56",
        server_version='{"version": "1.0.56"}',
        versions={"schemathesis": "4.32.5", "hypothesis": "6.170.17", "python": "3.11.7"},
        server_start_seconds=17.0,
        suite_seconds=42.0,
        suite_exit_status=1,
        suite_command="python -m contract_tests --reports build/skyvern-run/reports -q",
    )


def _st_run() -> StRun:
    return StRun(
        command=f".venv/bin/st run spec/openapi.yaml --url {BASE} --checks all -H 'x-api-key: {KEY}'",
        exit_status=1,
        seconds=50.0,
        findings=[
            StFinding("POST /v1/run/workflows", "", "Server error", f"got {KEY}", "curl ...", "ServerError", "500"),
            StFinding(
                "GET /v1/runs/{run_id}", "ST202", "Schema-valid request rejected", "m", "", "RejectedPositiveData"
            ),
        ],
        report={"test_cases": {"generated": 100}, "warnings": {"missing_test_data": ["GET /v1/runs/{run_id}"]}},
    )


def test_doc_has_everything_and_never_the_key() -> None:
    doc = render_doc(_summary(), _st_run(), _info(), [KEY, SECRET])
    assert KEY not in doc
    assert "$CONTRACT_API_KEY" in doc
    assert doc.splitlines()[0].startswith("<!-- Generated by `make contract-skyvern`")
    for expected in (
        "1.0.56",
        "4.32.5",
        "6.170.17",
        "3.11.7",
        "2026-12-01 10:00 UTC",
        "42.0 s",
        "**fail**, exit status 1",
        "| server errors | judged | 2 | 2 | 1 |",
        "| lifecycle | not run | 1 | 0 | 0 |",
        f"`{CAUSE}`",
        "count 3",
        "`webhook_url`",
        "time budget spent",
        "auth/old",
        "## Plain Schemathesis, side by side",
    ):
        assert expected in doc, expected


def test_st_findings_show_which_root_cause_covers_them() -> None:
    doc = render_doc(_summary(), _st_run(), _info(), [KEY])
    rows = [line for line in doc.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert len(rows) == 2
    assert rows[0].endswith("| `server errors\\|no_server_error\\|run_workflow\\|500` |")  # a table cell: | escaped
    assert rows[1].endswith("| — |")


def test_cover_needs_the_same_operation_check_and_status() -> None:
    causes = _summary()["root_causes"]
    cause = CAUSE
    server_error = StFinding("POST /v1/run/workflows", "", "Server error", "", "", "ServerError", "500")
    assert coverage.cover(server_error, causes) == (cause, "")
    undocumented_400 = StFinding("POST /v1/run/workflows", "", "Undocumented", "", "", "UndefinedStatusCode", "400")
    assert coverage.cover(undocumented_400, causes) == ("—", cause)
    elsewhere = StFinding("GET /v1/runs/{run_id}", "", "Server error", "", "", "ServerError", "500")
    assert coverage.cover(elsewhere, causes) == ("—", "")
    stateful = StFinding(
        "Stateful tests", "", "Server error", "", f"curl -X POST '{BASE}/v1/run/workflows'", "ServerError", "500"
    )
    assert coverage.covering_root_cause(stateful, causes) == cause


def test_operation_labels_come_from_the_spec() -> None:
    assert coverage.operation_label("cancel_run") == "POST /v1/runs/{run_id}/cancel"
    assert coverage.operation_label("GET /x") == "GET /x"


def test_doc_says_when_st_did_not_run() -> None:
    doc = render_doc(_summary(), StRun("", -1, 0.0, error="skipped (--no-st)"), _info(), [KEY])
    assert doc.rstrip().endswith("Not run: skipped (--no-st).")


def test_st_findings_that_are_no_violation_say_why() -> None:
    made_up = plain_st.StFinding(
        "POST /v1/run/workflows",
        "ST202",
        "Schema-valid request rejected",
        "Invalid template",
        "curl ...",
        "RejectedPositiveData",
        "400",
    )
    assert "documented 400" in coverage.not_a_violation(made_up)
    null_header = plain_st.StFinding(
        "POST /v1/run/workflows",
        "ST202",
        "Schema-valid request rejected",
        "[422] int_parsing at header x-max-steps-override",
        "curl -X POST -H 'x-max-steps-override: null' http://h/v1/run/workflows",
        "RejectedPositiveData",
        "422",
    )
    assert "nullable header x-max-steps-override" in coverage.not_a_violation(null_header)
    crash = plain_st.StFinding("POST /v1/run/workflows", "ST101", "Server error", "", "", "ServerError", "500")
    assert coverage.not_a_violation(crash) == ""


PARSERS = ["campaigns.skyvern.cli", "campaigns.fidelity.cli", "campaigns.vendored.cli"]


@pytest.mark.parametrize("module", PARSERS)
@pytest.mark.parametrize(
    ("argv", "version", "venv"),
    [
        ([], "1.0.56", paths.ROOT / "build" / "skyvern-server" / "1.0.56"),
        (["--version", "1.0.40"], "1.0.40", paths.ROOT / "build" / "skyvern-server" / "1.0.40"),
        (["--version", "1.0.40", "--venv", "/opt/sky"], "1.0.40", Path("/opt/sky")),
    ],
)
def test_each_command_picks_the_server_version_and_its_venv(
    module: str, argv: list[str], version: str, venv: Path
) -> None:
    args = importlib.import_module(module)._parser().parse_args(argv)
    assert (args.version, paths.chosen_venv(args)) == (version, venv)


@pytest.mark.parametrize("module", PARSERS)
@pytest.mark.parametrize("bad", ["", "../1.0.56", "1.0.56/x", "latest"])
def test_a_version_that_is_no_version_is_refused(module: str, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        importlib.import_module(module)._parser().parse_args(["--version", bad])
    assert "not a skyvern version" in capsys.readouterr().err


def test_main_passes_the_version_into_the_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.delenv(network.NAMESPACE_MARKER, raising=False)
    monkeypatch.setattr(network, "namespace_refusal", lambda: None)
    monkeypatch.setattr(os, "execvpe", lambda file, argv, env: calls.append(argv))
    cli.main(["--version", "1.0.40", "--no-st"])
    assert calls[0][-5:] == ["-m", "campaigns.skyvern", "--version", "1.0.40", "--no-st"]


def _fake_venv(root: Path, version: str) -> Path:
    """A venv that holds only an interpreter stand-in and skyvern's metadata."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "python").write_text("", encoding="utf-8")
    dist = root / "lib" / "python3.11" / "site-packages" / f"skyvern-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: skyvern\nVersion: {version}\n", encoding="utf-8")
    return root


def test_start_refuses_a_venv_of_another_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _never)
    venv = _fake_venv(tmp_path / "venv", "1.0.40")
    assert server.SkyvernServer(venv, tmp_path / "run").package_version == "1.0.40"
    with pytest.raises(server.ServerError, match=r"holds skyvern 1\.0\.40, not 1\.0\.56"):
        server.SkyvernServer(venv, tmp_path / "run", version="1.0.56").start()


def test_server_runs_as_shipped_unless_told_to_allow_loopback_hosts(tmp_path: Path) -> None:
    # 1.0.40 refuses a loopback webhook_url (400 "The host in your url is blocked") unless ALLOWED_HOSTS names it: the
    # suite runs it as shipped, the vendored client's run allows its webhook receiver.
    assert "ALLOWED_HOSTS" not in server.SkyvernServer(tmp_path / "venv", tmp_path / "run").environment()
    told = server.SkyvernServer(tmp_path / "venv", tmp_path / "run", allowed_hosts=server.LOOPBACK_HOSTS)
    assert {"127.0.0.1", "localhost"} <= set(json.loads(told.environment()["ALLOWED_HOSTS"]))


def test_doc_names_the_version_it_ran_against() -> None:
    info = dataclasses.replace(
        _info(),
        command="make contract-skyvern SKYVERN_VERSION=1.0.40",
        skyvern_package="1.0.40",
        server_version='{"version": "1.0.40"}',
    )
    doc = render_doc(_summary(), _st_run(), info, [KEY])
    assert "# The contract suite against the real Skyvern server 1.0.40" in doc
    assert "`make contract-skyvern SKYVERN_VERSION=1.0.40`" in doc
    assert "contract_tests/baselines/skyvern-1.0.40.json" in doc
    assert "1.0.56" not in doc.split("| tools |")[0]
