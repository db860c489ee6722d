"""Durability: restarts, `kill -9`, and 1,000 concurrent POSTs, against real server processes."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest

from reference_server.lifecycle import Schedule
from reference_server.process import RunningServer, start_server
from reference_server.store import SCHEMA, RunRecord, Store
from tests.reference_server.support import DEMO, SLOW, TERMINAL, wait_terminal

pytestmark = pytest.mark.network


def _record(run_id: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        workflow_id=DEMO,
        created_at=100.0,
        schedule=Schedule(1.0, 2.0, 3.0, "completed"),
        details={"output": {"a": [1, None]}},
        request={"workflow_id": DEMO, "title": None},
    )


def test_store_round_trip_and_cancel_rules(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.sqlite3")
    store.insert(_record("wr_1"))
    assert store.insert(_record("wr_1")).run_id != "wr_1"  # a clashing id draws a fresh one
    assert store.get("wr_1") == _record("wr_1")
    assert store.get("wr_2") is None
    assert store.cancel("wr_1", now=101.0) is True
    assert store.cancel("wr_1", now=101.5) is False  # already canceled: the first cancel time stays
    record = store.get("wr_1")
    assert record is not None
    assert record.canceled_at == 101.0
    store.insert(_record("wr_3"))
    assert store.cancel("wr_3", now=104.0) is False  # finished at 103: terminal, unchanged
    assert store.count() == 3
    store.close()
    reopened = Store(tmp_path / "runs.sqlite3")
    assert reopened.get("wr_1") == record
    reopened.close()


def test_only_pending_webhooks_are_indexed_and_old_files_are_migrated(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    with sqlite3.connect(path) as old:  # a file written before the partial index: every run indexed
        old.executescript(
            SCHEMA.split("-- Only runs")[0] + "CREATE INDEX runs_webhook ON runs (webhook_state, finishes_at);"
        )
    old.close()
    store = Store(path)
    store.insert(_record("wr_1"))
    store.insert(replace(_record("wr_2"), webhook_url="http://127.0.0.1:9/hook", webhook_state="pending"))
    indexes = {name for (name,) in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "runs_webhook" not in indexes
    assert "runs_webhook_pending" in indexes
    assert [record.run_id for record in store.due_webhooks(now=200.0)] == ["wr_2"]
    plan = store._db.execute(
        "EXPLAIN QUERY PLAN SELECT run_id FROM runs WHERE webhook_state = 'pending' AND finishes_at <= 1"
        " AND webhook_next_at <= 1 ORDER BY finishes_at LIMIT 1"
    ).fetchall()
    assert "runs_webhook_pending" in str(plan)
    store.record_webhook("wr_2", state="delivered", attempts=1)
    assert store.due_webhooks(now=200.0) == []
    store.close()


def _client(server: RunningServer) -> httpx2.Client:
    return httpx2.Client(base_url=server.url, headers={"x-api-key": server.api_key}, timeout=10)


def test_runs_survive_a_restart(tmp_path: Path, workflows_file: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    first = start_server(db=db, workflows_file=workflows_file)
    try:
        with _client(first) as client:
            done = client.post("/v1/run/workflows", json={"workflow_id": DEMO, "title": "kept"}).json()
            slow = client.post("/v1/run/workflows", json={"workflow_id": SLOW}).json()
            canceled = client.post("/v1/run/workflows", json={"workflow_id": SLOW}).json()
            assert client.post(f"/v1/runs/{canceled['run_id']}/cancel").status_code == 200
            done = wait_terminal(client, done["run_id"])
            canceled = client.get(f"/v1/runs/{canceled['run_id']}").json()
    finally:
        first.stop()
    second = start_server(db=db, workflows_file=workflows_file, api_key="another-key")
    try:
        with _client(second) as client:
            assert client.get(f"/v1/runs/{done['run_id']}").json() == done
            assert client.get(f"/v1/runs/{canceled['run_id']}").json() == canceled
            again = client.get(f"/v1/runs/{slow['run_id']}").json()
            assert again["status"] == "running"
            assert again["created_at"] == slow["created_at"]
            assert again["run_request"] == slow["run_request"]
    finally:
        second.stop()


async def _post_many(url: str, api_key: str, count: int, connections: int) -> list[httpx2.Response | BaseException]:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx2.AsyncClient(base_url=url, headers={"x-api-key": api_key}, timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(client.post("/v1/run/workflows", json={"workflow_id": DEMO, "title": f"n{i}"}) for i in range(count)),
            return_exceptions=True,
        )


@pytest.mark.slow
def test_1000_concurrent_posts_give_1000_distinct_retrievable_runs(server: RunningServer) -> None:
    started = time.perf_counter()
    responses = asyncio.run(_post_many(server.url, server.api_key, 1000, connections=1000))
    elapsed = time.perf_counter() - started
    bodies: list[dict[str, Any]] = []
    for response in responses:
        assert isinstance(response, httpx2.Response), repr(response)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
    run_ids = {body["run_id"] for body in bodies}
    assert len(run_ids) == 1000
    assert {body["run_request"]["title"] for body in bodies} == {f"n{i}" for i in range(1000)}
    with _client(server) as client:
        for body in bodies:
            fetched = client.get(f"/v1/runs/{body['run_id']}")
            assert fetched.status_code == 200
            assert fetched.json()["run_request"]["title"] == body["run_request"]["title"]
    print(f"1,000 concurrent POSTs answered in {elapsed:.2f} s")


@pytest.mark.slow
def test_acknowledged_runs_survive_kill_9(tmp_path: Path, workflows_file: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    server = start_server(db=db, workflows_file=workflows_file)
    acknowledged: list[dict[str, Any]] = []

    async def hammer() -> None:
        limits = httpx2.Limits(max_connections=50)
        headers = {"x-api-key": server.api_key}
        async with httpx2.AsyncClient(base_url=server.url, headers=headers, timeout=10, limits=limits) as client:

            async def one(i: int) -> None:
                try:
                    response = await client.post("/v1/run/workflows", json={"workflow_id": DEMO, "title": f"k{i}"})
                except httpx2.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged.append(response.json())
                    if len(acknowledged) == 150:
                        server.kill()  # SIGKILL while other requests are in flight

            await asyncio.gather(*(one(i) for i in range(400)))

    try:
        asyncio.run(hammer())
    finally:
        server.kill()
    assert len(acknowledged) >= 150
    restarted = start_server(db=db, workflows_file=workflows_file)
    try:
        with _client(restarted) as client:
            for body in acknowledged:
                fetched = client.get(f"/v1/runs/{body['run_id']}")
                assert fetched.status_code == 200, body["run_id"]
                assert fetched.json()["run_request"] == body["run_request"]
                assert fetched.json()["status"] in TERMINAL | {"created", "queued", "running"}
    finally:
        restarted.stop()
