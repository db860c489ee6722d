"""The report: goals judged on per-round ratios, every section rendered, the notes quoting this run's numbers."""

from __future__ import annotations

from pathlib import Path

from bench.client import ClientResult, ImportResult
from bench.contract import ContractResult
from bench.generation import DMCG_CLIENT, DMCG_MODELS, OPC, OURS, GenerationResult, SpecCase, tools_for
from bench.github_import import GITHUB_OPC, GITHUB_OURS
from bench.notes import notes
from bench.report import Report, goals, paired_ratio, render
from bench.server import ServerResult, parse_wrk
from bench.stats import Sample
from bench.tools import Tools

_WRK = """Running 1s test @ http://127.0.0.1:1/v1/runs/x
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    1.50ms
     99%    2.31ms
  3611 requests in 1.00s, 2.36MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   3600.50
"""


def _tools() -> Tools:
    bin_ = Path("/x/bin")
    return Tools(
        bin_ / "python", bin_ / "dmcg", bin_ / "opc", bin_ / "py", bin_ / "prism", bin_ / "wrk", bin_ / "st", None
    )


def _gen(label: str, operations: int, wall: dict[str, list[float]]) -> GenerationResult:
    tools = (OURS, DMCG_MODELS, DMCG_CLIENT, OPC)
    result = GenerationResult(SpecCase(label, Path("x.json"), operations, operations, tools))
    result.wall = {key: Sample(values) for key, values in wall.items()}
    result.cpu = {key: Sample(values) for key, values in wall.items()}
    return result


def _report() -> Report:
    report = Report("2026-11-29 12:00 UTC", 60.0, False, "make bench", {"CPU": "x"}, 2, connections=(1,), duration=3)
    report.tools = tools_for(_tools())
    report.generation = [
        _gen("our spec (spec/openapi.yaml)", 3, {OURS: [0.6, 0.7], DMCG_MODELS: [0.5, 0.5]}),
        _gen(
            "synthetic 1000",
            1000,
            {OURS: [4.0, 5.0], DMCG_MODELS: [3.0, 3.0], DMCG_CLIENT: [14.0, 15.0], OPC: [16.0, 12.0]},
        ),
        _gen("GitHub (api.github.com.json)", 1223, {OURS: [18.0, 19.0], DMCG_MODELS: [14.0, 15.0], OPC: [16.0, 17.0]}),
    ]
    split = {
        "dmcg import + setup": 0.3,
        "dmcg models (parse + render)": 2.7,
        "ruff (fix imports + format)": 0.5,
        "IR": 0.5,
    }
    report.stages = {"synthetic 1000": split, "GitHub (api.github.com.json)": split}
    report.client = ClientResult(
        per_call_us={("floor", "get_run"): Sample([100.0, 110.0]), ("ours", "get_run"): Sample([105.0, 110.0]),
                     ("sdk", "get_run"): Sample([9000.0, 9900.0])},
        calls={("floor", "get_run"): 10_000, ("ours", "get_run"): 10_000, ("sdk", "get_run"): 1_000},
    )  # fmt: skip
    report.imports = ImportResult({"import skyvern_client": Sample([150.0, 160.0])})
    report.github_imports = ImportResult(
        milliseconds={GITHUB_OURS: Sample([300.0, 600.0]), GITHUB_OPC: Sample([2500.0, 3000.0])},
        peak_mib={GITHUB_OURS: Sample([40.0, 42.0]), GITHUB_OPC: Sample([90.0, 94.0])},
    )
    report.contract = ContractResult(
        rate={"ours": Sample([80.0, 90.0]), "st run": Sample([60.0, 70.0])},
        cases={"ours": Sample([800.0, 800.0]), "st run": Sample([900.0, 900.0])},
        seconds={"ours": Sample([10.0, 9.0]), "st run": Sample([15.0, 13.0])},
        exit_codes={"ours": {0}, "st run": {1}},
    )
    rps = {("reference", m, 1): Sample([3000.0, 3200.0]) for m in ("GET", "POST")}
    rps |= {("prism", "GET", 1): Sample([1000.0, 1000.0]), ("prism", "POST", 1): Sample([2000.0, 2000.0])}
    report.server = ServerResult(rps=rps, p50=dict(rps), p99=dict(rps))
    return report


def test_ratios_pair_runs_of_the_same_round() -> None:
    assert paired_ratio(Sample([2.0, 9.0]), Sample([1.0, 3.0])).values == [2.0, 3.0]


def test_goals_are_judged_on_the_median_of_per_round_ratios() -> None:
    verdicts = {goal.text: goal.met for goal in goals(_report())}
    assert verdicts["generation, 1,000 operations: at least 3x faster than openapi-python-client (with its ruff hook)"] is True  # fmt: skip
    assert verdicts["generation, our spec: within 1.2x of datamodel-code-generator, models only (builtin formatter)"] is False  # fmt: skip
    assert verdicts["client `get_run`: within 1.15x of the floor"] is True
    assert verdicts["server, validated POST, 1 connections: at least 2x Prism's requests/s"] is False
    assert any("GitHub" in text and met is False for text, met in verdicts.items())
    assert verdicts["import, GitHub's client: under 0.5 s"] is True  # median of 300 and 600 ms: 450
    assert verdicts["import, GitHub's client: less peak memory than openapi-python-client's"] is True


def test_render_has_every_section_and_the_notes_quote_the_run() -> None:
    report = _report()
    text = render(report, notes(report))
    for heading in ("## Goals", "## 1. Generation", "## 2. Client overhead", "## 3. Contract throughput", "## 4. Reference server vs Prism"):  # fmt: skip
        assert heading in text
    assert "Why goals are missed" in text
    assert "1.30x its time (goal 1.2x: missed)" in text
    assert "1.55x at 1 connections" in text
    assert "ours is 0.89x as fast as openapi-python-client" in text
    assert "### Importing GitHub's client" in text
    assert f"| `{GITHUB_OURS}` | 450.0 | 300.0 | 600.0 | 41.0 | 6.67x (5.00-8.33) | 2.24x (2.24-2.25) |" in text
    assert text.endswith("\n")


def test_parse_wrk_reads_rate_percentiles_and_errors() -> None:
    assert parse_wrk(_WRK) == (3600.50, 0.812, 2.31, 3)
