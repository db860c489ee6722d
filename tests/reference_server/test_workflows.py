"""Workflows files: the documented shape loads, anything else is a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reference_server.workflows import (
    DEMO_WORKFLOW_ID,
    Outcome,
    Parameter,
    Workflow,
    WorkflowFileError,
    demo_workflows,
    load_workflows,
    parse_workflows,
)


def test_demo_workflow() -> None:
    workflows = demo_workflows()
    assert list(workflows) == [DEMO_WORKFLOW_ID]
    assert workflows[DEMO_WORKFLOW_ID].outcome.status == "completed"


def test_yaml_and_json_files(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        "workflows:\n"
        "  - workflow_id: wpid_1\n"
        "    parameters: [url, {name: depth, required: true}]\n"
        "    outcome: {status: timed_out, run_seconds: 2}\n",
        encoding="utf-8",
    )
    (tmp_path / "w.json").write_text('[{"id": "wpid_2", "template": true}]', encoding="utf-8")
    first = load_workflows(tmp_path / "w.yaml")["wpid_1"]
    assert first.parameters == (Parameter("url"), Parameter("depth", required=True))
    assert first.outcome.status == "timed_out"
    assert first.outcome.failure_reason  # a plausible default
    second = load_workflows(tmp_path / "w.json")["wpid_2"]
    assert second.template
    assert second.outcome == Outcome()


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"workflows": [{"title": "no id"}]},
        [{"id": "wpid_1"}, {"id": "wpid_1"}],
        [{"id": "wpid_1", "outcome": {"status": "running"}}],  # a spec status that is not an ending
        [{"id": "wpid_1", "outcome": {"status": "canceled"}}],  # only a cancel ends a run so
        [{"id": "wpid_1", "outcome": {"status": 7}}],
        [{"id": "wpid_1", "outcome": {"run_seconds": -1}}],
        [{"id": "wpid_1", "parameters": "url"}],
        [{"id": "wpid_1", "outcome": {"output": float("nan")}}],
        [{"id": "wpid_1", "outcome": {"downloaded_files": [{"name": "no url"}]}}],
    ],
)
def test_malformed_workflows_are_rejected(data: Any) -> None:
    with pytest.raises(WorkflowFileError):
        parse_workflows(data)


def test_a_status_the_spec_does_not_list_is_an_outcome() -> None:
    outcome = parse_workflows([{"id": "wpid_1", "outcome": {"status": "paused"}}])["wpid_1"].outcome
    assert (outcome.status, outcome.failure_reason) == ("paused", None)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(WorkflowFileError):
        load_workflows(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("workflows: [", encoding="utf-8")
    with pytest.raises(WorkflowFileError):
        load_workflows(tmp_path / "bad.yaml")


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (None, "missing"),
        ({}, "missing"),
        ({"url": 1}, None),
        ({"url": 1, "depth": 2}, None),
        ({"url": 1, "other": 2}, None),
        ({"other": 2}, "missing"),
    ],
)
def test_parameter_problems(given: dict[str, Any] | None, problem: str | None) -> None:
    workflow = Workflow("wpid_1", parameters=(Parameter("url", required=True), Parameter("depth")))
    found = workflow.parameter_problem(given)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_declared_parameters_keep_only_what_the_workflow_declares() -> None:
    workflow = Workflow("wpid_1", parameters=(Parameter("url", required=True), Parameter("depth")))
    assert workflow.declared_parameters({"url": 1, "other": 2, "depth": None}) == {"url": 1, "depth": None}
    assert workflow.declared_parameters({}) == {}
