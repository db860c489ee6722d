"""The offline suite's collection: the example user project is a project of its own (its tests run in a subprocess,
`tests/reference_server/test_pytest_plugin.py` and `tests/test_packaging.py`).

The generator's cache (`codegen/cache.py`) is off for every test, and for the processes tests start: a test that
generates twice must generate twice. `tests/codegen/test_cache.py` turns it on, in a folder of its own.

The longest tests run first: `make test`'s pytest-xdist workers take them up at the start, side by side, instead of
one worker finishing a long test alone at the end, and the quick unit tests fill the gaps last."""

from __future__ import annotations

import pytest

collect_ignore = ["example_user_project"]


@pytest.fixture(autouse=True)
def _no_generator_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEGEN_CACHE", "0")


def _cost_rank(item: pytest.Item) -> int:
    """0: `slow` and `network` (a contract run, a pytest subprocess: the longest), 1: `slow`, 2: `network`, 3: the rest."""
    return 2 * (item.get_closest_marker("slow") is None) + (item.get_closest_marker("network") is None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The costliest tests first, each rank in its collected order (the same in every worker, as xdist requires)."""
    items.sort(key=_cost_rank)
