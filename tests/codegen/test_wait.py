"""The `x-wait` extension: each malformed declaration is one error at its JSON pointer; the IR's `Waiter`; the helper
generated from it, called through `MockTransport`."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from codegen.cli import main
from codegen.errors import Level
from codegen.ir import Api, build
from codegen.load import from_data
from codegen.validate import validate
from codegen.view import resolve_view
from tests.codegen.conftest import write_spec

Generate = Callable[..., Any]


def model(name: str) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


JOBS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Jobs", "version": "1"},
    "servers": [{"url": "https://jobs.example.com"}],
    "paths": {
        "/jobs": {
            "post": {
                "operationId": "start_job",
                "summary": "Start a job",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"202": model("Job")},
                "x-wait": {
                    "poll": "get_job",
                    "parameters": {"job_id": "$response.body#/id"},
                    "state": "/state",
                    "final": ["done", "failed"],
                },
            }
        },
        "/jobs/{job_id}": {
            "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": "get_job",
                "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": model("Job")},
            },
        },
    },
    "components": {
        "schemas": {
            "State": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "Job": {
                "type": "object",
                "required": ["id", "state", "owner", "run-id", "json", "tags"],
                "properties": {
                    "id": {"type": "string"},
                    "state": {"$ref": "#/components/schemas/State"},
                    "note": {"type": "string"},
                    "owner": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "run-id": {"type": "string"},
                    "json": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
WAIT = "#/paths/~1jobs/post/x-wait"


def jobs_with(wait: Any = None, *, start: dict[str, Any] | None = None, poll: dict[str, Any] | None = None) -> Any:
    """`JOBS` with its `x-wait` replaced (or its keys updated, given a dict) and its operations updated."""
    spec = copy.deepcopy(JOBS)
    start_op, poll_op = spec["paths"]["/jobs"]["post"], spec["paths"]["/jobs/{job_id}"]["get"]
    if isinstance(wait, dict):
        start_op["x-wait"].update(wait)
    elif wait is not None:
        start_op["x-wait"] = wait
    start_op.update(start or {})
    poll_op.update(poll or {})
    return spec


def without(key: str) -> Any:
    spec = jobs_with()
    del spec["paths"]["/jobs"]["post"]["x-wait"][key]
    return spec


INLINE_BODY = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
CASES: list[tuple[str, Any, str, str]] = [
    ("not a mapping", jobs_with("get_job"), WAIT, "x-wait must be a mapping"),
    ("unknown key", jobs_with({"pol": "get_job"}), f"{WAIT}/pol", "unknown key 'pol'"),
    ("no poll", without("poll"), f"{WAIT}/poll", "poll must be the operationId"),
    ("unknown poll operation", jobs_with({"poll": "get_jobs"}), f"{WAIT}/poll", "unknown operationId 'get_jobs'"),
    (
        "a parameter the poll does not have",
        jobs_with({"parameters": {"job_id": "$response.body#/id", "page": "$response.body#/id"}}),
        f"{WAIT}/parameters/page",
        "'get_job' has no parameter 'page' (it has: job_id, verbose)",
    ),
    (
        "a required parameter not given",
        jobs_with({"parameters": {"verbose": "$response.body#/id"}}),
        f"{WAIT}/parameters",
        "required parameter 'job_id' of 'get_job' is not given",
    ),
    (
        "not a response body expression",
        jobs_with({"parameters": {"job_id": "$request.path.id"}}),
        f"{WAIT}/parameters/job_id",
        "'$request.path.id' is not a runtime expression $response.body#/<property>",
    ),
    (
        "the whole body as an argument",
        jobs_with({"parameters": {"job_id": "$response.body#"}}),
        f"{WAIT}/parameters/job_id",
        "is not a runtime expression",
    ),
    (
        "a property the start body lacks",
        jobs_with({"parameters": {"job_id": "$response.body#/job_id"}}),
        f"{WAIT}/parameters/job_id",
        "/job_id: the operation's 2xx body has no property 'job_id'",
    ),
    (
        "an optional property",
        jobs_with({"parameters": {"job_id": "$response.body#/note"}}),
        f"{WAIT}/parameters/job_id",
        "property 'note' of the operation's 2xx body is not required",
    ),
    (
        "a nullable property",
        jobs_with({"parameters": {"job_id": "$response.body#/owner"}}),
        f"{WAIT}/parameters/job_id",
        "property 'owner' of the operation's 2xx body may be null",
    ),
    (
        "a property that is no Python name",
        jobs_with({"parameters": {"job_id": "$response.body#/run-id"}}),
        f"{WAIT}/parameters/job_id",
        "'run-id' is read as an attribute of the model",
    ),
    (
        "a property that shadows a model attribute",
        jobs_with({"state": "/json"}),
        f"{WAIT}/state",
        "'json' is read as an attribute of the model",
    ),
    (
        "a state the poll body lacks",
        jobs_with({"state": "/status"}),
        f"{WAIT}/state",
        "'get_job''s 2xx body has no property 'status'",
    ),
    (
        "a state below a list",
        jobs_with({"state": "/tags/first"}),
        f"{WAIT}/state",
        "/tags/first: 'get_job''s 2xx body has no property 'first'",
    ),
    ("a state that is no pointer", jobs_with({"state": "state"}), f"{WAIT}/state", "state must be a JSON pointer"),
    ("no state", without("state"), f"{WAIT}/state", "state must be a JSON pointer"),
    (
        "a final value outside the state's enum",
        jobs_with({"final": ["done", "finished"]}),
        f"{WAIT}/final/1",
        "'finished' is not a value of the state's enum ['queued', 'running', 'done', 'failed']",
    ),
    ("an empty final list", jobs_with({"final": []}), f"{WAIT}/final", "final must be a non-empty list"),
    ("final not a list", jobs_with({"final": "done"}), f"{WAIT}/final", "final must be a non-empty list"),
    (
        "a final value that is no scalar",
        jobs_with({"final": [{"state": "done"}]}),
        f"{WAIT}/final/0",
        "must be a string, number or boolean",
    ),
    (
        "a name that is no identifier",
        jobs_with({"name": "wait-for-job"}),
        f"{WAIT}/name",
        "name must be a Python identifier",
    ),
    (
        "a poll that needs a body",
        jobs_with(poll={"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}}),
        f"{WAIT}/poll",
        "'get_job' needs a request body",
    ),
    (
        "a poll without a model to read",
        jobs_with(poll={"responses": {"200": INLINE_BODY}}),
        f"{WAIT}/poll",
        "the poll operation 'get_job' needs a first 2xx response whose JSON body is a $ref to a component schema",
    ),
    (
        "a start without a model to read",
        jobs_with(start={"responses": {"204": {"description": "started"}}}),
        "#/paths/~1jobs/post/responses",
        "x-wait: the operation needs a first 2xx response",
    ),
]


@pytest.mark.parametrize(("name", "spec", "where", "what"), CASES, ids=[case[0] for case in CASES])
def test_a_malformed_wait_is_one_error_at_its_pointer_and_leaves_output_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, spec: Any, where: str, what: str
) -> None:
    path = write_spec(tmp_path, spec)
    package = tmp_path / "out" / "jobs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("previous = True\n")

    code = main(["generate", "--spec", str(path), "--out", str(tmp_path / "out"), "--package", "jobs"])

    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert code != 0
    assert [line for line in errors if where + ":" in line and what in line], errors
    assert len(errors) == 1, errors
    assert (package / "__init__.py").read_text() == "previous = True\n"


def errors_of(spec: Any) -> list[str]:
    return [d.pointer for d in validate(spec) if d.level is Level.ERROR]


def test_every_problem_of_a_wait_is_reported_at_once() -> None:
    unreadable = jobs_with({"parameters": {"job_id": "nope"}, "final": ["done", []], "every": 1})
    assert errors_of(unreadable) == [f"{WAIT}/every", f"{WAIT}/parameters/job_id", f"{WAIT}/final/1"]
    wrong = jobs_with({"parameters": {"page": "$response.body#/note"}, "final": ["done", "finished", "gone"]})
    assert errors_of(wrong) == [
        f"{WAIT}/parameters/page",  # get_job has no `page`
        f"{WAIT}/parameters/page",  # `note` is optional
        f"{WAIT}/parameters",  # `job_id` is not given
        f"{WAIT}/final/1",
        f"{WAIT}/final/2",
    ]


def test_the_jobs_spec_is_valid() -> None:
    assert [d for d in validate(copy.deepcopy(JOBS)) if d.level is Level.ERROR] == []


def api_of(spec: dict[str, Any]) -> tuple[Api, list[str]]:
    assert not [d for d in validate(spec) if d.level is Level.ERROR]
    api, notes = build(
        resolve_view(from_data(spec)),
        package="jobs",
        client_name=None,
        env_prefix=None,
        model_names={"Job": "Job", "State": "State"},
    )
    return api, [str(note) for note in notes]


def test_the_waiter_carries_values_not_text_for_templates() -> None:
    spec = jobs_with({"parameters": {"job_id": "$response.body#/id", "verbose": "$response.body#/id"}})
    api, notes = api_of(spec)
    (waiter,) = api.waiters
    assert notes == []
    assert waiter.name == "start_job_and_wait"
    assert (waiter.start.name, waiter.poll.name) == ("start_job", "get_job")
    assert waiter.arguments == (("job_id", ("id",)), ("verbose", ("id",)))
    assert waiter.state == ("state",)
    assert waiter.final == ("done", "failed")
    assert waiter.poll.return_type.hint == "models.Job"


def test_a_spec_without_a_wait_has_no_waiter_and_no_wait_imports() -> None:
    spec = copy.deepcopy(JOBS)
    del spec["paths"]["/jobs"]["post"]["x-wait"]
    api, _ = api_of(spec)
    assert api.waiters == ()
    assert not [imported for imported in api.imports if imported.module == "._wait"]


def test_the_helper_name_from_the_spec_and_a_taken_one_warned_about() -> None:
    assert api_of(jobs_with({"name": "run_it"}))[0].waiters[0].name == "run_it"
    api, notes = api_of(jobs_with({"name": "get_job"}))
    assert api.waiters[0].name == "get_job_"
    assert notes == [f"warning: {WAIT}: method name 'get_job' is taken; using get_job_"]


def test_arguments_named_like_the_wait_own_ones_are_renamed_on_the_started_operation_only() -> None:
    query = [{"name": "wait_timeout", "in": "query", "schema": {"type": "integer"}}]
    spec = jobs_with(start={"parameters": query}, poll={"parameters": query})
    api, _ = api_of(spec)
    start, poll = api.operations
    assert [param.py_name for param in start.params if param.location == "query"] == ["wait_timeout_"]
    assert [param.py_name for param in poll.params if param.location == "query"] == ["wait_timeout"]


def jobs_handler(states: list[str], seen: list[httpx2.Request]) -> Callable[[httpx2.Request], httpx2.Response]:
    """A jobs server: the POST starts job `j 1`, each GET answers the next of `states` (the last one for good)."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx2.Response(202, json=job("queued"))
        state = states.pop(0) if len(states) > 1 else states[0]
        return httpx2.Response(200, json=job(state))

    return handle


def job(state: str) -> dict[str, Any]:
    return {"id": "j 1", "state": state, "owner": None, "run-id": "r", "json": "{}", "tags": []}


def test_the_generated_helper_starts_then_polls_until_final(generate: Generate) -> None:
    jobs = generate(copy.deepcopy(JOBS), "jobs_wait")
    seen: list[httpx2.Request] = []
    http = httpx2.Client(transport=httpx2.MockTransport(jobs_handler(["running", "paused", "done"], seen)))
    client = jobs.JobsClient(http_client=http)

    done = client.start_job_and_wait(name="export", extra_headers={"x-trace": "t1"}, poll_interval=0.001)

    assert isinstance(done, jobs.models.Job)
    assert done.state == "done"
    assert [(request.method, request.url.raw_path.decode()) for request in seen] == [
        ("POST", "/jobs"),
        *[("GET", "/jobs/j%201")] * 3,  # `paused` is a state the spec does not list: not final
    ]
    assert json.loads(seen[0].content) == {"name": "export"}
    assert {request.headers["x-trace"] for request in seen} == {"t1"}
    assert not hasattr(client.with_raw_response, "start_job_and_wait")


def test_the_generated_helper_times_out_with_the_last_state(generate: Generate) -> None:
    jobs = generate(copy.deepcopy(JOBS), "jobs_timeout")
    seen: list[httpx2.Request] = []
    client = jobs.JobsClient(http_client=httpx2.Client(transport=httpx2.MockTransport(jobs_handler(["running"], seen))))
    with pytest.raises(jobs.WaitTimeoutError) as caught:
        client.start_job_and_wait(name="export", wait_timeout=0.1, poll_interval=0.005)
    assert isinstance(caught.value, jobs.APIError)
    assert caught.value.last_state == jobs.models.State.RUNNING
    assert caught.value.last_response.id == "j 1"
    assert caught.value.polls == len(seen) - 1 >= 2
    assert caught.value.elapsed >= 0.1


def test_the_generated_async_helper(generate: Generate) -> None:
    jobs = generate(copy.deepcopy(JOBS), "jobs_async")
    seen: list[httpx2.Request] = []

    async def scenario() -> Any:
        transport = httpx2.MockTransport(jobs_handler(["queued", "failed"], seen))
        async with jobs.AsyncJobsClient(http_client=httpx2.AsyncClient(transport=transport)) as client:
            return await client.start_job_and_wait(name="export", poll_interval=0.001)

    assert asyncio.run(scenario()).state == "failed"
    assert len(seen) == 3


@pytest.mark.parametrize("options", [{"poll_interval": 0}, {"wait_timeout": -1}])
def test_wait_options_that_cannot_work_are_refused_before_anything_starts(generate: Generate, options: Any) -> None:
    jobs = generate(copy.deepcopy(JOBS), f"jobs_refused_{len(options)}_{next(iter(options))}")
    seen: list[httpx2.Request] = []
    client = jobs.JobsClient(http_client=httpx2.Client(transport=httpx2.MockTransport(jobs_handler(["done"], seen))))
    with pytest.raises(ValueError, match="must be"):
        client.start_job_and_wait(name="export", **options)
    assert seen == []
