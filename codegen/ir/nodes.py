"""The IR's nodes: typed, frozen values the templates print. No decision is left for a template to make."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

BodyKind = Literal["none", "fields", "whole"]
KeyKind = Literal["api-key", "secret"]


@dataclass(frozen=True, order=True, slots=True)
class Import:
    """One imported name: `from module import name`, or `import module` when `name` is empty.

    Example:
        >>> Import("typing", "Any").line, Import("datetime").line
        ('from typing import Any', 'import datetime')
    """

    module: str
    name: str = ""

    @property
    def section(self) -> int:
        """isort's sections: 0 `__future__`, 1 standard library, 2 third party, 3 this package (relative)."""
        if self.module == "__future__":
            return 0
        if self.module.startswith("."):
            return 3
        return 1 if self.module.partition(".")[0] in sys.stdlib_module_names else 2

    @property
    def line(self) -> str:
        return f"from {self.module} import {self.name}" if self.name else f"import {self.module}"


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as generated code spells it, with the imports the spelling needs.

    Attributes:
        hint: the annotation text (`list[models.Run]`, `str | None`).
        imports: what `hint` needs imported, nested types' imports included.
        members: the parts of a union, each itself no union; empty for a type that is not one.
        model: the generated model class this type names (`Run` for `models.Run`), if it names one.

    Example:
        >>> TypeRef("int")
        TypeRef(hint='int', imports=frozenset(), members=(), model=None)
    """

    hint: str
    imports: frozenset[Import] = frozenset()
    members: tuple[TypeRef, ...] = ()
    model: str | None = None

    def __str__(self) -> str:
        """The hint, so a template prints a `TypeRef` as it prints text."""
        return self.hint

    @property
    def parts(self) -> tuple[TypeRef, ...]:
        """The members of a union; a type that is not one is its own only part."""
        return self.members or (self,)


@dataclass(frozen=True, slots=True)
class Param:
    """One argument of a generated method.

    Attributes:
        name: the name on the wire (JSON property, query or header name).
        py_name: the Python argument name.
        location: `path`, `query`, `header` or `body`.
        type_hint: its type, without the `NotGiven` of optional arguments.
        required: no default: the caller must pass it.
        description: first line of the spec's description.
    """

    name: str
    py_name: str
    location: str
    type_hint: TypeRef
    required: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class Operation:
    """One generated method (rendered four times: sync/async, parsed/raw).

    Attributes:
        error_types: (status code or `4XX`/`default`, the model of its JSON body), sorted.
    """

    name: str
    method: str
    path: str
    summary: str
    description: str
    path_params: list[Param]
    params: list[Param]
    body_kind: BodyKind
    return_type: TypeRef
    error_types: list[tuple[str, TypeRef]]
    idempotent: bool | None
    deprecated: bool

    @property
    def endpoint_name(self) -> str:
        return "_" + self.name.upper()

    def located(self, location: str) -> list[Param]:
        return [param for param in self.params if param.location == location]

    @property
    def types(self) -> Iterable[TypeRef]:
        """Every type the generated method and its endpoint spell out."""
        yield from (param.type_hint for param in [*self.path_params, *self.params])
        yield self.return_type
        yield from (hint for _, hint in self.error_types)


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """How a webhook delivery is signed: a webhook's `x-signature` (see `codegen.webhooks`), checked.

    Attributes:
        digest: the HMAC's hash, as `hashlib` names it (`sha256`, `sha512`).
        encoding: how the digest is written in the header: `hex` or `base64`.
        header: the header that carries the signature.
        prefix: text before the digest in that header (`sha256=`), empty for none.
        key: what the HMAC is keyed with: `api-key` (the API key the client sends) or `secret` (a signing secret
            the user configures).
        timestamp_header: the header that holds the unix time of sending, if the webhook has one.
    """

    digest: str
    encoding: str
    header: str
    prefix: str = ""
    key: KeyKind = "api-key"
    timestamp_header: str | None = None


@dataclass(frozen=True, slots=True)
class Webhook:
    """One generated function of `webhooks.py`: verify a delivery (when it is signed), then parse its payload.

    Attributes:
        name: the function's name (`verify_invoice_paid_webhook`, or `parse_...` for an unsigned webhook).
        key: the webhook's key in the spec's `webhooks` (`invoice.paid`).
        method: the HTTP method of the delivery, upper case.
        payload: the type the JSON body parses into.
        signature: how deliveries are signed; `None` for a webhook without `x-signature` (nothing is verified).
    """

    name: str
    key: str
    method: str
    summary: str
    description: str
    payload: TypeRef
    signature: SignatureScheme | None

    @property
    def scheme_name(self) -> str:
        """The module-level constant holding the runtime's scheme: `_INVOICE_PAID_WEBHOOK_SIGNATURE`."""
        return "_" + self.name.removeprefix("verify_").upper() + "_SIGNATURE"


@dataclass(frozen=True, slots=True)
class Waiter:
    """A helper that calls `start`, then polls with `poll` until the state is final (the spec's `x-wait`).

    Rendered on the sync and async clients (not on the raw-response twins); it takes `start`'s arguments and
    returns `poll`'s result.

    Attributes:
        name: the helper's method name (`run_workflow_and_wait`).
        arguments: (`poll`'s argument, the attribute path to its value in `start`'s result), in spec order:
            `(("run_id", ("run_id",)),)` makes `get_run(run_id=started.run_id)`.
        state: the attribute path to the state in `poll`'s result: `("status",)` reads `polled.status`.
        final: the states that end the wait, as the spec writes them.

    Example:
        >>> waiter.final_name, waiter.state
        ('_RUN_WORKFLOW_AND_WAIT_FINAL', ('status',))
    """

    name: str
    start: Operation
    poll: Operation
    arguments: tuple[tuple[str, tuple[str, ...]], ...]
    state: tuple[str, ...]
    final: tuple[str | int | float | bool, ...]

    @property
    def final_name(self) -> str:
        """The module constant holding `final`."""
        return "_" + self.name.upper() + "_FINAL"


@dataclass(frozen=True, slots=True)
class Api:
    """Everything the templates need about one spec.

    Attributes:
        imports: what `_client.py` imports, sorted: its own code's needs and those of every type it spells.
        lazy_models: the models are a package loaded on first access (a large spec): the endpoints name their
            types in a `lambda`, so that importing the client imports no model.
        webhooks: the functions of `webhooks.py`, generated only when there is one.
        webhook_imports: what `webhooks.py` imports, sorted.
        waiters: the waiting helpers the spec declares (`x-wait`), in the order of their start operations.
    """

    title: str
    version: str
    package: str
    client_name: str
    env_prefix: str
    default_base_url: str | None
    auth_header: str | None
    auth_prefix: str
    operations: list[Operation]
    spec_name: str
    spec_sha256: str
    imports: tuple[Import, ...] = ()
    lazy_models: bool = False
    webhooks: tuple[Webhook, ...] = ()
    webhook_imports: tuple[Import, ...] = ()
    waiters: tuple[Waiter, ...] = ()

    @property
    def signed_webhooks(self) -> tuple[Webhook, ...]:
        """The webhooks with a signature to verify (their functions are `verify_*`)."""
        return tuple(webhook for webhook in self.webhooks if webhook.signature is not None)

    @property
    def async_client_name(self) -> str:
        return "Async" + self.client_name

    @property
    def exports(self) -> dict[str, tuple[str, ...]]:
        """What the package's `__init__` re-exports from the generated modules: module -> names."""
        found = {".": ("models",), "._client": (self.async_client_name, self.client_name)}
        if self.webhooks:
            found[".webhooks"] = tuple(sorted(webhook.name for webhook in self.webhooks))
        return found
