"""The IR's nodes: typed, frozen values the templates print. No decision is left for a template to make."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

BodyKind = Literal["json", "form", "multipart", "text", "binary"]
"""How a request body of one media type is encoded: the runtime's `_bodies.BodyKind`."""
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
        aliases: the module-level aliases `hint` names (nested types' included): a module that spells it defines them.

    Example:
        >>> TypeRef("int")
        TypeRef(hint='int', imports=frozenset(), members=(), model=None, aliases=frozenset())
    """

    hint: str
    imports: frozenset[Import] = frozenset()
    members: tuple[TypeRef, ...] = ()
    model: str | None = None
    aliases: frozenset[Alias] = frozenset()

    def __str__(self) -> str:
        """The hint, so a template prints a `TypeRef` as it prints text."""
        return self.hint

    @property
    def parts(self) -> tuple[TypeRef, ...]:
        """The members of a union; a type that is not one is its own only part."""
        return self.members or (self,)


@dataclass(frozen=True, order=True, slots=True)
class Alias:
    """A type alias a module defines once and its signatures name: `ProxyLocationLiteral`, the `Literal` of the
    values of the enum schema `ProxyLocation` (which callers may pass as text), however many arguments take it.

    Example:
        >>> Alias("ColorLiteral", "Literal['red', 'blue']").line
        "ColorLiteral: TypeAlias = Literal['red', 'blue']"
    """

    name: str
    target: str

    @property
    def line(self) -> str:
        return f"{self.name}: TypeAlias = {self.target}"


@dataclass(frozen=True, slots=True)
class Param:
    """One argument of a generated method.

    Attributes:
        name: the name on the wire (body field, query or header name); empty for `whole` and `content-type`.
        py_name: the Python argument name.
        location: `path`, `query`, `header`, `body` (one field of the body), `whole` (the whole body, `body=`) or
            `content-type` (the media type to send the body as, `content_type=`).
        type_hint: its type, without the `NotGiven` of optional arguments.
        required: no default: the caller must pass it.
        description: first line of the spec's description.
        default: the default's Python text when it is not `NOT_GIVEN` (`'application/json'`).
    """

    name: str
    py_name: str
    location: str
    type_hint: TypeRef
    required: bool
    description: str = ""
    default: str | None = None


@dataclass(frozen=True, slots=True)
class PartEncoding:
    """How one field of a form or multipart body is written: its entry in the media type's `encoding`.

    Attributes:
        field: the field's name in the body.
        style: `form`, `spaceDelimited`, `pipeDelimited` or `deepObject`; `None` when the spec gives none.
        explode: `None` when the spec gives none.
        content_type: a multipart part's `contentType`; `None` when the spec gives none.
    """

    field: str
    style: str | None = None
    explode: bool | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class BodyMedia:
    """One media type an operation's body can be sent as (the runtime's `_bodies.MediaType`).

    Attributes:
        name: as the spec writes it (`application/x-www-form-urlencoded`): a value of `content_type=`.
        kind: how it is encoded.
        header: the `content-type` sent when it is not `name` (`*/*` with a JSON object: `application/json`).
        encoding: the spec's `encoding` of a form or multipart body, by field, in spec order.
    """

    name: str
    kind: BodyKind
    header: str | None = None
    encoding: tuple[PartEncoding, ...] = ()

    @property
    def is_plain_json(self) -> bool:
        """The runtime's default, `application/json` sent as JSON: an endpoint need not say so."""
        return self.name == "application/json" and self.kind == "json" and self.header is None


@dataclass(frozen=True, slots=True)
class Body:
    """An operation's request body: the media types it can be sent as, the default (the first JSON one) first.

    Its arguments are the operation's `Param`s: one per field (`body`) of the default media type's object schema,
    `allOf` merged, the whole body (`whole`) and, with more than one media type, the choice (`content-type`).
    """

    media: tuple[BodyMedia, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation, described once (the runtime's `_calls` makes the sync and async, parsed and raw methods of it).

    Attributes:
        params: the keyword arguments in signature order: the body's fields (required first), the whole body and
            the media type (`body=`, `content_type=`), then query and header parameters.
        body: `None` when the operation takes no body.
        error_types: (status code or `4XX`/`default`, the model of its JSON body), sorted.
        tag: its first tag, empty for none (a large client's methods are grouped into modules by it).
        server: the URL of its own server (its or its path item's `servers`) when that is not the spec's default.
    """

    name: str
    method: str
    path: str
    summary: str
    description: str
    path_params: list[Param]
    params: list[Param]
    body: Body | None
    return_type: TypeRef
    error_types: list[tuple[str, TypeRef]]
    idempotent: bool | None
    deprecated: bool
    tag: str = ""
    server: str | None = None

    @property
    def endpoint_name(self) -> str:
        return "_" + self.name.upper()

    def located(self, location: str) -> list[Param]:
        return [param for param in self.params if param.location == location]

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The body fields a call must give when it does not give the whole body (their names in the body)."""
        return tuple(param.name for param in self.located("body") if param.required)

    @property
    def overloads(self) -> tuple[list[Param], ...]:
        """The signatures type checkers see, when the one of `params` is too loose to tell them: for a body with
        required fields, the fields as keywords (no `body=`), or the whole body (`body=` required, no field).
        The method itself then takes every argument as optional and checks the combination when called."""
        if not self.required_fields:
            return ()
        as_fields = [param for param in self.params if param.location != "whole"]
        whole = [replace(p, required=True) if p.location == "whole" else p for p in self.params if p.location != "body"]
        return as_fields, whole

    @property
    def declared_media(self) -> tuple[BodyMedia, ...]:
        """The media types its `Endpoint` lists: none when the body is only `application/json` (the runtime's
        default) or there is no body."""
        if self.body is None or (len(self.body.media) == 1 and self.body.media[0].is_plain_json):
            return ()
        return self.body.media

    @property
    def forwarded(self) -> list[Param]:
        """The keyword arguments another method (a waiting helper) takes to call this one: the first overload's."""
        return self.overloads[0] if self.overloads else self.params

    @property
    def types(self) -> Iterable[TypeRef]:
        """Every type the generated method and its endpoint spell out."""
        yield from (param.type_hint for param in [*self.path_params, *self.params])
        yield self.return_type
        yield from (hint for _, hint in self.error_types)


@dataclass(frozen=True, slots=True)
class MethodGroup:
    """One module of a large client's methods (`_methods/<module>.py`), loaded on the first use of one of them.

    Attributes:
        module: the module's name (`_core_v1`).
        operations: its operations, in spec order.
        imports: what the module imports.
        aliases: the aliases its signatures name, defined in it.
    """

    module: str
    operations: tuple[Operation, ...]
    imports: tuple[Import, ...]
    aliases: tuple[Alias, ...]


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

    Example (`start` and `poll` are the `Operation`s of `run_workflow` and `get_run`):
        >>> waiter = Waiter("run_workflow_and_wait", ..., ..., (("run_id", ("run_id",)),), ("status",), ("completed",))
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
        aliases: the aliases `_client.py` defines: those its signatures name.
        groups: a large client's methods by module (`_methods/`), loaded on first use; empty: they are all in
            `_client.py`.
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
    aliases: tuple[Alias, ...] = ()
    groups: tuple[MethodGroup, ...] = ()
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
    def methods_name(self) -> str:
        """The class describing every operation, which the four client classes derive their methods from."""
        return "_" + self.client_name.removesuffix("Client") + "Methods"

    @property
    def waiters_name(self) -> str:
        """The class of the waiting helpers (a subclass of `methods_name`'s), which only the two clients derive."""
        return "_" + self.client_name.removesuffix("Client") + "Waiters"

    @property
    def exports(self) -> dict[str, tuple[str, ...]]:
        """What the package's `__init__` re-exports from the generated modules: module -> names."""
        found = {".": ("models",), "._client": (self.async_client_name, self.client_name)}
        if self.webhooks:
            found[".webhooks"] = tuple(sorted(webhook.name for webhook in self.webhooks))
        return found
