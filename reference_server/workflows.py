"""The saved workflows a reference server knows, and how each run of them ends.

A workflows file is YAML or JSON (YAML is a superset, so one loader reads both):

```yaml
workflows:
  - workflow_id: wpid_100000000000000001
    title: Demo
    template: false            # true: only reachable with `?template=true`
    parameters:                # declared parameters: a missing required one is a 400, undeclared ones are dropped
      - {name: url, required: true}
      - {name: max_pages}      # required defaults to false
    outcome:
      status: completed        # completed | failed | timed_out | terminated, or a status the spec does not list
      run_seconds: 5           # time spent `running` before the terminal status (scaled by the clock)
      output: {title: Example Domain}
      failure_reason: null     # defaults to a plausible message for failed / timed_out / terminated
      steps: 3                 # `step_count` once terminal (capped by `x-max-steps-override`)
      downloaded_files: [{url: "https://files.example/report.pdf", filename: report.pdf}]
```

A status the spec does not list (`paused`, say) is reported as-is once `run_seconds` have passed, and the run never
leaves it: a way to test what a client does with a status that is newer than its spec.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reference_server.lifecycle import COMPLETED, FAILED, NON_TERMINAL, OUTCOMES, TERMINAL, TERMINATED, TIMED_OUT

__all__ = [
    "DEMO_WORKFLOW_ID",
    "Outcome",
    "Parameter",
    "Workflow",
    "WorkflowFileError",
    "demo_workflows",
    "load_workflows",
    "parse_workflows",
]

DEMO_WORKFLOW_ID = "wpid_100000000000000001"
DEFAULT_FAILURE_REASONS: Mapping[str, str] = {
    FAILED: "The workflow failed: the page did not contain the expected element.",
    TIMED_OUT: "The workflow run timed out.",
    TERMINATED: "The workflow was terminated by the agent: the goal cannot be reached.",
}


class WorkflowFileError(ValueError):
    """A workflows file that cannot be read or does not have the documented shape."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter a workflow declares."""

    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """How every run of a workflow ends, unless it is canceled first."""

    status: str = COMPLETED
    run_seconds: float = 5.0
    output: Any = None
    failure_reason: str | None = None
    steps: int = 3
    downloaded_files: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Workflow:
    """A saved workflow: its id, its declared parameters and its scripted outcome."""

    workflow_id: str
    title: str = "Workflow"
    template: bool = False
    parameters: tuple[Parameter, ...] = ()
    outcome: Outcome = field(default_factory=Outcome)

    def parameter_problem(self, given: Mapping[str, Any] | None) -> str | None:
        """Say what is wrong with the parameters of a request, like the live service's 400: only a missing required
        parameter is (parameters the workflow does not declare are dropped, as the live service drops them).

        Args:
            given: the request's `parameters` (None when omitted or null).

        Returns:
            A message for the 400's `detail`, or None when the parameters fit the workflow.
        """
        given = given or {}
        missing = [p.name for p in self.parameters if p.required and p.name not in given]
        if missing:
            return f"Workflow {self.workflow_id} is missing required parameter(s): {', '.join(missing)}"
        return None

    def declared_parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters of a request that the workflow declares: those a run keeps (the others are dropped).

        Example:
            >>> Workflow("wpid_1", parameters=(Parameter("url"),)).declared_parameters({"url": "u", "other": 1})
            {'url': 'u'}
        """
        declared = {parameter.name for parameter in self.parameters}
        return {name: value for name, value in given.items() if name in declared}


def demo_workflows() -> dict[str, Workflow]:
    """The one workflow a server knows when it is given no workflows file."""
    demo = Workflow(
        workflow_id=DEMO_WORKFLOW_ID,
        title="Demo: read the title of a page",
        parameters=(Parameter("url"), Parameter("max_pages")),
        outcome=Outcome(
            status=COMPLETED,
            run_seconds=5.0,
            output={"title": "Example Domain", "links": ["https://www.iana.org/domains/example"]},
        ),
    )
    return {demo.workflow_id: demo}


def load_workflows(path: Path) -> dict[str, Workflow]:
    """Read a workflows file (YAML or JSON).

    Args:
        path: the file.

    Returns:
        The workflows by id.

    Raises:
        WorkflowFileError: when the file is unreadable or malformed.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise WorkflowFileError(f"{path}: {error}") from error
    return parse_workflows(data, source=str(path))


def _require(condition: bool, source: str, message: str) -> None:
    if not condition:
        raise WorkflowFileError(f"{source}: {message}")


def _parse_parameters(raw: Any, where: str) -> tuple[Parameter, ...]:
    _require(isinstance(raw, Sequence) and not isinstance(raw, str), where, "`parameters` must be a list")
    parameters = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            item = {"name": item}
        _require(isinstance(item, Mapping) and isinstance(item.get("name"), str), f"{where}[{index}]", "needs a name")
        parameters.append(Parameter(name=item["name"], required=bool(item.get("required", False))))
    return tuple(parameters)


def _parse_outcome(raw: Any, where: str) -> Outcome:
    _require(isinstance(raw, Mapping), where, "`outcome` must be a mapping")
    status = raw.get("status", COMPLETED)
    _require(
        isinstance(status, str) and bool(status) and (status in OUTCOMES or status not in TERMINAL | NON_TERMINAL),
        where,
        f"`status` must be one of {', '.join(OUTCOMES)} or a status the spec does not list",
    )
    run_seconds = raw.get("run_seconds", 5.0)
    _require(isinstance(run_seconds, int | float) and run_seconds >= 0, where, "`run_seconds` must be >= 0")
    steps = raw.get("steps", 3)
    _require(isinstance(steps, int) and steps >= 0, where, "`steps` must be an integer >= 0")
    failure_reason = raw.get("failure_reason")
    if failure_reason is None:
        failure_reason = DEFAULT_FAILURE_REASONS.get(status)
    files = raw.get("downloaded_files", [])
    _require(isinstance(files, list), where, "`downloaded_files` must be a list")
    for item in files:
        _require(isinstance(item, Mapping) and isinstance(item.get("url"), str), where, "each file needs a `url`")
    try:
        json.dumps(raw.get("output"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise WorkflowFileError(f"{where}: `output` must be JSON: {error}") from error
    return Outcome(
        status=status,
        run_seconds=float(run_seconds),
        output=raw.get("output"),
        failure_reason=failure_reason,
        steps=steps,
        downloaded_files=tuple(dict(item) for item in files),
    )


def parse_workflows(data: Any, *, source: str = "<workflows>") -> dict[str, Workflow]:
    """Build workflows from the parsed content of a workflows file.

    Args:
        data: `{"workflows": [...]}` or the bare list.
        source: names the file in error messages.

    Returns:
        The workflows by id.

    Raises:
        WorkflowFileError: when the data does not have the documented shape.
    """
    items = data.get("workflows") if isinstance(data, Mapping) else data
    _require(isinstance(items, list) and bool(items), source, "expected a non-empty list under `workflows`")
    assert isinstance(items, list)
    workflows: dict[str, Workflow] = {}
    for index, item in enumerate(items):
        where = f"{source}: workflows[{index}]"
        _require(isinstance(item, Mapping), where, "must be a mapping")
        workflow_id = item.get("workflow_id", item.get("id"))
        _require(isinstance(workflow_id, str) and bool(workflow_id), where, "needs a `workflow_id`")
        _require(workflow_id not in workflows, where, f"duplicate workflow_id {workflow_id}")
        workflows[workflow_id] = Workflow(
            workflow_id=workflow_id,
            title=str(item.get("title", workflow_id)),
            template=bool(item.get("template", False)),
            parameters=_parse_parameters(item.get("parameters", []), f"{where}.parameters"),
            outcome=_parse_outcome(item.get("outcome", {}), f"{where}.outcome"),
        )
    return workflows
