"""The IR's nodes: typed, frozen values the templates print. No decision is left for a template to make."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

BodyKind = Literal["none", "fields", "whole"]


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
    waiters: tuple[Waiter, ...] = ()

    @property
    def async_client_name(self) -> str:
        return "Async" + self.client_name

    @property
    def exports(self) -> dict[str, tuple[str, ...]]:
        """What the package's `__init__` re-exports from the generated modules: module -> names."""
        return {".": ("models",), "._client": (self.async_client_name, self.client_name)}
