"""Golden files: each small spec under `golden/<case>/` generates exactly the files stored beside it.

Regenerate all of them with `make golden` (`UPDATE_GOLDEN=1 pytest tests/codegen/test_golden.py`), then review the
diff like any other change.
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


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    folder = GOLDEN / case
    package, _ = build_package(Options(folder / "openapi.yaml", tmp_path, "client"), tmp_path)
    made = [name for name in COMPARED_IF_MADE if (package / name).is_file() or (folder / "expected" / name).is_file()]
    for name in [*COMPARED, *made]:
        produced = (package / name).read_text(encoding="utf-8")
        expected = folder / "expected" / name
        if os.environ.get("UPDATE_GOLDEN"):
            expected.parent.mkdir(exist_ok=True)
            expected.write_text(produced, encoding="utf-8")
        assert expected.is_file(), f"{expected} is missing: run `make golden`"
        assert produced == expected.read_text(encoding="utf-8"), f"{case}/{name} changed: run `make golden` and review"


def test_every_golden_case_has_a_spec() -> None:
    assert len(CASES) >= 6
