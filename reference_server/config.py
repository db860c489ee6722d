"""A server instance's settings: `ServerConfig`, one frozen value that `create_app` and the CLI share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reference_server.lifecycle import Clock, wall_clock
from reference_server.validation import DEFAULT_SPEC_PATH
from reference_server.webhooks import DEFAULT_ALLOWED_HOSTS
from reference_server.workflows import Workflow, demo_workflows

__all__ = ["ServerConfig"]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything a server instance needs.

    Attributes:
        api_key: the one accepted `x-api-key`, also the webhook signing key.
        db_path: the SQLite file.
        workflows: the workflows it knows, by id.
        faults: names from `reference_server.faults.FAULTS` to switch on.
        time_scale: multiplies every lifecycle delay (`--fast` is 0.01).
        queue_seconds: created -> queued, before scaling.
        start_seconds: queued -> running, before scaling.
        max_body_bytes: larger request bodies get a 413.
        webhook_hosts: hosts webhooks may be sent to.
        webhook_timeout: seconds per delivery try.
        webhook_retry_seconds: delay before a retry (times the number of tries so far), before scaling.
        durable: fsync each commit.
        latency: seconds every request waits before it is handled (a stand-in for a slow, remote service).
        browser_sessions: the `browser_session_id`s that exist (any other is a 404, as on the live service), or None
            to accept any id.
        browser_profiles: the `browser_profile_id`s that exist, likewise.
        base_url: the server's own URL, for `app_url` and friends (set by the CLI once the port is known).
        spec_path: the OpenAPI document requests are validated against.
        clock: the time source.

    Example:
        >>> config = ServerConfig(api_key="k", db_path=Path(":memory:"), time_scale=0.01)
        >>> config.scaled(1.0)
        0.01
    """

    api_key: str
    db_path: Path
    workflows: Mapping[str, Workflow] = field(default_factory=demo_workflows)
    faults: frozenset[str] = frozenset()
    time_scale: float = 1.0
    queue_seconds: float = 1.0
    start_seconds: float = 1.0
    max_body_bytes: int = 1 << 20
    webhook_hosts: frozenset[str] = DEFAULT_ALLOWED_HOSTS
    webhook_timeout: float = 30.0
    webhook_retry_seconds: float = 1.0
    durable: bool = False
    latency: float = 0.0
    browser_sessions: frozenset[str] | None = None
    browser_profiles: frozenset[str] | None = None
    base_url: str = "http://127.0.0.1:8787"
    spec_path: Path = DEFAULT_SPEC_PATH
    clock: Clock = wall_clock

    def scaled(self, seconds: float) -> float:
        """A delay after the time scale is applied."""
        return seconds * self.time_scale
