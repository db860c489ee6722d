"""Golden files: each small spec under `golden/<case>/` generates exactly the files stored beside it.

Regenerate all of them with `make golden` (`UPDATE_GOLDEN=1 pytest tests/codegen/test_golden.py`), then review the
diff like any other change. With `UPDATE_GOLDEN` the test only writes (and is skipped: it compared nothing), and it
refuses to run at all where `CI` is set: there a rewrite would make every case pass whatever the generator makes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen.pipeline import Options, build_package

GOLDEN = Path(__file__).parent / "golden"
COMPARED = ("__init__.py", "_client.py", "models.py")
COMPARED_IF_MADE = ("webhooks.py",)
"""Files only some specs make (`webhooks.py`: a spec with webhooks); a case without one has no expected copy."""
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "openapi.yaml").is_file())


def updating() -> bool:
    """Whether this run rewrites the golden files (`make golden`); fails the test where `CI` is set."""
    if not os.environ.get("UPDATE_GOLDEN"):
        return False
    if os.environ.get("CI", "").lower() not in {"", "0", "false"}:
        pytest.fail(
            f"UPDATE_GOLDEN is set in CI (CI={os.environ['CI']!r}): golden files are rewritten on a checkout with "
            "`make golden` and the diff reviewed, never in CI, where the test would compare the output with itself. "
            "Unset UPDATE_GOLDEN.",
            pytrace=False,
        )
    return True


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    update = updating()
    folder = GOLDEN / case
    package, _ = build_package(Options(folder / "openapi.yaml", tmp_path, "client"), tmp_path)
    made = [name for name in COMPARED_IF_MADE if (package / name).is_file() or (folder / "expected" / name).is_file()]
    if update:
        rewritten = [name for name in [*COMPARED, *made] if _rewrite(package / name, folder / "expected" / name)]
        pytest.skip(f"UPDATE_GOLDEN: {case}: rewrote {', '.join(rewritten) or 'nothing'}, compared nothing")
    for name in [*COMPARED, *made]:
        expected = folder / "expected" / name
        assert expected.is_file(), f"{expected} is missing: run `make golden`"
        assert (package / name).is_file(), f"{case} no longer makes {name}: run `make golden` and review"
        produced = (package / name).read_text(encoding="utf-8")
        assert produced == expected.read_text(encoding="utf-8"), f"{case}/{name} changed: run `make golden` and review"


def _rewrite(produced: Path, expected: Path) -> bool:
    """Make `expected` what was produced (removed when nothing was); whether that changed it."""
    before = expected.read_text(encoding="utf-8") if expected.is_file() else None
    after = produced.read_text(encoding="utf-8") if produced.is_file() else None
    if after is None:
        expected.unlink(missing_ok=True)
    elif after != before:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(after, encoding="utf-8")
    return after != before


def test_update_golden_is_refused_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="UPDATE_GOLDEN is set in CI"):
        test_golden(CASES[0], tmp_path)
    monkeypatch.setenv("CI", "false")
    assert updating()
    monkeypatch.delenv("UPDATE_GOLDEN")
    monkeypatch.setenv("CI", "true")
    assert not updating()


def test_every_golden_case_has_a_spec() -> None:
    assert len(CASES) >= 6
