"""The size limits of the house: no hand-written module over `MAX_MODULE_LINES` lines, no template over
`MAX_TEMPLATE_LINES`. A module that grows past its limit is split along a seam (one room, one job), not given an
exemption here.

`PARTS` lists the hand-written parts the module limit holds for; a part joins with one line. (`generated/` is not
hand-written; the golden packages under `tests/` are expected output.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_TEMPLATE_LINES = 80
PARTS = (
    "codegen",
    "reference_server",
    "bench",
    "contract_tests",
    "campaigns",
)
TEMPLATES = ROOT / "codegen" / "templates"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _over(paths: list[Path], limit: int) -> list[str]:
    return [f"{path.relative_to(ROOT)}: {count} lines" for path in paths if (count := _lines(path)) > limit]


@pytest.mark.parametrize("part", PARTS)
def test_no_module_is_over_the_limit(part: str) -> None:
    modules = sorted((ROOT / part).rglob("*.py"))
    assert modules, f"{part}/ holds no module: is it still a part?"
    assert _over(modules, MAX_MODULE_LINES) == [], f"split these along a seam (at most {MAX_MODULE_LINES} lines)"


def test_no_template_is_over_the_limit() -> None:
    templates = sorted(TEMPLATES.glob("*.jinja"))
    assert templates
    assert _over(templates, MAX_TEMPLATE_LINES) == [], (
        f"templates stay logic-light (at most {MAX_TEMPLATE_LINES} lines)"
    )
