"""The spec's `webhooks` in the generator: each problem one error at its pointer, the IR's values, a 3.0 spec left
alone, and a generated `webhooks.py` (the `signed_webhooks` golden spec) that verifies, parses and type-checks."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import Level
from codegen.ir import build
from codegen.ir.nodes import SignatureScheme
from codegen.load import from_data
from codegen.pipeline import Options, generate_files, write
from codegen.validate import validate
from codegen.view import resolve_view
from tests.codegen.conftest import MINIMAL, write_spec

GOLDEN = Path(__file__).parent / "golden" / "signed_webhooks" / "openapi.yaml"
SIGNATURE = {"algorithm": "hmac-sha256", "encoding": "hex", "header": "x-sig"}
HOOK = "#/webhooks/order.shipped/post"


def spec_with_webhook(signature: Any = SIGNATURE, version: str = "3.1.0", **operation: Any) -> dict[str, Any]:
    spec = copy.deepcopy(MINIMAL)
    spec["openapi"] = version
    hook: dict[str, Any] = {
        "parameters": [{"name": "X-Sig", "in": "header", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
        **operation,
    }
    if signature is not None:
        hook["x-signature"] = signature
    spec["webhooks"] = {"order.shipped": {"post": hook}}
    spec["components"] = {"schemas": {"Order": {"type": "object", "properties": {"id": {"type": "string"}}}}}
    return spec


def errors(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d.pointer, d.message) for d in validate(spec) if d.level is Level.ERROR]


@pytest.mark.parametrize(
    ("signature", "operation", "where", "message"),
    [
        ({**SIGNATURE, "algorithm": "hmac-md5"}, {}, f"{HOOK}/x-signature/algorithm", "'hmac-md5' is not supported"),
        (
            {**SIGNATURE, "algorithm": "ed25519"},
            {},
            f"{HOOK}/x-signature/algorithm",
            "supported: hmac-sha256, hmac-sha512",
        ),
        ({**SIGNATURE, "encoding": "base32"}, {}, f"{HOOK}/x-signature/encoding", "'base32' is not supported"),
        ({k: v for k, v in SIGNATURE.items() if k != "header"}, {}, f"{HOOK}/x-signature", "needs 'header'"),
        ({k: v for k, v in SIGNATURE.items() if k != "algorithm"}, {}, f"{HOOK}/x-signature", "needs 'algorithm'"),
        ({**SIGNATURE, "header": ""}, {}, f"{HOOK}/x-signature/header", "a non-empty string"),
        ({**SIGNATURE, "timestamp-header": 5}, {}, f"{HOOK}/x-signature/timestamp-header", "a non-empty string"),
        ({**SIGNATURE, "signed": "timestamp.body"}, {}, f"{HOOK}/x-signature/signed", "supported: body"),
        ({**SIGNATURE, "key": "password"}, {}, f"{HOOK}/x-signature/key", "supported: api-key, secret"),
        ({**SIGNATURE, "prefix": 256}, {}, f"{HOOK}/x-signature/prefix", "prefix must be a string"),
        ({**SIGNATURE, "timestamp_header": "x-ts"}, {}, f"{HOOK}/x-signature/timestamp_header", "unknown field"),
        ("hmac-sha256", {}, f"{HOOK}/x-signature", "must be a mapping"),
        (SIGNATURE, {"requestBody": None}, f"{HOOK}/requestBody", "needs a request body"),
        (
            SIGNATURE,
            {"requestBody": {"content": {"text/plain": {"schema": {"type": "string"}}}}},
            f"{HOOK}/requestBody/content",
            "must be JSON, got text/plain",
        ),
        (
            SIGNATURE,
            {"requestBody": {"content": {"application/json": {}}}},
            f"{HOOK}/requestBody/content/application~1json",
            "needs a schema",
        ),
        (SIGNATURE, {"requestBody": {"description": "no content"}}, f"{HOOK}/requestBody", "needs a content mapping"),
        (SIGNATURE, {"parameters": [{"in": "header"}]}, f"{HOOK}/parameters/0", "needs a name"),
        (SIGNATURE, {"operationId": 7}, f"{HOOK}/operationId", "must be a string"),
    ],
)
def test_each_problem_is_one_error_at_its_pointer(
    signature: Any, operation: dict[str, Any], where: str, message: str
) -> None:
    spec = spec_with_webhook(signature, **operation)
    if operation.get("requestBody", True) is None:
        del spec["webhooks"]["order.shipped"]["post"]["requestBody"]
    found = errors(spec)
    assert len(found) == 1, found
    assert found[0][0] == where
    assert message in found[0][1]


def test_the_section_itself_must_be_mappings() -> None:
    spec = spec_with_webhook()
    spec["webhooks"] = ["order.shipped"]
    assert errors(spec) == [("#/webhooks", "expected a mapping of webhooks, got list")]
    spec["webhooks"] = {"order.shipped": {"summary": "no operation"}}
    assert errors(spec) == [("#/webhooks/order.shipped", "a webhook needs an operation (post, put, ...)")]


def test_a_good_webhook_validates_without_responses_or_operation_id() -> None:
    assert validate(spec_with_webhook()) == []


def test_a_signature_header_the_webhook_does_not_declare_is_a_warning() -> None:
    found = validate(spec_with_webhook({**SIGNATURE, "header": "x-other"}))
    assert [(d.level, d.pointer) for d in found] == [(Level.WARNING, f"{HOOK}/x-signature/header")]


def build_api(spec: dict[str, Any], models: dict[str, str] | None = None) -> Any:
    assert errors(spec) == []
    view = resolve_view(from_data(spec))
    return build(view, package="shop", client_name=None, env_prefix=None, model_names=models or {"Order": "Order"})


def test_the_ir_carries_the_scheme_the_payload_and_the_name() -> None:
    signature = {**SIGNATURE, "algorithm": "hmac-sha512", "encoding": "base64", "prefix": "v1=", "key": "secret"}
    api, notes = build_api(spec_with_webhook({**signature, "header": "X-Sig", "timestamp-header": "X-Sent-At"}))
    [hook] = api.webhooks
    assert hook.name == "verify_order_shipped_webhook"
    assert (hook.key, hook.method, hook.payload.hint) == ("order.shipped", "POST", "models.Order")
    assert hook.signature == SignatureScheme("sha512", "base64", "x-sig", "v1=", "secret", "x-sent-at")
    assert api.exports[".webhooks"] == ("verify_order_shipped_webhook",)
    assert not [note for note in notes if "webhooks" in note.pointer]


def test_the_operation_id_names_the_function() -> None:
    api, _ = build_api(spec_with_webhook(operationId="orderShipped"))
    assert api.webhooks[0].name == "verify_order_shipped_webhook"
    api, _ = build_api(spec_with_webhook(operationId="on_ship"))
    assert api.webhooks[0].name == "verify_on_ship_webhook"


def test_an_unsigned_webhook_gets_a_parse_function_and_a_warning() -> None:
    api, notes = build_api(spec_with_webhook(None))
    assert api.webhooks[0].name == "parse_order_shipped_webhook"
    assert api.webhooks[0].signature is None
    assert any(n.pointer == HOOK and "checks no signature" in n.message for n in notes)


def test_an_inline_payload_is_parsed_as_its_plain_type_with_a_warning() -> None:
    inline = {"content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}
    api, notes = build_api(spec_with_webhook(requestBody=inline))
    assert api.webhooks[0].payload.hint == "dict[str, Any]"
    [note] = [n for n in notes if n.pointer.endswith("/schema")]
    assert note.pointer == f"{HOOK}/requestBody/content/application~1json/schema"
    assert "components/schemas" in note.message
    listed = {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}}  # fmt: skip
    api, notes = build_api(spec_with_webhook(requestBody=listed))
    assert api.webhooks[0].payload.hint == "list[models.Order]"
    assert not [n for n in notes if n.pointer.endswith("/schema")]  # typed all the way: nothing to warn of


def test_a_30_spec_is_unaffected_by_a_webhooks_key(tmp_path: Path) -> None:
    with_hooks = spec_with_webhook(version="3.0.3")
    plain = copy.deepcopy(with_hooks)
    del plain["webhooks"]
    made = {}
    for name, spec in (("hooks", with_hooks), ("plain", plain)):
        (tmp_path / name).mkdir()
        path = write_spec(tmp_path / name, spec)
        files, notes = generate_files(Options(path, tmp_path, "shop"))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        made[name] = ({file: text.replace(digest, "<sha256>") for file, text in files.items()}, notes)
    assert "webhooks.py" not in made["hooks"][0]
    assert made["hooks"][0] == made["plain"][0]
    assert [(n.level, n.pointer) for n in made["hooks"][1] if "webhooks" in n.pointer] == [
        (Level.WARNING, "#/webhooks")
    ]


def test_a_spec_without_webhooks_gets_no_webhook_module_or_names(tmp_path: Path) -> None:
    files, _ = generate_files(Options(write_spec(tmp_path, MINIMAL), tmp_path, "pets"))
    assert "webhooks.py" not in files
    assert "_webhooks.py" not in files
    assert "Webhook" not in files["__init__.py"]


@pytest.fixture(scope="module")
def payments(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The golden `signed_webhooks` spec generated and imported as `payments_hooks`."""
    out = tmp_path_factory.mktemp("payments")
    write(Options(GOLDEN, out, "payments_hooks"))
    sys.path.insert(0, str(out))
    try:
        yield __import__("payments_hooks")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.split(".")[0] == "payments_hooks"]:
            del sys.modules[name]


EVENT = b'{"type":"invoice.paid","invoice":{"id":"in_1","status":"paid","amount":500}}'


def test_base64_with_a_prefix_and_a_secret(payments: Any) -> None:
    digest = hmac.new(b"whsec_1", EVENT, hashlib.sha256).digest()
    headers = {"Payments-Signature": "sha256=" + base64.b64encode(digest).decode(), "Payments-Timestamp": str(int(time.time()))}  # fmt: skip
    event = payments.verify_invoice_paid_webhook(EVENT, headers, key="whsec_1")
    assert isinstance(event, payments.models.InvoiceEvent)
    assert event.invoice.amount == 500
    with pytest.raises(payments.InvalidSignatureError):
        payments.verify_invoice_paid_webhook(EVENT, {**headers, "Payments-Signature": digest.hex()}, key="whsec_1")
    stale = {**headers, "Payments-Timestamp": str(int(time.time()) - 301)}
    with pytest.raises(payments.InvalidTimestampError):
        payments.verify_invoice_paid_webhook(EVENT, stale, key="whsec_1")
    assert payments.verify_invoice_paid_webhook(EVENT, stale, key="whsec_1", tolerance=None) == event
    assert payments.verify_invoice_paid_webhook(EVENT, stale, key="whsec_1", tolerance=400) == event


def test_sha512_hex_and_a_list_payload(payments: Any) -> None:
    body = b'[{"id":"re_1","invoice_id":"in_1","amount":5}]'
    headers = {"x-refund-signature": hmac.new(b"sk_live", body, hashlib.sha512).hexdigest()}
    [refund] = payments.verify_refund_issued_webhook(body, headers, key="sk_live")
    assert isinstance(refund, payments.models.Refund)
    assert refund.id == "re_1"
    with pytest.raises(payments.InvalidSignatureError):
        payments.verify_refund_issued_webhook(body, {"x-refund-signature": hmac.new(b"sk_live", body, hashlib.sha256).hexdigest()}, key="sk_live")  # fmt: skip
    with pytest.raises(payments.MissingSignatureError):
        payments.verify_refund_issued_webhook(body, {}, key="sk_live")


def test_an_unsigned_webhook_only_parses(payments: Any) -> None:
    assert payments.parse_invoice_voided_webhook(b'{"invoice_id":"in_1"}') == {"invoice_id": "in_1"}
    with pytest.raises(payments.WebhookPayloadError):
        payments.parse_invoice_voided_webhook(b"[]")


@pytest.mark.slow
def test_the_generated_webhooks_module_is_mypy_strict_clean(payments: Any) -> None:
    package = Path(payments.__file__).parent
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", package.name],
        cwd=package.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


def test_a_webhook_given_by_ref_is_resolved_like_a_path_item() -> None:
    spec = spec_with_webhook()
    spec["components"]["pathItems"] = {"Shipped": spec["webhooks"]["order.shipped"]}
    spec["webhooks"]["order.shipped"] = {"$ref": "#/components/pathItems/Shipped"}
    api, _ = build_api(spec)
    assert [(hook.name, hook.payload.hint) for hook in api.webhooks] == [
        ("verify_order_shipped_webhook", "models.Order")
    ]
