"""The kill matrix stays complete: every fault has an expected area, and docs/kill-matrix.md lists every fault as
killed (the full run is `make kill-matrix`; `test_self_test.py` runs a subset in `make test`)."""

from __future__ import annotations

from campaigns.kill_matrix import CLEAN, DOC, EXPECTED, Outcome, render
from reference_server.faults import FAULTS


def test_every_fault_has_an_expected_area() -> None:
    assert set(EXPECTED) == set(FAULTS)


def test_published_matrix_lists_every_fault_as_killed() -> None:
    assert FAULTS
    text = DOC.read_text(encoding="utf-8")
    assert f"**{len(FAULTS)} of {len(FAULTS)} faults killed.**" in text
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == {CLEAN, *FAULTS}
    for fault, row in rows.items():
        verdict = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert verdict == ("passes" if fault == CLEAN else "killed"), row
        if fault != CLEAN:
            assert str(EXPECTED[fault]) in row


def test_a_fault_caught_in_another_area_survives() -> None:
    wrong = Outcome("status_paused", 1, ("response schema",), 1.0)
    right = Outcome("status_paused", 1, ("status enum", "response schema"), 1.0)
    alarm = Outcome(CLEAN, 1, ("auth",), 1.0)
    assert not wrong.killed
    assert right.killed
    assert not alarm.killed
    text = render([alarm, wrong], FAULTS)
    assert "**FALSE ALARM**" in text
    assert "**SURVIVED**" in text
