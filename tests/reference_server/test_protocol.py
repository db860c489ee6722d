"""How responses are written: one write per response (head and body together), nothing lost or reordered; run
bodies serialised once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from reference_server.app import create_app
from reference_server.bodies import run_bytes, run_dict
from reference_server.config import ServerConfig
from reference_server.lifecycle import Schedule, snapshot
from reference_server.protocol import CoalescingHttpToolsProtocol, CoalescingTransport, uvicorn_config
from reference_server.store import RunRecord
from tests.reference_server.support import DEMO

KEY = "k"


class FakeTransport:
    """Records every write; enough of a transport for uvicorn's httptools protocol."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8787), "peername": ("127.0.0.1", 50000)}.get(name, default)


async def _until(condition: Callable[[], bool], turns: int = 2000) -> None:
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


@pytest.fixture
def config(tmp_path: Path) -> Iterator[uvicorn.Config]:
    app = create_app(ServerConfig(api_key=KEY, db_path=tmp_path / "runs.sqlite3"))
    served = uvicorn_config(app, lifespan="off", log_level="warning")
    served.load()
    yield served
    app.state.service.store.close()


def _connect(config: uvicorn.Config) -> tuple[CoalescingHttpToolsProtocol, FakeTransport]:
    protocol = CoalescingHttpToolsProtocol(config, uvicorn.server.ServerState(), {}, asyncio.get_running_loop())
    transport = FakeTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


def _post(body: bytes) -> bytes:
    head = f"POST /v1/run/workflows HTTP/1.1\r\nhost: x\r\nx-api-key: {KEY}\r\ncontent-type: application/json\r\n"
    return (head + f"content-length: {len(body)}\r\n\r\n").encode() + body


def _split(response: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    return status, headers, body


def test_a_response_is_one_write(config: uvicorn.Config) -> None:
    async def scenario() -> None:
        protocol, transport = _connect(config)
        protocol.data_received(_post(json.dumps({"workflow_id": DEMO}).encode()))
        await _until(lambda: len(transport.writes) >= 1)
        await asyncio.sleep(0.01)
        assert len(transport.writes) == 1
        status, headers, body = _split(transport.writes[0])
        assert status == "HTTP/1.1 200 OK"
        assert headers["content-type"] == "application/json"
        assert int(headers["content-length"]) == len(body)
        assert json.loads(body)["status"] == "created"

    asyncio.run(scenario())


def test_errors_and_pipelined_requests_keep_their_order(config: uvicorn.Config) -> None:
    async def scenario() -> None:
        protocol, transport = _connect(config)
        get = f"GET /v1/runs/wr_1 HTTP/1.1\r\nhost: x\r\nx-api-key: {KEY}\r\n\r\n".encode()
        protocol.data_received(get + _post(b"{}") + get)
        await _until(lambda: len(transport.writes) >= 3)
        await asyncio.sleep(0.01)
        statuses = [_split(write)[0] for write in transport.writes]
        assert statuses == ["HTTP/1.1 404 Not Found", "HTTP/1.1 422 Unprocessable Entity", "HTTP/1.1 404 Not Found"]
        for write in transport.writes:
            _, headers, body = _split(write)
            assert int(headers["content-length"]) == len(body)
            assert "detail" in json.loads(body)

    asyncio.run(scenario())


def test_a_head_answer_without_body_is_still_sent(config: uvicorn.Config) -> None:
    async def scenario() -> None:
        protocol, transport = _connect(config)
        protocol.data_received(f"HEAD /v1/runs/wr_1 HTTP/1.1\r\nhost: x\r\nx-api-key: {KEY}\r\n\r\n".encode())
        await _until(lambda: len(transport.writes) >= 1)
        status, headers, body = _split(transport.writes[0])
        assert status == "HTTP/1.1 404 Not Found"
        assert body == b""
        assert int(headers["content-length"]) > 0

    asyncio.run(scenario())


def test_100_continue_is_not_held(config: uvicorn.Config) -> None:
    async def scenario() -> None:
        protocol, transport = _connect(config)
        body = json.dumps({"workflow_id": DEMO}).encode()
        head = _post(body)[: -len(body)]
        protocol.data_received(head.replace(b"\r\n\r\n", b"\r\nexpect: 100-continue\r\n\r\n"))
        await _until(lambda: len(transport.writes) >= 1)
        assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
        protocol.data_received(body)
        await _until(lambda: len(transport.writes) >= 2)
        assert _split(transport.writes[1])[0] == "HTTP/1.1 200 OK"

    asyncio.run(scenario())


def test_transport_holds_only_a_response_head() -> None:
    async def scenario() -> None:
        sink = FakeTransport()
        transport = CoalescingTransport(sink, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"chunk\r\n\r\n")  # not a response head: written at once
        assert sink.writes == [b"chunk\r\n\r\n"]
        transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        assert sink.writes == [b"chunk\r\n\r\n"]
        await asyncio.sleep(0)  # the next turn of the loop flushes it
        assert sink.writes[-1] == b"HTTP/1.1 204 No Content\r\n\r\n"
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.close()  # closing flushes first
        assert sink.writes[-1] == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"
        assert sink.closed
        assert transport.is_closing()
        await asyncio.sleep(0)
        assert len(sink.writes) == 3  # the scheduled flush finds nothing left to write

    asyncio.run(scenario())


def test_servers_use_httptools_and_uvloop(config: uvicorn.Config) -> None:
    assert config.http_protocol_class is CoalescingHttpToolsProtocol
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


@pytest.mark.parametrize(
    ("output", "request_"),
    [
        (
            {"title": "Example", "x": 1e16, "y": 1e-7, "z": "é\u2028", "n": [1, None, True]},
            {"parameters": {"a": 10**30}},
        ),
        (None, {"title": "\ud800 lone surrogate"}),  # pydantic cannot encode it: the json.dumps route escapes it
    ],
)
def test_run_bytes_is_run_dict_serialised_once(output: Any, request_: dict[str, Any]) -> None:
    record = RunRecord(
        run_id="wr_100000000000000001",
        workflow_id=DEMO,
        created_at=1_800_000_000.0,
        schedule=Schedule(1.0, 2.0, 3.0, "completed"),
        details={"output": output, "steps": 2, "base_url": "http://127.0.0.1:8787"},
        request={"workflow_id": DEMO, **request_},
    )
    for now in (1_800_000_000.0, 1_800_000_010.0):
        snap = snapshot(record.created_at, record.schedule, None, now)
        encoded = run_bytes(record, snap)
        assert encoded.isascii()
        assert json.loads(encoded) == run_dict(record, snap)
