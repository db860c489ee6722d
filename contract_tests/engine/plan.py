"""What a run will cost the target, before anything is sent: each test's declared cost, the runs each test may start
under a cap (`--max-runs`), and the `--plan` table.

Every contract test declares what one of its examples costs with the `cost` marker: the requests it sends, the runs
it means to start (valid `run_workflow` requests: each starts a browser session on a real deployment), and how many
examples it has (a number, or the profile's `property`, `operation` or `stateful` count):

    @pytest.mark.cost(requests=4, runs=1, examples="property")

Under a cap, the runs are shared out before the run begins, in the suite's interleaved order (`allowances`): each
test that starts runs gets an equal share of what is left, never more than it needs, until the cap is spent. A test
whose allowance is spent stops starting examples (it is reported as cut short, or as not run when it got none), so
the same cap gives the same cases on any machine. Tests that mean to start no run (invalid requests, bad keys) are
not held back; a run a server wrongly starts for one is still counted, and canceled at the end.

Example:
    >>> costs = {"a": Cost(2, 1, 10), "b": Cost(1, 1, 3), "c": Cost(5, 0, 4)}
    >>> allowances(costs, 8)
    {'a': 5, 'b': 3, 'c': None}
    >>> allowances(costs, None)
    {'a': None, 'b': None, 'c': None}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest

from contract_tests.config import Context, Profile
from contract_tests.model.areas import Area

__all__ = ["AREA_MARKER", "MARKER", "Cost", "PlanPrinter", "allowances", "area_of", "cost_of", "render"]

MARKER = "cost"
"""The marker every contract test carries: `cost(requests=N, runs=N, examples=N | "property" | ...)`."""


@dataclass(frozen=True, slots=True)
class Cost:
    """What one test is expected to cost the target.

    Attributes:
        requests: requests per example.
        runs: runs it means to start per example.
        examples: its examples in this profile.
    """

    requests: int
    runs: int
    examples: int

    @property
    def total_requests(self) -> int:
        """Requests over all its examples."""
        return self.requests * self.examples

    @property
    def total_runs(self) -> int:
        """Runs it means to start over all its examples."""
        return self.runs * self.examples


def _examples(value: int | str, profile: Profile) -> int:
    counts = {
        "property": profile.property_examples,
        "operation": 2 * profile.operation_examples,  # Schemathesis: positive and negative, and its coverage phase
        "stateful": profile.stateful_examples * profile.stateful_steps,
    }
    if isinstance(value, int):
        return value
    if value not in counts:
        raise ValueError(f"cost marker: examples={value!r}, expected a number or one of {', '.join(counts)}")
    return counts[value]


AREA_MARKER = "area"
"""The marker each contract test carries to say what it judges: `area(Area.X)` (a module's `pytestmark`, or a test's)."""


def area_of(item: pytest.Item) -> Area | None:
    """The area a test declares it judges (None for a test that declares none)."""
    marker = item.get_closest_marker(AREA_MARKER)
    return Area(marker.args[0]) if marker is not None and marker.args else None


def cost_of(item: pytest.Item, profile: Profile) -> Cost | None:
    """A test's declared cost in this profile (None when it declares none)."""
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None
    return Cost(
        int(marker.kwargs.get("requests", 1)),
        int(marker.kwargs.get("runs", 0)),
        _examples(marker.kwargs.get("examples", 1), profile),
    )


def allowances(costs: Mapping[str, Cost], cap: int | None) -> dict[str, int | None]:
    """The runs each test may start under `cap` (None: no cap), shared out in the order of `costs`.

    Tests that mean to start no run get None (not held back). The others get equal shares of what is left, each
    at most its need, round after round, until the cap is spent or every need is met.
    """
    if cap is None:
        return dict.fromkeys(costs)
    given: dict[str, int | None] = {name: (0 if cost.total_runs else None) for name, cost in costs.items()}
    left = cap
    wanting = [name for name, cost in costs.items() if cost.total_runs]
    while left > 0 and wanting:
        share = max(1, left // len(wanting))
        for name in wanting:
            have = given[name] or 0
            more = min(share, costs[name].total_runs - have, left)
            given[name] = have + more
            left -= more
            if left == 0:
                break
        wanting = [name for name in wanting if (given[name] or 0) < costs[name].total_runs]
    return given


def render(
    items: Sequence[tuple[str, Area | None, Cost | None]], allowed: Mapping[str, int | None], cap: int | None
) -> str:
    """The `--plan` table: per area, its tests, the requests and runs they would need, and the runs the cap allows;
    then the tests the cap holds back.

    Args:
        items: each test's node id, area and cost, in the order they would run.
        allowed: `allowances` of them.
        cap: the run cap (None: none).
    """
    rows: dict[str, list[int]] = {}
    held: list[str] = []
    undeclared: list[str] = []
    for nodeid, area, cost in items:
        row = rows.setdefault(str(area or "(no area)"), [0, 0, 0, 0])
        row[0] += 1
        if cost is None:
            undeclared.append(nodeid)
            continue
        allowance = allowed.get(nodeid)
        row[1] += cost.total_requests
        row[2] += cost.total_runs
        row[3] += cost.total_runs if allowance is None else allowance
        if allowance is not None and allowance < cost.total_runs:
            held.append(f"- {nodeid}: {allowance} of {cost.total_runs} run(s)")
    limit = "no cap" if cap is None else f"at most {cap}"
    lines = [
        f"Plan (nothing sent; runs: {limit}):",
        "",
        "| area | tests | requests (about) | runs it would start | runs allowed |",
        "|---|---|---|---|---|",
    ]
    totals = [0, 0, 0, 0]
    for name, row in rows.items():
        lines.append(f"| {name} | {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
        totals = [a + b for a, b in zip(totals, row, strict=True)]
    lines.append(f"| total | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} |")
    if held:
        lines += ["", "Cut short by the run cap (their other examples are not judged):", *held]
    if undeclared:
        lines += ["", "Tests without a cost marker (not counted):", *(f"- {nodeid}" for nodeid in undeclared)]
    return "\n".join(lines)


class PlanPrinter:
    """A pytest plugin for `--plan`: once the tests are collected (and interleaved), print `render` of them."""

    def __init__(self, context: Context) -> None:
        self.context = context

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Print the plan of the tests in the order they would run."""
        costs = {item.nodeid: cost_of(item, self.context.profile) for item in items}
        declared = {nodeid: cost for nodeid, cost in costs.items() if cost is not None}
        allowed = allowances(declared, self.context.max_runs)
        rows = [(item.nodeid, area_of(item), costs[item.nodeid]) for item in items]
        print(render(rows, allowed, self.context.max_runs))
