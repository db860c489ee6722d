"""Every check the suite has, registered by name with what it guards: a finding's `check` must name one of them
(`ContractViolation` refuses any other), and the reports say what the check of each root cause guards.

Most are functions of `contract_tests.checks` of the same name; a few are judged where the request is made (the
test, the shared flows, the transport). A failure kind Schemathesis reports that none of them covers is filed as
`schemathesis:<Kind>` (`checks.classify`).

Example:
    >>> CHECKS["status_in_enum"].guards
    "a run's status is one of the spec's RunStatus values"
    >>> guards("schemathesis:NewKind")
    'what Schemathesis checks as NewKind'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CHECKS", "SCHEMATHESIS_PREFIX", "Check", "guards", "is_registered"]

SCHEMATHESIS_PREFIX = "schemathesis:"
"""The family of names of Schemathesis failure kinds no check of the suite covers."""


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: its name (what a finding reports) and what it guards, in a sentence."""

    name: str
    guards: str


CHECKS: Mapping[str, Check] = {
    check.name: check
    for check in (
        # a reply: contract_tests.checks.reply
        Check("no_server_error", "no request, however malformed, gets a 5xx"),
        Check("documented_status", "every status is one the spec documents for the operation"),
        Check("json_body", "a body the spec says is JSON is JSON, with a JSON content type"),
        Check("status_in_enum", "a run's status is one of the spec's RunStatus values"),
        Check("response_conforms", "a body matches the spec's schema for its operation and status"),
        Check("nullable_keys_present", "a run carries every nullable key, as null when it has no value"),
        Check("accepted", "a valid request is accepted (2xx)"),
        Check("rejected", "an invalid request is refused with the spec's 422, naming the field"),
        # what run_request echoes: contract_tests.checks.echo
        Check("echoed", "run_request echoes what was sent (or the spec's default for what was left out)"),
        # a run over time: contract_tests.checks.lifecycle
        Check("moves_forward", "a run's status never moves back in its lifecycle"),
        Check("terminal_is_final", "a terminal status never changes"),
        Check("canceled_after_cancel", "a run still going when canceled is canceled"),
        Check("retrievable", "a run that was started can be read back"),
        Check("timestamps_ordered", "created_at <= queued_at <= started_at <= finished_at, on every read"),
        Check("created_at_unchanged", "created_at is the same on every read"),
        Check("run_id_is_new", "every accepted run request starts a run with an id of its own"),
        Check("names_its_run", "a read answers the run asked for (its id, the title it was given)"),
        # webhook deliveries: contract_tests.checks.webhooks
        Check("delivered", "a run that named a webhook_url has its end delivered there, within the spec's retries"),
        Check("delivery_method", "a delivery uses the webhook's method"),
        Check("signed", "a delivery carries the signature the spec's x-signature describes"),
        Check("timestamp_present", "a delivery carries its sending time in the spec's timestamp header"),
        Check("headers_conform", "a delivery's headers match the webhook's header parameters"),
        Check("body_conforms", "a delivery's body matches the webhook's body schema"),
        Check("reports_terminal", "a delivery reports a terminal status"),
        Check("agrees_with_run", "a delivery agrees with get_run on the run's id, status, type and created_at"),
        Check("nothing_unrequested", "a run that named no webhook_url is delivered nowhere"),
        # judged where the request is made
        Check("answers", "the target answers every request (no dropped connection, no timeout)"),
        Check("created_on_post", "a run is answered with status `created` when started"),
        Check("run_body", "a started run's answer is a run body"),
        Check("strict_parse", "a run parses strictly with the generated models"),
        Check("cancelable", "the cancel of a run the target acknowledged answers 200"),
        Check("cancel_returns_none", "cancel answers with a null body"),
        Check("client_call_succeeds", "the generated client's call of a valid request succeeds"),
        Check("client_parses_response", "the generated client parses the answer"),
        Check("forbidden_without_valid_key", "a request without a valid API key is refused with 403"),
        Check("refused", "a run id no target made is refused with a documented 4xx (a 404), never a 5xx"),
    )
}


def is_registered(name: str) -> bool:
    """Whether a finding may report `name` as its check."""
    return name in CHECKS or (name.startswith(SCHEMATHESIS_PREFIX) and len(name) > len(SCHEMATHESIS_PREFIX))


def guards(name: str) -> str:
    """What the check `name` guards ("" for an unregistered name)."""
    if name.startswith(SCHEMATHESIS_PREFIX):
        return f"what Schemathesis checks as {name.removeprefix(SCHEMATHESIS_PREFIX)}"
    check = CHECKS.get(name)
    return check.guards if check is not None else ""
