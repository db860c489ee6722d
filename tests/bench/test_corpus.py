"""The corpus run: a seed names the same sample, a miss is one line, ours is really generated, imported and typed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.corpus import Outcome, cause, render, run_ours, sample, spec_ids
from bench.corpus_ops import Operations

ROOT = Path(__file__).resolve().parents[2]


def _directory(tmp_path: Path, ids: list[str]) -> Path:
    for spec_id in ids:
        path = tmp_path / "api" / f"{spec_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    (tmp_path / "package.json").write_text(json.dumps({"version": "9.9.9"}), encoding="utf-8")
    return tmp_path


def test_a_seed_names_the_same_sample_of_ids(tmp_path: Path) -> None:
    ids = [f"provider{n}.com" for n in range(30)] + ["amazonaws.com/s3", "amazonaws.com/ec2"]
    directory = _directory(tmp_path, ids)
    assert spec_ids(directory) == sorted(ids)
    first = sample(directory, seed=1, size=5)
    assert first == sample(directory, seed=1, size=5)
    assert len(first) == 5
    assert set(first) <= set(ids)
    assert first != sample(directory, seed=2, size=5)
    assert sample(directory, seed=1, size=100) == sorted(ids)


def test_a_cause_is_one_line_and_marks_a_traceback() -> None:
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nTypeError: returned dict\n'
    assert cause(traceback) == "traceback: TypeError: returned dict"
    ours = "warning: #/paths/~1a: something\nerror: #/components/schemas/A: $ref cycle\ncodegen: failed\n"
    assert cause(ours) == "error: #/components/schemas/A: $ref cycle"
    assert cause("", "only stdout\n") == "only stdout"
    assert cause("") == "no output"


def test_the_report_counts_each_stage_and_lists_every_miss() -> None:
    outcomes = [
        Outcome("a.com", "ours", True, True, True, 1.0, 0, "", Operations(10, 10, 9)),
        Outcome("a.com", "opc", True, True, None, 2.0, 0, "", Operations(10, 8, 7)),
        Outcome("b.com", "ours", False, False, None, 0.5, 0, "generate: error: #/x: bad", Operations(2, 0, 0)),
        Outcome("b.com", "opc", True, False, None, 3.0, 1, "import: SyntaxError", Operations(2, 0, 0)),
    ]
    text = render({7: outcomes}, "1.2.3", "0.29.1", 2, "make corpus CORPUS_SEEDS='7' CORPUS_SIZE=2")
    assert "| ours | 1/2 | 1/2 | 1/2 | 1.00 |" in text
    assert "| openapi-python-client | 2/2 | 1/2 | not checked | 2.50 |" in text
    assert "- `b.com` (ours): generate: error: #/x: bad" in text
    assert "- `b.com` (openapi-python-client): import: SyntaxError" in text
    assert "`a.com`" in text
    assert text.count("| ours | 12 | 10 (83.3 %) | **9 (75.0 %)** | 1 | 2 |") == 2  # all seeds, then seed 7
    assert "| openapi-python-client | 12 | 8 (66.7 %) | **7 (58.3 %)** | 1 | 4 |" in text
    assert "| `a.com` | 10 | 10 / 9 / 1 / 0 | clean | 8 / 7 / 1 / 2 |" in text
    assert "| `b.com` | 2 | 0 / 0 / 0 / 2 | not run | 0 / 0 / 0 / 2 |" in text


@pytest.mark.slow
def test_ours_is_generated_imported_and_type_checked(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(ROOT / "tests" / "codegen" / "golden" / "open_enums" / "openapi.yaml", spec)
    outcome = run_ours(spec, "open_enums", tmp_path / "work")
    assert (outcome.generated, outcome.imported, outcome.typed, outcome.miss) == (True, True, True, "")
    assert outcome.operations == Operations(declared=1, generated=1, usable=1)
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: 7}}}\n")
    broken = run_ours(spec, "broken", tmp_path / "work")
    assert not broken.generated
    assert broken.miss.startswith("generate: ")
    assert "traceback" not in broken.miss
