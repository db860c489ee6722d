"""One run of the suite from its settings: the target (`CONTRACT_BASE_URL`, else a fresh reference server), the sink,
the pytest run of `suite/` with the engine's plugins (and `config.ContextPlugin`, which hands the run's context to
pytest and to its workers), the drift of the spec against the target's own document, the verdict and the reports
(`run`); or the plan of a run, sending nothing (`plan_only`).
"""

from __future__ import annotations

import json
import os
import random
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from contract_tests.checks import drift
from contract_tests.config import ConfigurationError, Context, ContextPlugin, Profile, profile_from_env, seconds_setting
from contract_tests.engine import plan
from contract_tests.engine.plugin import ContractPlugin
from contract_tests.model import baseline
from contract_tests.model.verdict import EXIT_ERROR, EXIT_OK, Verdict
from contract_tests.report import junit
from contract_tests.spec import DEFAULT_SPEC, Spec
from contract_tests.transport.sink import Sink
from contract_tests.transport.target import DEFAULT_PARAMETERS, ReferenceServer, TargetError

__all__ = ["DEFAULT_REMOTE_MAX_RUNS", "JUNIT", "SUITE", "SUITE_INI", "run"]

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
JUNIT = junit.JUNIT
_PROFILE_TIMEOUTS = {"ci": 120, "dev": 600, "deep": 0}  # pytest-timeout seconds per test (0: none)
_REMOTE_WORKERS = 4
DEFAULT_REMOTE_MAX_RUNS = 50
"""The run cap of a target that is not on loopback (each run there may start a paid browser session)."""
_LOOPBACK = ("127.", "localhost", "[::1]")
_MAX_WORKERS = 16
SUITE = PACKAGE / "suite"
"""The suite's pytest files, their conftest and `suite.ini`."""
SUITE_INI = SUITE / "suite.ini"


def _json_object(environ: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = environ.get(name) or "{}"
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ConfigurationError(f"{name} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"{name} must be a JSON object")
    return value


def _remote(environ: Mapping[str, str]) -> tuple[str, str, str, dict[str, Any]]:
    missing = [name for name in ("CONTRACT_API_KEY", "CONTRACT_WORKFLOW_ID") if not environ.get(name)]
    if missing:
        raise ConfigurationError(f"CONTRACT_BASE_URL is set, so {' and '.join(missing)} must be set too")
    parameters = _json_object(environ, "CONTRACT_WORKFLOW_PARAMETERS")
    return environ["CONTRACT_BASE_URL"], environ["CONTRACT_API_KEY"], environ["CONTRACT_WORKFLOW_ID"], parameters


def _fields(environ: Mapping[str, str]) -> tuple[frozenset[str], dict[str, Any]]:
    spec = Spec.load()
    names = frozenset(n.strip() for n in environ.get("CONTRACT_NULL_ONLY_FIELDS", "").split(",") if n.strip())
    unknown = sorted(names - set(spec.nullable_fields("WorkflowRunRequest")))
    if unknown:
        raise ConfigurationError(f"CONTRACT_NULL_ONLY_FIELDS: not nullable request fields: {', '.join(unknown)}")
    known = _json_object(environ, "CONTRACT_KNOWN_VALUES")
    unknown = sorted(set(known) - set(spec.reference_fields("WorkflowRunRequest")))
    if unknown:
        raise ConfigurationError(
            f"CONTRACT_KNOWN_VALUES: not request fields that name a resource: {', '.join(unknown)} "
            f"(those are: {', '.join(spec.reference_fields('WorkflowRunRequest'))})"
        )
    return names, known


def _workers(environ: Mapping[str, str], remote: bool) -> int:
    raw = environ.get("CONTRACT_WORKERS")
    if not raw:
        return _REMOTE_WORKERS if remote else 1
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_WORKERS:
        raise ConfigurationError(f"CONTRACT_WORKERS={raw!r}: expected a whole number from 1 to {_MAX_WORKERS}")
    return int(raw)


def _max_runs(environ: Mapping[str, str], base_url: str) -> int | None:
    """The run cap: `CONTRACT_MAX_RUNS` (a whole number, or `none`), else none on loopback and
    `DEFAULT_REMOTE_MAX_RUNS` elsewhere."""
    raw = (environ.get("CONTRACT_MAX_RUNS") or "").strip().lower()
    if raw == "none":
        return None
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ConfigurationError(f"CONTRACT_MAX_RUNS={raw!r}: expected a whole number from 1, or none")
        return int(raw)
    host = base_url.split("://", 1)[-1]
    return None if host.startswith(_LOOPBACK) else DEFAULT_REMOTE_MAX_RUNS


def _seed(environ: Mapping[str, str], derandomize: bool, fixed: int) -> int:
    raw = environ.get("CONTRACT_SEED")
    if raw:
        if not raw.isdigit():
            raise ConfigurationError(f"CONTRACT_SEED={raw!r}: expected a whole number")
        return int(raw)
    return fixed if derandomize else random.SystemRandom().randrange(1, 2**31)


def _pytest_args(reports: Path, seed: int, profile: str, keyword: str | None, quiet: bool, workers: int) -> list[str]:
    args = [
        str(SUITE),
        f"--rootdir={ROOT}",
        "-c",
        str(SUITE_INI),
        f"--confcutdir={SUITE}",
        "-p",
        "no:cacheprovider",
        f"--junitxml={reports / JUNIT}",
        "-o",
        "junit_suite_name=contract",
        "-o",
        f"timeout={_PROFILE_TIMEOUTS.get(profile, 300)}",
        f"--hypothesis-seed={seed}",
        "--tb=short",
        "-q" if quiet else "-v",
        # pytest-xdist: `load` hands tests out one by one, so a slow test does not hold the ones queued behind it.
        *(["-n", str(workers), "--dist", "load"] if workers > 1 else ["-p", "no:xdist"]),
    ]
    return [*args, "-k", keyword] if keyword else args


def run(
    *,
    reports: Path,
    faults: Sequence[str] = (),
    keyword: str | None = None,
    quiet: bool = False,
    known: Path | None = None,
    write_baseline: Path | None = None,
    environ: Mapping[str, str] | None = None,
    plan_only: bool = False,
) -> tuple[int, Verdict | None]:
    """Run the suite once.

    Args:
        reports: the report folder.
        faults: faults to switch on in the default target.
        keyword: a pytest `-k` expression.
        quiet: less pytest output.
        known: a baseline file: the root causes it lists do not fail the run.
        write_baseline: record this run's root causes in this file.
        environ: the `CONTRACT_*` settings (default: the process environment).
        plan_only: print the plan (`contract_tests.engine.plan`) and send nothing.

    Returns:
        The exit status and the verdict (None when the run could not start).
    """
    environ = dict(os.environ if environ is None else environ)
    profile = profile_from_env(environ)
    webhook_wait = seconds_setting(environ, "CONTRACT_WEBHOOK_WAIT", 0.0)
    seed = _seed(environ, profile.derandomize, profile.seed)
    remote = bool(environ.get("CONTRACT_BASE_URL"))
    workers = _workers(environ, remote)
    null_only, known_values = _fields(environ)
    known_causes = baseline.load(known) if known is not None else None
    reports.mkdir(parents=True, exist_ok=True)
    if plan_only:
        return _plan(environ, profile, seed, keyword, null_only, known_values)
    server: ReferenceServer | None = None
    with Sink(environ.get("CONTRACT_SINK_URL", "")) as sink:
        try:
            if remote:
                if faults:
                    raise ConfigurationError("--fault applies to the default target only (unset CONTRACT_BASE_URL)")
                base_url, api_key, workflow_id, parameters = _remote(environ)
                target, hint = environ.get("CONTRACT_TARGET_NAME") or "CONTRACT_BASE_URL", ""
            else:
                server = ReferenceServer(reports.resolve(), faults).start()
                base_url, api_key, workflow_id = server.base_url, server.api_key, server.workflow_id
                parameters = dict(DEFAULT_PARAMETERS)
                port = base_url.rsplit(":", 1)[1]
                target = "reference server" + (f" with --fault {' --fault '.join(faults)}" if faults else "")
                hint = "The reference server was stopped. To replay, start it again with: " + " ".join(
                    shlex.quote(arg) if not arg.startswith("$") else f'"{arg}"' for arg in server.command(port)
                )
            context = Context(
                base_url=base_url,
                api_key=api_key,
                workflow_id=workflow_id,
                workflow_parameters=parameters,
                null_only_fields=null_only,
                known_values=known_values,
                sink_url=sink.url,
                profile=profile,
                reports=reports,
                replay_hint=hint,
                workers=workers,
                webhook_wait=webhook_wait,
                webhook_secret=environ.get("CONTRACT_WEBHOOK_SECRET", ""),
                max_runs=_max_runs(environ, base_url),
            )
            plugin = ContractPlugin(context, target=target, seed=seed, known=known_causes, selected=bool(keyword))
            served, no_drift = drift.for_target(
                DEFAULT_SPEC, base_url, api_key, environ.get("CONTRACT_SERVED_SPEC", "")
            )
            args = _pytest_args(reports, seed, profile.name, keyword, quiet, workers)
            code = pytest.main(args, plugins=[ContextPlugin(context), plugin])
            plugin.clean_up()
            verdict = plugin.verdict()
            verdict.drift, verdict.no_drift = served, no_drift
            if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
                verdict.errors.append(f"pytest ended with {pytest.ExitCode(code).name}")
            print("\n" + plugin.write(reports, verdict), flush=True)
            junit.annotate(reports / JUNIT, verdict)
            if write_baseline is not None:
                plugin.write_baseline(write_baseline, verdict)
        except TargetError as error:
            print(f"contract suite: {error}", file=sys.stderr)
            return EXIT_ERROR, None
        finally:
            if server is not None:
                server.stop()
    return verdict.exit_status, verdict


def _plan(
    environ: Mapping[str, str],
    profile: Profile,
    seed: int,
    keyword: str | None,
    null_only: frozenset[str],
    known_values: dict[str, Any],
) -> tuple[int, None]:
    """Collect the suite against the configured target (nothing is started, nothing sent) and print its plan."""
    base_url = environ.get("CONTRACT_BASE_URL") or "http://127.0.0.1:0"
    context = Context(
        base_url=base_url,
        api_key=environ.get("CONTRACT_API_KEY") or "-",
        workflow_id=environ.get("CONTRACT_WORKFLOW_ID") or "-",
        sink_url=environ.get("CONTRACT_SINK_URL") or "http://127.0.0.1:0",
        profile=profile,
        reports=Path("."),
        null_only_fields=null_only,
        known_values=known_values,
        max_runs=_max_runs(environ, base_url),
    )
    args = [*_pytest_args(Path("."), seed, profile.name, keyword, True, 1), "--collect-only", "-qq"]
    plugins = [ContextPlugin(context), plan.PlanPrinter(context)]
    code = pytest.main([a for a in args if not a.startswith("--junitxml")], plugins=plugins)
    return (EXIT_OK if code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) else EXIT_ERROR), None
