"""A new run's record: its schedule on the server's clock, what it will produce, and where its webhook goes."""

from __future__ import annotations

from typing import Any

from reference_server import webhooks
from reference_server.config import ServerConfig
from reference_server.lifecycle import Schedule
from reference_server.store import RunRecord, new_run_id
from reference_server.workflows import Workflow

__all__ = ["new_record"]


def new_record(
    config: ServerConfig,
    workflow: Workflow,
    body: dict[str, Any],
    echo: dict[str, Any],
    *,
    now: float,
    max_steps: int | None,
    user_agent: str | None,
) -> RunRecord:
    """A new run of `workflow`, created at `now` and scheduled on the server's (scaled) clock.

    Args:
        config: the server's settings (delays, time scale, base URL, webhook allowlist).
        workflow: the workflow it runs; its outcome is the run's.
        body: the request body (for `webhook_url`).
        echo: the `run_request` the run keeps.
        now: the creation time.
        max_steps: the `x-max-steps-override` cap, or None.
        user_agent: the `x-user-agent` header, or None.

    Returns:
        The record, not yet stored.
    """
    outcome = workflow.outcome
    queued = config.scaled(config.queue_seconds)
    started = queued + config.scaled(config.start_seconds)
    finished = started + config.scaled(outcome.run_seconds)
    steps = outcome.steps if max_steps is None else max(0, min(outcome.steps, max_steps))
    webhook_url = body.get("webhook_url") or None
    details = {
        "output": outcome.output,
        "failure_reason": outcome.failure_reason,
        "steps": steps,
        "downloaded_files": [dict(item) for item in outcome.downloaded_files],
        "base_url": config.base_url,
        "user_agent": user_agent,
    }
    return RunRecord(
        run_id=new_run_id(),
        workflow_id=workflow.workflow_id,
        created_at=now,
        schedule=Schedule(queued, started, finished, outcome.status),
        details=details,
        request=echo,
        webhook_url=webhook_url,
        webhook_state=webhooks.initial_state(webhook_url, config.webhook_hosts),
    )
