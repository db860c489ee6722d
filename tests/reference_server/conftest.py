"""Fixtures: reference servers started as real uvicorn subprocesses on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import yaml

from reference_server.process import RunningServer, start_server
from tests.reference_server.support import CLOCK_ARGS, WORKFLOWS, Receiver, serve_receiver


@pytest.fixture(scope="session")
def workflows_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workflows") / "workflows.yaml"
    path.write_text(yaml.safe_dump(WORKFLOWS), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, workflows_file: Path) -> Iterator[RunningServer]:
    """One clean server for the whole session."""
    db = tmp_path_factory.mktemp("db") / "runs.sqlite3"
    running = start_server(db=db, workflows_file=workflows_file, extra_args=CLOCK_ARGS)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.url, headers={"x-api-key": server.api_key}, timeout=10) as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free loopback port, recording each delivery's exact bytes and headers."""
    with serve_receiver() as running:
        yield running
