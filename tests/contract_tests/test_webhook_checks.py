"""The webhook checks, offline: the signature judged by each spec's own `x-signature` (this repository's hex
HMAC-SHA256 under the API key, and another spec's base64 HMAC-SHA512 with a prefix under a secret), the timestamp and
header parameters, the body against its schema, terminal status, agreement with `get_run`, and the sink's read
endpoint that the test reads deliveries through."""

from __future__ import annotations

import base64
import doctest
import hashlib
import hmac
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from contract_tests.checks import webhooks as webhook_checks
from contract_tests.checks.webhooks import Webhook
from contract_tests.model.areas import Area, ContractViolation
from contract_tests.record.observations import Observations
from contract_tests.spec import Spec
from contract_tests.transport.sink import Received, Sink, fetch_received

RUN_SCHEMA = {
    "type": "object",
    "required": ["run_id", "status"],
    "properties": {
        "run_id": {"type": "string"},
        "status": {"type": "string", "enum": ["created", "queued", "running", "completed", "failed", "canceled"]},
        "finished_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        "modified_at": {"type": "string", "format": "date-time"},
    },
}
OTHER: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "other", "version": "1"},
    "paths": {
        "/runs/{id}": {
            "get": {
                "operationId": "get_run",
                "responses": {
                    "200": {
                        "description": "the run",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}},
                    }
                },
            }
        }
    },
    "webhooks": {
        "audit": {"post": {"operationId": "audit", "requestBody": {"content": {"text/plain": {"schema": {}}}}}},
        "run.ended": {
            "post": {
                "operationId": "run_ended",
                "description": "Sent when a run ends; the service tries up to 5 times (10 s each).",
                "parameters": [
                    {
                        "name": "X-Delivery-Id",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^d_[0-9]+$"},
                    },
                    {"name": "X-Hub-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                "x-signature": {
                    "algorithm": "hmac-sha512",
                    "encoding": "base64",
                    "header": "X-Hub-Signature",
                    "prefix": "sha512=",
                    "signed": "body",
                    "key": "secret",
                    "timestamp-header": "X-Sent-At",
                },
            }
        },
    },
    "components": {"schemas": {"Run": RUN_SCHEMA}},
}
BODY = b'{"run_id":"wr_1","status":"completed","finished_at":"2026-01-01T00:00:03Z"}'


@pytest.fixture(scope="module")
def ours() -> Webhook:
    return webhook_checks.run_webhooks(Spec.load())[0]


@pytest.fixture(scope="module")
def other_spec() -> Spec:
    return Spec(OTHER, Path("other.yaml"))


@pytest.fixture(scope="module")
def other(other_spec: Spec) -> Webhook:
    return webhook_checks.run_webhooks(other_spec)[0]


def violation(call: Any, *args: Any) -> ContractViolation:
    with pytest.raises(ContractViolation) as raised:
        call(*args)
    assert raised.value.area == Area.WEBHOOKS
    assert raised.value.check == call.__name__
    return raised.value


def reported(call: Any, *args: Any) -> list[ContractViolation]:
    """The violations a check reports softly into the test's record (it goes on after each)."""
    seen = Observations("t", chain=list)
    call(seen, *args)
    return [v for v, _ in seen.violations]


def test_the_docstring_examples_run() -> None:
    assert doctest.testmod(webhook_checks, optionflags=doctest.ELLIPSIS).failed == 0


def test_this_specs_scheme_is_read_from_its_extension(ours: Webhook) -> None:
    assert ours.scheme == webhook_checks.SignatureScheme(
        "hmac-sha256", "sha256", "hex", "x-skyvern-signature", "", "body", "api-key", "x-skyvern-timestamp"
    )
    assert (ours.name, ours.method, ours.operation_id) == ("workflow_run", "POST", "workflow_run_webhook")
    assert webhook_checks.documented_wait(ours) == 90.0
    assert webhook_checks.delivery_wait(ours) == 90.0
    assert webhook_checks.delivery_wait(ours, 4.5) == 4.5
    assert webhook_checks.signing_key(ours.scheme, api_key="k", secret="s") == "k"


def test_another_specs_scheme_is_read_from_its_extension(other: Webhook) -> None:
    assert other.scheme == webhook_checks.SignatureScheme(
        "hmac-sha512", "sha512", "base64", "x-hub-signature", "sha512=", "body", "secret", "x-sent-at"
    )
    assert other.pointer == "/webhooks/run.ended/post"
    assert webhook_checks.documented_wait(other) == 50.0
    assert webhook_checks.signing_key(other.scheme, api_key="k") is None
    assert webhook_checks.signing_key(other.scheme, api_key="k", secret="s") == "s"


def test_a_webhook_the_run_does_not_send_is_not_picked(other_spec: Spec) -> None:
    assert [hook.name for hook in webhook_checks.webhooks(other_spec)] == ["audit", "run.ended"]
    assert [hook.name for hook in webhook_checks.run_webhooks(other_spec)] == ["run.ended"]
    without = Spec({**OTHER, "webhooks": {}}, Path("none.yaml"))
    assert webhook_checks.run_webhooks(without) == []


def test_without_documented_tries_the_default_wait() -> None:
    spec = Spec(json.loads(json.dumps(OTHER).replace("tries up to 5 times (10 s each)", "retries")), Path("x.yaml"))
    hook = webhook_checks.run_webhooks(spec)[0]
    assert webhook_checks.documented_wait(hook) is None
    assert webhook_checks.delivery_wait(hook) == webhook_checks.DEFAULT_WAIT


@pytest.mark.parametrize(
    "raw",
    [
        {"algorithm": "rsa-sha256", "encoding": "hex", "header": "x-sig"},
        {"algorithm": "hmac-sha256", "encoding": "base32", "header": "x-sig"},
        {"algorithm": "hmac-sha256", "encoding": "hex", "header": "x-sig", "key": "password"},
        {"algorithm": "hmac-sha256", "encoding": "hex", "header": "x-sig", "signed": "url"},
        {"algorithm": "hmac-sha256", "encoding": "hex"},
    ],
)
def test_a_scheme_the_suite_cannot_check_is_an_error(raw: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="x-signature"):
        webhook_checks.signature_scheme({"x-signature": raw})


def test_hex_sha256_under_the_api_key(ours: Webhook) -> None:
    good = hmac.new(b"api", BODY, hashlib.sha256).hexdigest()
    webhook_checks.signed(ours, {"X-Skyvern-Signature": good}, BODY, "api")
    assert violation(webhook_checks.signed, ours, {"x-skyvern-signature": good}, BODY, "other").key == (
        "signed|x-skyvern-signature|mismatch"
    )
    assert violation(webhook_checks.signed, ours, {"x-skyvern-signature": good}, BODY + b" ", "api").kind == "mismatch"
    assert violation(webhook_checks.signed, ours, {"x-skyvern-signature": "zz"}, BODY, "api").kind == "malformed"
    assert violation(webhook_checks.signed, ours, {}, BODY, "api").key == "signed|x-skyvern-signature|missing"


def test_base64_sha512_with_a_prefix_under_a_secret(ours: Webhook, other: Webhook) -> None:
    digest = hmac.new(b"secret", BODY, hashlib.sha512).digest()
    good = "sha512=" + base64.b64encode(digest).decode()
    assert webhook_checks.sign(other.scheme, "secret", BODY) == good  # type: ignore[arg-type]
    webhook_checks.signed(other, {"X-Hub-Signature": good}, BODY, "secret")
    assert violation(webhook_checks.signed, other, {"X-Hub-Signature": good}, BODY, "api").kind == "mismatch"
    unprefixed = base64.b64encode(digest).decode()
    assert violation(webhook_checks.signed, other, {"X-Hub-Signature": unprefixed}, BODY, "secret").kind == "malformed"
    assert violation(webhook_checks.signed, other, {"X-Hub-Signature": "sha512=***"}, BODY, "secret").kind == (
        "malformed"
    )
    # Each spec's deliveries are judged by its own x-signature: a hex SHA-256 is no signature of the other scheme.
    hex_one = webhook_checks.sign(ours.scheme, "secret", BODY)  # type: ignore[arg-type]
    assert violation(webhook_checks.signed, other, {"X-Hub-Signature": hex_one}, BODY, "secret").key == (
        "signed|x-hub-signature|malformed"
    )
    assert violation(webhook_checks.signed, ours, {"x-skyvern-signature": good}, BODY, "secret").kind == "malformed"


def test_the_timestamp_header(ours: Webhook, other: Webhook) -> None:
    webhook_checks.timestamp_present(ours, {"x-skyvern-timestamp": "1000"}, 1010.0)
    webhook_checks.timestamp_present(other, {"X-Sent-At": "1000.5"})
    assert violation(webhook_checks.timestamp_present, ours, {}, 1000.0).key == (
        "timestamp_present|x-skyvern-timestamp|missing"
    )
    assert violation(webhook_checks.timestamp_present, other, {"x-sent-at": "yesterday"}).key == (
        "timestamp_present|x-sent-at|malformed"
    )
    assert violation(webhook_checks.timestamp_present, ours, {"x-skyvern-timestamp": "1000"}, 5000.0).kind == "stale"


def test_the_other_header_parameters(other: Webhook) -> None:
    signature = {"X-Hub-Signature": "sha512=x"}
    assert reported(webhook_checks.headers_conform, other, {**signature, "X-Delivery-Id": "d_12"}) == []
    missing = reported(webhook_checks.headers_conform, other, signature)
    assert [v.key for v in missing] == ["headers_conform|x-delivery-id|missing"]
    wrong = reported(webhook_checks.headers_conform, other, {**signature, "x-delivery-id": "12"})
    assert [v.key for v in wrong] == ["headers_conform|x-delivery-id|pattern"]


def test_the_body_against_its_schema(other_spec: Spec, other: Webhook) -> None:
    json_headers = {"Content-Type": "application/json"}
    assert webhook_checks.body_conforms(None, other_spec, other, json_headers, BODY)["run_id"] == "wr_1"
    broken = json.dumps({"status": "paused", "finished_at": "2026-01-01T00:00:03"}).encode()
    keys = [v.key for v in reported(webhook_checks.body_conforms, other_spec, other, json_headers, broken)]
    assert sorted(keys) == [
        "response_conforms|/finished_at|format",
        "response_conforms|/run_id|required",
        "status_in_enum|/status|enum",
    ]
    plain = [v.key for v in reported(webhook_checks.body_conforms, other_spec, other, {"content-type": "text/plain"}, BODY)]  # fmt: skip
    assert plain == ["body_conforms|content-type|text/plain"]
    assert violation(webhook_checks.body_conforms, None, other_spec, other, json_headers, b"{").key == (
        "body_conforms|/|not JSON"
    )


def test_this_specs_body_is_the_run(ours: Webhook) -> None:
    spec = Spec.load()
    run = {
        "run_id": "wr_1",
        "status": "completed",
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-01T00:00:03Z",
        "run_type": "workflow_run",
    }
    headers = {"content-type": "application/json"}
    assert reported(webhook_checks.body_conforms, spec, ours, headers, json.dumps(run).encode()) == []
    keys = [v.key for v in reported(webhook_checks.body_conforms, spec, ours, headers, b'{"run_id": 1}')]
    assert "response_conforms|/run_id|type" in keys  # keyed as a read run's breakage: one root cause
    assert "response_conforms|/status|required" in keys


def test_a_terminal_status(ours: Webhook, other: Webhook) -> None:
    webhook_checks.reports_terminal(ours, {"status": "completed"})
    webhook_checks.reports_terminal(other, {"status": "canceled"})
    webhook_checks.reports_terminal(ours, {"status": "paused"})  # outside the enum: body_conforms reports it
    webhook_checks.reports_terminal(ours, None)
    assert violation(webhook_checks.reports_terminal, other, {"status": "running"}).key == (
        "reports_terminal|/status|not terminal"
    )


def test_agrees_with_what_get_run_answers(ours: Webhook) -> None:
    read = {
        "run_id": "wr_1",
        "status": "completed",
        "created_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:03Z",
        "modified_at": "2026-01-01T00:00:03Z",
        "recording_url": "https://x/recording?signature=1",
    }
    same = {
        **read,
        "finished_at": "2026-01-01T00:00:03+00:00",  # the same instant, spelled otherwise
        "modified_at": "2026-01-01T00:09:00Z",  # may change after the end
        "recording_url": "https://x/recording?signature=2",  # presigned: differs per read
    }
    assert reported(webhook_checks.agrees_with_run, ours, same, read) == []
    other = {**read, "status": "failed", "finished_at": "2026-01-01T00:00:04Z"}
    other.pop("created_at")
    keys = [v.key for v in reported(webhook_checks.agrees_with_run, ours, other, read)]
    assert keys == [
        "agrees_with_run|/status|differs",
        "agrees_with_run|/created_at|differs",
    ]


def test_delivered_nothing_unrequested_and_the_method(ours: Webhook) -> None:
    webhook_checks.delivered(ours, ["a delivery"], "wr_1", 90)
    first = violation(webhook_checks.delivered, ours, [], "wr_1", 90)
    second = violation(webhook_checks.delivered, ours, [], "wr_2", 5)
    assert first.key == second.key == "delivered|/webhooks/workflow_run/post|not delivered"
    webhook_checks.nothing_unrequested(ours, "wr_1", [], "webhook_url")
    item = Received("POST", "/x", {}, b'{"run_id": "wr_1"}')
    unrequested = violation(webhook_checks.nothing_unrequested, ours, "wr_1", [item], "webhook_url")
    assert unrequested.key == "nothing_unrequested|/webhooks/workflow_run/post|unrequested"
    assert "POST /x" in unrequested.detail
    webhook_checks.delivery_method(ours, "post")
    assert violation(webhook_checks.delivery_method, ours, "PUT").kind == "method"


def test_the_sink_tells_any_process_what_arrived() -> None:
    with Sink() as sink:
        for path, body in (("/webhooks/a", b'{"run_id": "wr_7"}'), ("/webhooks/b", b"{}"), ("/other", b"wr_7")):
            request = urllib.request.Request(sink.url + path, data=body, headers={"X-Sig": "s"}, method="POST")
            urllib.request.urlopen(request, timeout=5).close()
        at_a = fetch_received(sink.url, path="/webhooks/a")
        assert [(r.method, r.path, r.body, r.headers["X-Sig"]) for r in at_a] == [
            ("POST", "/webhooks/a", b'{"run_id": "wr_7"}', "s")
        ]
        assert at_a[0].received_at > 0
        assert [r.path for r in fetch_received(sink.url, contains="wr_7")] == ["/webhooks/a", "/other"]
        assert fetch_received(sink.url, path="/webhooks/none") == []
        assert len(sink.received()) == 3  # the reads themselves are not kept
    assert Received.from_json(at_a[0].to_json()) == at_a[0]
