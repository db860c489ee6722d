"""How a reply is judged (`checks/`): the named checks, the echo, the lifecycle, Schemathesis failures keyed alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract_tests.checks import classify
from contract_tests.checks import echo as echo_checks
from contract_tests.checks import lifecycle as lifecycle_checks
from contract_tests.checks import reply as checks
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.spec import Spec
from contract_tests.transport.api import Reply

SPEC = Spec.load()


def _reply(status: int, body: Any, content_type: str = "application/json") -> Reply:
    return Reply(status, {"content-type": content_type}, json.dumps(body).encode())


def test_status_outside_the_enum_is_a_status_enum_violation() -> None:
    with pytest.raises(ContractViolation) as caught:
        checks.status_in_enum(SPEC, {"status": "paused"})
    assert caught.value.area == Area.STATUS_ENUM


def test_response_conforms_names_the_area() -> None:
    with pytest.raises(ContractViolation) as server:
        checks.response_conforms(None, SPEC, "get_run", _reply(500, {"detail": "boom"}))
    assert server.value.area == Area.SERVER_ERRORS
    with pytest.raises(ContractViolation) as auth:
        checks.response_conforms(None, SPEC, "get_run", _reply(401, {"detail": "no"}))
    assert auth.value.area == Area.AUTH
    with pytest.raises(ContractViolation) as shape:
        checks.response_conforms(None, SPEC, "cancel_run", _reply(200, {"canceled": True}))
    assert shape.value.area == Area.RESPONSE_SCHEMA
    with pytest.raises(ContractViolation) as media:
        checks.response_conforms(None, SPEC, "cancel_run", _reply(200, None, "text/plain"))
    assert media.value.area == Area.RESPONSE_SCHEMA
    assert checks.response_conforms(None, SPEC, "cancel_run", _reply(200, None)) is None


@pytest.mark.parametrize(
    ("sent", "echo", "area"),
    [
        ({"workflow_id": "w", "title": None}, {"workflow_id": "w"}, Area.NULLABLE_FIELDS),
        ({"workflow_id": "w", "title": "t"}, {"workflow_id": "w", "title": "u"}, Area.NULLABLE_FIELDS),
        ({"workflow_id": "w"}, {"workflow_id": "w", "proxy_location": "NONE"}, Area.PROXY_OPTIONS),
        ({"workflow_id": "w", "proxy_location": "NONE"}, {"workflow_id": "w"}, Area.PROXY_OPTIONS),
    ],
)
def test_echo_mismatches(sent: dict[str, Any], echo: dict[str, Any], area: Area) -> None:
    with pytest.raises(ContractViolation) as caught:
        echo_checks.echoed(None, SPEC, sent, echo)
    assert caught.value.area == area


@pytest.mark.parametrize(
    ("sent", "echo"),
    [
        ({"workflow_id": "w"}, {"workflow_id": "w", "proxy_location": "RESIDENTIAL", "title": None}),
        (
            {"workflow_id": "w", "proxy_location": {"country": "us"}},
            {"workflow_id": "w", "proxy_location": {"country": "US"}},
        ),
        ({"workflow_id": "w", "title": None}, {"workflow_id": "w", "title": None}),
    ],
)
def test_faithful_echoes_pass(sent: dict[str, Any], echo: dict[str, Any]) -> None:
    echo_checks.echoed(None, SPEC, sent, echo)


def test_lifecycle_order() -> None:
    lifecycle_checks.moves_forward("created", "running")
    lifecycle_checks.moves_forward("running", "completed")
    with pytest.raises(ContractViolation):
        lifecycle_checks.moves_forward("completed", "running")
    with pytest.raises(ContractViolation):
        lifecycle_checks.terminal_is_final("failed", "canceled")
    lifecycle_checks.canceled_after_cancel("running", "canceled")
    lifecycle_checks.canceled_after_cancel("completed", "completed")
    lifecycle_checks.canceled_after_cancel("running", "completed")  # it ended on its own before the cancel arrived
    with pytest.raises(ContractViolation):
        lifecycle_checks.canceled_after_cancel("queued", "running")
    with pytest.raises(ContractViolation):
        lifecycle_checks.canceled_after_cancel("completed", "canceled")
    assert set(lifecycle_checks.LIFECYCLE_ORDER) < set(SPEC.enum("RunStatus"))


def test_negative_findings_are_filed_under_the_field_that_made_them_invalid() -> None:
    assert classify.area_of_body(SPEC, {"workflow_id": "w", "proxy_location": "MARS"}) == Area.PROXY_OPTIONS
    assert classify.area_of_body(SPEC, {"workflow_id": None}) == Area.NULLABLE_FIELDS
    assert classify.area_of_body(SPEC, {"workflow_id": "w", "title": 3}) == Area.REQUEST_VALIDATION
    rejection = json.dumps({"detail": [{"loc": ["body", "proxy_location"], "msg": "no", "type": "enum"}]}).encode()
    assert classify.area_of_rejection(rejection, {"proxy_location": "RESIDENTIAL_BR"}) == Area.PROXY_OPTIONS
