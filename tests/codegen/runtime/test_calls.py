"""`_calls`: each operation described once and made the sync, async and raw methods of a generated client; a large
client's descriptions in modules loaded on first use. Called through `MockTransport`, and checked by `mypy --strict`
(a wrong argument to any of the four methods is an error)."""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from codegen.ir.modules import SPLIT_OPERATIONS
from tests.codegen.test_wait import JOBS

Generate = Callable[..., Any]
EXTRA = SPLIT_OPERATIONS + 10
"""Operations added to make a client large enough to be split (tag `misc`, cut in two modules)."""


def jobs(extra: int = 0) -> dict[str, Any]:
    """`JOBS` (start, poll, the wait), with an enum query parameter on both, tags, and `extra` small operations."""
    spec = copy.deepcopy(JOBS)
    state = {"name": "state", "in": "query", "schema": {"$ref": "#/components/schemas/State"}}
    start, poll = spec["paths"]["/jobs"]["post"], spec["paths"]["/jobs/{job_id}"]["get"]
    start.update(tags=["jobs"], parameters=[state])
    poll.update(tags=["jobs"], parameters=[*poll["parameters"], state])
    for n in range(extra):
        spec["paths"][f"/ping/{n}"] = {"get": {"operationId": f"ping_{n}", "tags": ["misc"], "responses": {"204": {"description": "ok"}}}}  # fmt: skip
    return spec


def job(state: str) -> dict[str, Any]:
    return {"id": "j1", "state": state, "owner": None, "run-id": "r", "json": "{}", "tags": []}


def answer(request: httpx2.Request) -> httpx2.Response:
    if request.url.path.startswith("/ping"):
        return httpx2.Response(204)
    return httpx2.Response(202 if request.method == "POST" else 200, json=job("done"))


def test_each_operation_and_enum_is_written_once(generate: Generate, tmp_path: Path) -> None:
    generate(jobs(), "once_jobs")
    client = (tmp_path / "out" / "once_jobs" / "_client.py").read_text(encoding="utf-8")
    assert client.count("def get_job(") == client.count("def start_job(") == 1
    assert client.count("def _start_job_fields(") == client.count("def _start_job_whole(") == 1  # for type checkers
    assert client.count("Literal[") == 1  # State's values, used by three signatures, named by one alias
    assert 'StateLiteral: TypeAlias = Literal["queued", "running", "done", "failed"]' in client


def test_the_four_methods_of_a_description(generate: Generate) -> None:
    package = generate(jobs(), "four_jobs")
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return answer(request)

    client = package.JobsClient(http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    assert client.get_job("j1", state="done").state == "done"
    raw = client.with_raw_response.start_job(name="n", state=package.models.State.RUNNING)
    assert (raw.status_code, raw.parse().id) == (202, "j1")
    assert package.JobsClient.get_job(client, "j1").id == "j1"  # read off the class, a function of the client
    assert json.loads(seen[1].content) == {"name": "n"}
    assert [str(request.url) for request in seen[::2]] == [f"https://jobs.example.com/jobs/j1{q}" for q in ("?state=done", "")]  # fmt: skip
    assert seen[1].url.params["state"] == "running"

    async def scenario() -> tuple[Any, Any]:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        async with package.AsyncJobsClient(http_client=http) as async_client:
            assert inspect.iscoroutinefunction(async_client.get_job)
            raw = await async_client.with_raw_response.get_job("j1")
            return await async_client.get_job("j1"), raw

    parsed, raw = asyncio.run(scenario())
    assert (parsed.id, raw.status_code, raw.parse().state) == ("j1", 200, "done")
    assert list(inspect.signature(client.get_job).parameters) == ["job_id", "verbose", "state", "extra_headers", "timeout"]  # fmt: skip
    assert inspect.signature(client.get_job).return_annotation is inspect.Signature.empty  # not the description's
    assert client.get_job.__doc__ == package.JobsClient.get_job.__doc__
    with pytest.raises(TypeError, match="unexpected keyword argument 'nam'"):
        client.start_job(nam="n")
    assert not hasattr(client.with_raw_response, "start_job_and_wait")


def test_a_large_client_loads_the_module_of_a_method_on_its_first_use(generate: Generate, tmp_path: Path) -> None:
    package = generate(jobs(EXTRA), "lazy_jobs")
    folder = tmp_path / "out" / "lazy_jobs" / "_methods"
    assert sorted(path.name for path in folder.iterdir()) == ["__init__.py", "_jobs.py", "_misc.py", "_misc_2.py"]

    def loaded() -> list[str]:
        return sorted(name.rpartition(".")[2] for name in sys.modules if name.startswith("lazy_jobs._methods."))

    client = package.JobsClient(http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    assert loaded() == []
    assert {"ping_0", f"ping_{EXTRA - 1}", "get_job", "start_job_and_wait"} <= set(dir(client))
    assert client.ping_0() is None
    assert loaded() == ["_misc"]
    assert client.with_raw_response.get_job("j1").parse().state == "done"
    assert loaded() == ["_jobs", "_misc"]
    assert client.start_job_and_wait(name="n", poll_interval=0.001).state == "done"
    with pytest.raises(AttributeError, match="'JobsClient' object has no attribute 'ping_999'"):
        client.ping_999()
    assert inspect.signature(package.JobsClient.get_job).parameters.keys() >= {"job_id", "verbose"}


def test_a_large_client_waits_on_methods_it_has_not_loaded(generate: Generate) -> None:
    package = generate(jobs(EXTRA), "lazy_wait_jobs")

    async def scenario() -> Any:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(answer))
        async with package.AsyncJobsClient(http_client=http) as client:
            return await client.start_job_and_wait(name="n", poll_interval=0.001)

    assert asyncio.run(scenario()).state == "done"


USAGE = """
from __future__ import annotations

from {package} import APIResponse, AsyncJobsClient, JobsClient, models


def calls(client: JobsClient) -> None:
    job: models.Job = client.get_job("j1", state="done")
    raw: APIResponse[models.Job] = client.with_raw_response.start_job(name="n", state=models.State.DONE)
    client.start_job(body={{"name": "n"}})
    waited: models.Job = client.start_job_and_wait(name="n", wait_timeout=5)


async def async_calls(client: AsyncJobsClient) -> None:
    job: models.Job = await client.get_job("j1")
    raw: APIResponse[models.Job] = await client.with_raw_response.get_job("j1")
    waited: models.Job = await client.start_job_and_wait(name="n")


def wrong(client: JobsClient, other: AsyncJobsClient) -> None:
    client.get_job(1)  # rejected: not a str
    client.with_raw_response.get_job("j1", state="paused")  # rejected: not a State
    other.get_job("j1", verbos=True)  # rejected: no such argument
    other.with_raw_response.start_job(state="done")  # rejected: no name, no body
    client.with_raw_response.start_job_and_wait(name="n")  # rejected: not on the raw twin
    job: models.Job = other.get_job("j1")  # rejected: a coroutine
"""


@pytest.mark.slow
@pytest.mark.parametrize("extra", [0, EXTRA], ids=["one module", "split"])
def test_mypy_checks_every_argument_of_the_four_methods(generate: Generate, tmp_path: Path, extra: int) -> None:
    package = f"typed_jobs_{extra}"
    generate(jobs(extra), package)
    usage = textwrap.dedent(USAGE.format(package=package))
    (tmp_path / "out" / "use_jobs.py").write_text(usage, encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", package, "use_jobs.py"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith("use_jobs.py:") for line in errors), checked.stdout
    rejected = [number for number, line in enumerate(usage.splitlines(), 1) if "# rejected" in line]
    assert sorted({int(line.split(":")[1]) for line in errors}) == rejected, checked.stdout
