"""What the suite reads of the spec (`spec`), and what it sends (`generate/`)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from contract_tests.checks import classify
from contract_tests.generate.strategies import Requests
from contract_tests.model.areas import Area
from contract_tests.spec import Spec

SPEC = Spec.load()


SINK = "http://127.0.0.1:9"


REQUESTS = Requests(SPEC, "wpid_1", {"url": "https://example.com"}, SINK)


def test_field_lists_come_from_the_spec() -> None:
    request = SPEC.schema("WorkflowRunRequest")["properties"]
    assert set(SPEC.nullable_fields("WorkflowRunRequest")) == set(request) - {"workflow_id"}
    assert SPEC.url_fields("WorkflowRunRequest") == ["webhook_url", "totp_url", "browser_address"]
    assert [f.path for f in SPEC.nested_fields("WorkflowRunRequest") if not f.nullable] == [
        ("workflow_id",),
        ("proxy_location", "country"),
    ]


@settings(max_examples=50)
@given(REQUESTS.bodies())
def test_generated_bodies_are_valid_and_only_point_at_the_sink(body: dict[str, Any]) -> None:
    assert classify.area_of_body(SPEC, body) == Area.REQUEST_VALIDATION  # i.e. no schema error at all
    assert body["workflow_id"] == "wpid_1"
    for name in REQUESTS.url_fields:
        assert body.get(name) is None or body[name].startswith(SINK + "/")
    assert set(body.get("parameters") or {}) <= {"url"}
