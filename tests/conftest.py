"""The offline suite's collection: the example user project is a project of its own (its tests run in a subprocess,
`tests/reference_server/test_pytest_plugin.py` and `tests/test_packaging.py`).

The generator's cache (`codegen/cache.py`) is off for every test, and for the processes tests start: a test that
generates twice must generate twice. `tests/codegen/test_cache.py` turns it on, in a folder of its own."""

from __future__ import annotations

import pytest

collect_ignore = ["example_user_project"]


@pytest.fixture(autouse=True)
def _no_generator_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEGEN_CACHE", "0")
