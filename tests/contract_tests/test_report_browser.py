"""The HTML report of a failing run, opened in a real browser: headless Chromium (Debian's `chromium` package;
`make chromium` installs it where it can: as root, with apt). The suite runs a few tests (profile ci) against a
reference server started with `--fault drop_nullable_key`; Chromium loads `contract-report.html` from disk, runs its
script, and the DOM it ends with must show the matrix with the failing cells marked, each linked to a root cause
that is listed. The screenshot lands in `reports/contract-report.png`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from contract_tests.record import coverage
from contract_tests.report.html import REPORT_HTML, anchor

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
SCREENSHOT = REPORTS / "contract-report.png"
FAULTS = ("drop_nullable_key", "cancel_terminal", "null_500")
"""Failing cells in a narrow table (nullable fields) and in the rightmost columns of the two widest (lifecycle
transitions: a terminal run -> `canceled`; operations x status codes: 500)."""
CAUSE = "nullable_keys_present|/failure_reason|missing"
TESTS = "parse_when_null or status_of_a_run or omitted_proxy or status_moves_forward or test_auth or (field_states and title)"
"""Enough of the suite to fill every table of the matrix (and see the fault), in seconds."""
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--virtual-time-budget=3000"]


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        f"NOT CHECKED IN A BROWSER: no headless Chromium on PATH (looked for {', '.join(BROWSERS)}), so the HTML "
        "report's rendering was not checked. Enable it with `make chromium` (Debian's `chromium` package, as root with "
        "apt; or put any Chromium on PATH), then `make report-browser` or `make test`"
    )


class _Dom(HTMLParser):
    """What the checks need from the rendered DOM: tables, failing cells and their links, root causes, body data."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[str] = []
        self.failing: list[list[str]] = []
        self.causes: dict[str, str] = {}
        self.body: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._text_of: str | None = None
        self.area_counts: dict[tuple[str, str], int] = {}
        """(area, `root-causes` or `also-seen`) -> the count its row in the areas table links to its section with."""
        self.section_counts: dict[tuple[str, str], int] = {}
        """(area, `root-causes` or `also-seen`) -> the root causes listed under its heading, and linked as also seen."""
        self._area_link: tuple[str, str] | None = None
        self._section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "body":
            self.body = values
        if tag == "section" and "data-table" in values:
            self.tables.append(values["data-table"])
        if tag == "td" and "fail" in values.get("class", "").split():
            self._cell = []
            self.failing.append(self._cell)
        if tag == "a" and self._cell is not None:
            self._cell.append(values.get("href", ""))
        if tag == "article" and "cause" in values.get("class", "").split():
            self.causes[values["id"]] = values.get("data-key", "")
        if values.get("id") == "failing-cells":
            self._text_of = "failing-cells"
        if tag == "a" and values.get("data-count"):
            self._area_link = (values.get("href", "").removeprefix("#area-"), values["data-count"])
        if tag == "h3" and values.get("id", "").startswith("area-"):
            self._section = values["id"].removeprefix("area-")
        counted = "root-causes" if tag == "article" and "cause" in values.get("class", "").split() else ""
        counted = counted or ("also-seen" if tag == "a" and values.get("class") == "also" else "")
        if counted and self._section is not None:
            key = (self._section, counted)
            self.section_counts[key] = self.section_counts.get(key, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._area_link = None
        if tag == "td":
            self._cell = None
        if tag == "p":
            self._text_of = None

    def handle_data(self, data: str) -> None:
        if self._area_link is not None and data.strip().isdigit():
            self.area_counts[self._area_link] = int(data.strip())
        if self._text_of:
            self.texts[self._text_of] = self.texts.get(self._text_of, "") + data


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.timeout(240)
def test_a_failing_runs_report_shows_its_failing_cells_and_root_causes_in_chromium() -> None:
    browser = _browser()
    reports = REPORTS / "browser-check"
    shutil.rmtree(reports, ignore_errors=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_")}
    suite = subprocess.run(
        [
            sys.executable,
            "-m",
            "contract_tests",
            "-q",
            "--reports",
            str(reports),
            *(f"--fault={f}" for f in FAULTS),
            "-k",
            TESTS,
        ],
        cwd=ROOT,
        env={**environ, "CONTRACT_PROFILE": "ci"},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert suite.returncode == 1, suite.stdout[-3000:] + suite.stderr[-3000:]
    page = (reports / REPORT_HTML).resolve().as_uri()
    run = [browser, *FLAGS, f"--user-data-dir={reports / 'chromium-profile'}"]
    at_1280 = "--window-size=1280,2000"  # a laptop's width: no failing cell may need a sideways scroll there
    dumped = subprocess.run([*run, at_1280, "--dump-dom", page], capture_output=True, text=True, check=True, timeout=60)
    SCREENSHOT.unlink(missing_ok=True)
    shot = [*run, f"--screenshot={SCREENSHOT}", at_1280, page]
    subprocess.run(shot, capture_output=True, text=True, check=True, timeout=60)

    dom = _Dom()
    dom.feed(dumped.stdout)
    assert dom.body.get("data-ready") == "yes", "the report's script did not run"
    assert dom.body.get("data-verdict") == "fail"
    assert dom.body.get("data-exit-status") == "1"
    expected = [coverage.RUN_STATUS, coverage.PROXY, coverage.NULLABLE_REQUEST, coverage.NULLABLE_RESPONSE]
    assert {*expected, coverage.OPERATIONS, coverage.TRANSITIONS} <= set(dom.tables)
    assert dom.failing, "no failing cell is marked"
    assert all(cell and all(href.lstrip("#") in dom.causes for href in cell) for cell in dom.failing)
    assert dom.causes.get(anchor(CAUSE)) == CAUSE, dom.causes
    assert f"{len(dom.failing)} failing cell(s)" in dom.texts.get("failing-cells", "")
    assert dom.body.get("data-failing-out-of-view") == "0", "a failing cell needs a sideways scroll at 1,280 px"
    # the areas table and the root-cause sections say the same: each area's count is the number of causes under it
    assert dom.area_counts, "no area row links to its root causes"
    assert dom.area_counts == dom.section_counts
    assert SCREENSHOT.stat().st_size > 10_000
