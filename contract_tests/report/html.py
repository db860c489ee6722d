"""`reports/contract-report.html`: the verdict, the coverage matrix and the root causes on one self-contained page.

No external assets: the CSS and the script (copy buttons, with a fallback where `navigator.clipboard` is missing,
as on a `file://` page) are inline. Colour is never the only signal: every cell also has a symbol (a tick, a cross, a dash) and a
word, and failing cells link to their root causes further down.

Example:
    >>> from contract_tests.model.verdict import Verdict
    >>> page = render(Verdict([], []), [], ["a run"])
    >>> page.startswith("<!DOCTYPE html>"), "http" in page.split("<body")[0]
    (True, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

from contract_tests.model.areas import Area
from contract_tests.model.checks import guards
from contract_tests.model.findings import RootCause
from contract_tests.model.verdict import Verdict
from contract_tests.report.matrix import CellView, Table

__all__ = ["REPORT_HTML", "anchor", "render"]

REPORT_HTML = "contract-report.html"
_DASH = "\u2013"  # an en dash: "not seen"
_TIMES = "\u00d7"  # a multiplication sign: "exercised N times"
_NARROW_COLUMNS = 4
"""A table with more columns than this takes the grid's whole width, so that no cell of it needs a sideways scroll
at 1,280 px (checked in Chromium by `tests/contract_tests/test_report_browser.py`)."""
_SYMBOLS = {"pass": ("✓", "pass"), "fail": ("✗", "fail"), "unseen": (_DASH, "not seen"), "n/a": ("", "n/a")}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 6px}h3{font-size:15px;margin:0 0 6px}
.verdict{border-radius:8px;padding:14px 18px;border:2px solid;background:#fff}
.verdict.pass{border-color:#1a7f37}.verdict.fail{border-color:#cf222e}.verdict.error,.verdict.incomplete{border-color:#9a6700}
.badge{display:inline-block;font-weight:700;padding:2px 10px;border-radius:12px;color:#fff;margin-right:8px}
.badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}.badge.error,.badge.incomplete{background:#9a6700}
.facts{color:#57606a;margin:6px 0 0}.note{color:#57606a;margin:0 0 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
section.table{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;overflow-x:auto}
section.table.wide{grid-column:1/-1}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left}
th{background:#f0f2f5;font-weight:600}td.cell{white-space:nowrap;text-align:center}
td.pass{background:#dafbe1;color:#116329}td.fail{background:#ffebe9;color:#a40e26;font-weight:700}
td.unseen{background:#fff;color:#6e7781}td.na{background:#f6f8fa;color:#afb8c1}
td.fail a{color:#a40e26}.tally{color:#57606a;font-size:12px;margin-top:4px}
.cause{background:#fff;border:1px solid #d0d7de;border-left:6px solid #cf222e;border-radius:8px;padding:12px 14px;
margin:12px 0}.cause.known{border-left-color:#9a6700}.cause:target{outline:3px solid #0969da}
.meta{color:#57606a;font-size:13px;margin:0 0 6px}
pre{background:#0d1117;color:#e6edf3;padding:10px;border-radius:6px;overflow-x:auto;font-size:12px;white-space:pre-wrap;
word-break:break-all}
button.copy{float:right;font:inherit;font-size:12px;padding:3px 10px;border:1px solid #8c959f;border-radius:6px;
background:#f6f8fa;cursor:pointer}
table.areas td,table.areas th{padding:3px 10px}table.areas a{color:inherit}
h3.area{font-size:16px;margin:20px 0 0;padding-top:4px;border-top:1px solid #d0d7de}
"""

_SCRIPT = """
(function () {
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area); return ok;
  }
  function said(button, text) { button.textContent = text; setTimeout(function () { button.textContent = "Copy"; }, 1600); }
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { said(button, "Copied ✓"); },
          function () { said(button, fallback(text) ? "Copied ✓" : "Select and copy"); });
      } else { said(button, fallback(text) ? "Copied ✓" : "Select and copy"); }
    });
  });
  var cells = document.querySelectorAll("td.cell.fail");
  var failing = cells.length, hidden = 0;
  cells.forEach(function (cell) {  // a failing cell the reader would have to scroll sideways to see
    var box = cell.getBoundingClientRect(), frame = cell.closest("section.table").getBoundingClientRect();
    if (box.right > Math.min(frame.right, document.documentElement.clientWidth) + 1) { hidden += 1; }
  });
  var out = document.getElementById("failing-cells");
  if (out) { out.textContent = failing + " failing cell(s) in the matrix"; }
  document.body.setAttribute("data-failing-out-of-view", String(hidden));
  document.body.setAttribute("data-ready", "yes");
})();
"""


def anchor(key: str) -> str:
    """The HTML id of a root cause (stable: from its key)."""
    return "cause-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _cell(cell: CellView, by_key: dict[str, int]) -> str:
    symbol, word = _SYMBOLS[cell.state]
    css = "na" if cell.state == "n/a" else cell.state
    count = f" {_TIMES}{cell.count}" if cell.count else ""
    links = " ".join(f'<a href="#{anchor(key)}">#{by_key[key]}</a>' for key in cell.causes if key in by_key)
    label = f"{word}{count}" + (f", root cause(s) {', '.join(str(by_key[k]) for k in cell.causes)}" if links else "")
    text = f"{symbol} {word}{count}".strip() + (f" {links}" if links else "")
    return f'<td class="cell {css}" title="{escape(label)}">{text}</td>'


def _matrix(table: Table, by_key: dict[str, int]) -> str:
    head = "".join(f"<th scope=col>{escape(column)}</th>" for column in table.columns)
    rows = "".join(
        f"<tr><th scope=row>{escape(label)}</th>{''.join(_cell(c, by_key) for c in cells)}</tr>"
        for label, cells in table.rows
    )
    tally = (
        f"✓ {table.count('pass')} pass · ✗ {table.count('fail')} fail · {_DASH} {table.count('unseen')} not seen"
        f" · {table.count('n/a')} n/a"
    )
    wide = " wide" if len(table.columns) > _NARROW_COLUMNS else ""
    return (
        f'<section class="table{wide}" id="{escape(table.name.replace(" ", "-"))}" data-table="{escape(table.name)}">'
        f"<h3>{escape(table.title)}</h3><p class=note>{escape(table.note)}</p>"
        f"<table><thead><tr><th scope=col>{escape(table.corner)}</th>{head}</tr></thead><tbody>{rows}</tbody>"
        f"</table><p class=tally>{tally}</p></section>"
    )


def _cause(number: int, cause: RootCause, allowed: str | None = None) -> str:
    example = cause.example
    ident = anchor(cause.key)
    known = {"known": " · known (in the baseline)", "new": " · new (not in the baseline)"}.get(cause.baseline or "", "")
    where = f" at <code>{escape(example.location)}</code>" if example.location else ""
    kind = f" ({escape(example.kind)})" if example.kind else ""
    tests = ", ".join(cause.tests[:4]) + (f" and {len(cause.tests) - 4} more" if len(cause.tests) > 4 else "")
    parts = [
        f'<article class="cause{" known" if cause.baseline == "known" else ""}" id="{ident}" data-key="'
        f'{escape(cause.key)}"><h3>✗ #{number} [{escape(str(example.area))}] {escape(example.check)}{where}{kind}'
        f"</h3><p class=meta>key <code>{escape(cause.key)}</code> · seen {cause.count} time(s){known}"
        + (f" · operations: {escape(', '.join(cause.operations))}" if cause.operations else "")
        + (f" · also seen in: {escape(', '.join(cause.also_seen_in))}" if cause.also_seen_in else "")
        + f"</p><p class=meta>the check: {escape(guards(example.check))}</p><p class=meta>tests: {escape(tests)}</p>"
        + (f"<p class=meta>Drift: {escape(allowed)}.</p>" if allowed else "")
        + f"<p>{escape(example.detail)}</p>"
    ]
    if example.observed:
        parts.append(f"<p class=meta>Observed:</p><pre>{escape(example.observed)}</pre>")
    if example.reproduction:
        parts.append(
            f'<p class=meta>Reproduce (with CONTRACT_API_KEY set to the target\'s key): <button class="copy" '
            f'type="button" data-copy="{ident}-repro">Copy</button></p>'
            f'<pre id="{ident}-repro">{escape(example.reproduction)}</pre>'
        )
    return "".join(parts) + "</article>"


def _area_id(area: str) -> str:
    return "area-" + area.replace(" ", "-")


def _area_causes(verdict: Verdict, area: Area, by_key: dict[str, int]) -> str:
    """The root causes filed under `area`, under a heading the areas table links to, and those filed elsewhere that
    its tests also saw: the same two numbers as its row."""
    mine = [cause for cause in verdict.causes if cause.area == area]
    seen = [cause for cause in verdict.causes if str(area) in cause.also_seen_in]
    if not mine and not seen:
        return ""
    also = ", ".join(f'<a href="#{anchor(c.key)}" class=also>#{by_key[c.key]}</a>' for c in seen)
    return (
        f'<h3 class=area id="{_area_id(str(area))}">{escape(str(area))}: {len(mine)} root cause(s)</h3>'
        + (f"<p class=meta>Also seen by its tests, filed elsewhere: {also}</p>" if seen else "")
        + "".join(_cause(by_key[c.key], c, verdict.allowed_by_target(c)) for c in mine)
    )


def _areas(verdict: Verdict) -> str:
    symbols = {"judged": "✓", "partly run": _DASH, "not run": "✗", "not selected": _DASH}

    def linked(name: str, count: int, what: str) -> str:
        return f'<a href="#{_area_id(name)}" data-count="{what}">{count}</a>' if count else "0"

    rows = "".join(
        f"<tr><th scope=row>{escape(name)}</th><td>{symbols.get(row['state'], '')} {escape(row['state'])}</td>"
        f"<td>{row['executed']}/{row['tests']}</td><td>{linked(name, row['root_causes'], 'root-causes')}</td>"
        f"<td>{linked(name, row['also_seen'], 'also-seen')}</td></tr>"
        for name, row in verdict.areas().items()
    )
    return (
        '<table class="areas"><thead><tr><th scope=col>area</th><th scope=col>state</th><th scope=col>tests run</th>'
        f"<th scope=col>root causes</th><th scope=col>also seen here</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render(verdict: Verdict, tables: Sequence[Table], facts: Sequence[str]) -> str:
    """The page: verdict and exit status, areas, the coverage matrix, the root causes, and what else the run says.

    Args:
        verdict: the run's verdict.
        tables: its coverage matrix (`contract_tests.report.matrix.tables`).
        facts: lines about the run (target, profile, seed, counts).
    """
    word = verdict.word
    by_key = {cause.key: number for number, cause in enumerate(verdict.causes, 1)}
    facts_html = "".join(f"<p class=facts>{escape(line)}</p>" for line in facts if line)
    causes = "".join(_area_causes(verdict, area, by_key) for area in Area)
    extra = []
    if verdict.not_verifiable:
        items = "".join(
            f"<li><code>{escape(', '.join(i.fields))}</code> ({i.count} time(s)): {escape(i.detail)}. To verify, set "
            f"<code>{escape(i.setting)}</code></li>"
            for i in verdict.not_verifiable
        )
        extra.append(f"<h2>Not verifiable on this target</h2><ul>{items}</ul>")
    if verdict.not_run:
        items = "".join(f"<li>{escape(t.test)} ({t.area}): {t.state}: {escape(t.reason)}</li>" for t in verdict.not_run)
        extra.append(f"<h2>Tests that did not run</h2><ul>{items}</ul>")
    if verdict.cut_short:
        items = "".join(
            f"<li>{escape(t.test)} ({t.area}): {t.examples} example(s): {escape(t.reason or 'cut short')}</li>"
            for t in verdict.cut_short
        )
        extra.append(f"<h2>Tests cut short (their remaining cases were not judged)</h2><ul>{items}</ul>")
    if verdict.drift is not None:
        sections = "".join(
            f"<h3>{escape(heading)}</h3><ul>{''.join(f'<li>{escape(item)}</li>' for item in items)}</ul>"
            for heading, items in verdict.drift.sections()
        )
        extra.append(
            f"<h2 id=drift>The target's own OpenAPI document (drift)</h2><p>{escape(verdict.drift.headline())}</p>"
            + sections
        )
    if verdict.errors:
        items = "".join(f"<li>{escape(error)}</li>" for error in verdict.errors)
        extra.append(f"<h2>Errors of the run (not contract findings)</h2><ul>{items}</ul>")
    symbol = "✓" if word == "pass" else "✗" if word == "fail" else "!"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Contract report: {escape(word)}</title><style>{_CSS}</style></head>"
        f'<body data-verdict="{escape(word)}" data-exit-status="{verdict.exit_status}"><main>'
        f'<div class="verdict {escape(word)}" id="verdict"><h1><span class="badge {escape(word)}">{symbol} '
        f"{escape(word.upper())}</span>exit status {verdict.exit_status}</h1><p>{escape(verdict.headline())}</p>"
        f'{facts_html}<p class=facts id="failing-cells"></p></div>'
        f"<h2>Areas</h2>{_areas(verdict)}"
        "<h2>Coverage matrix</h2><p class=note>✓ pass: exercised, no violation · ✗ fail: violations, linked to their "
        f"root causes below · {_DASH} not seen: the spec has it, the run did not exercise it · {_TIMES}N: times "
        "exercised.</p>"
        f'<div class="grid">{"".join(_matrix(table, by_key) for table in tables)}</div>'
        f'<h2 id="root-causes">Root causes ({len(verdict.causes)})</h2>'
        + (causes or "<p>✓ none: no contract violation was seen.</p>")
        + "".join(extra)
        + f"</main><script>{_SCRIPT}</script></body></html>\n"
    )
