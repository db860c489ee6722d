"""Where the client's code goes, and what each module imports.

A spec of up to `SPLIT_OPERATIONS` operations makes one `_client.py`: the aliases its signatures name, the endpoints,
the class describing every operation once (`Api.methods_name`), the waiting helpers and the four client classes. Above
it, the descriptions move to a `_methods/` package, one module per group of operations (`MethodGroup`), each imported
on the first use of one of its methods (the runtime's `LazyMethods`), as a large spec's models are: importing the
client then costs the client classes, whatever the spec's size. A group is the operations of one tag (their first),
in spec order, cut into modules of at most `GROUP_SIZE` (`_pets`, `_pets_2`); operations without a tag are cut
alike, in spec order, each module named after its first operation.
"""

from __future__ import annotations

from collections.abc import Iterable

from codegen.ir.nodes import Alias, Import, MethodGroup, Operation, Waiter
from codegen.naming import snake

SPLIT_OPERATIONS = 100
"""Operations above which the client's methods become a `_methods/` package (every golden case and our spec are far
below it; GitHub's 1,200, Kubernetes' 845 and EC2's 1,188 above)."""
GROUP_SIZE = 100
"""The most operations in one module of `_methods/`: a tag with more is cut into modules of equal size."""
FUTURE = Import("__future__", "annotations")
CHECKING = Import("typing", "TYPE_CHECKING")
ALIAS_IMPORTS = (Import("typing", "Literal"), Import("typing", "TypeAlias"))
"""What a module defining an alias (`Alias.line`) imports."""
METHOD_IMPORTS = (
    FUTURE,
    Import("collections.abc", "Mapping"),
    Import("._calls", "Call"),
    Import("._calls", "operation"),
    Import("._response", "Endpoint"),
    Import("._types", "NOT_GIVEN"),
    Import("._types", "NotGiven"),
    Import("._types", "RequestOptions"),
    Import("._types", "Timeout"),
)
"""What the descriptions of operations use whatever the spec (`_method.jinja`): keep it in step with the template."""
CLIENT_IMPORTS = (
    FUTURE,
    Import("functools", "cached_property"),
    Import("._base_client", "AsyncAPIClient"),
    Import("._base_client", "SyncAPIClient"),
    Import("._calls", "AsyncRawClient"),
    Import("._calls", "SyncRawClient"),
)
"""What the client classes use (`_client_class.jinja`)."""
LAZY_IMPORTS = (CHECKING, Import("._calls", "LazyMethods"))
"""What `_client.py` of a client whose methods are in `_methods/` uses besides."""
WAIT_IMPORTS = (
    Import("collections.abc", "Mapping"),
    Import("._types", "NOT_GIVEN"),
    Import("._types", "NotGiven"),
    Import("._types", "Timeout"),
    Import("._wait", "DEFAULT_POLL_INTERVAL"),
    Import("._wait", "DEFAULT_WAIT_TIMEOUT"),
    Import("._wait", "Wait"),
    Import("._wait", "waiter"),
)
"""What a waiting helper (`_wait_method.jinja`) uses, imported when the spec declares one."""


def method_groups(operations: list[Operation]) -> tuple[tuple[str, tuple[Operation, ...]], ...]:
    """(module, operations) of each module of `_methods/`; none for a spec of up to `SPLIT_OPERATIONS`."""
    if len(operations) <= SPLIT_OPERATIONS:
        return ()
    by_tag: dict[str, list[Operation]] = {}
    for op in operations:
        by_tag.setdefault(op.tag, []).append(op)
    taken = {"__init__"}
    found = []
    for tag, members in by_tag.items():
        count = -(-len(members) // GROUP_SIZE)
        size = -(-len(members) // count)
        for start in range(0, len(members), size):
            chunk = tuple(members[start : start + size])
            base = "_" + snake(tag or chunk[0].name).strip("_")
            found.append((_unique(base if base != "_" else "_methods", taken), chunk))
    return tuple(found)


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, ...: unique among `taken` even on a case-insensitive file system (then taken too)."""
    found, n = name, 2
    while found.lower() in taken:
        found, n = f"{name}_{n}", n + 1
    taken.add(found.lower())
    return found


def aliases_of(operations: Iterable[Operation]) -> tuple[Alias, ...]:
    """The aliases the operations' signatures name, sorted."""
    return tuple(sorted({alias for op in operations for hint in op.types for alias in hint.aliases}))


def methods_imports(operations: Iterable[Operation]) -> set[Import]:
    """What a module describing `operations` imports: the template's needs, its types', its endpoints' (media
    types), and the aliases' it defines."""
    operations = list(operations)
    uses = {*METHOD_IMPORTS, *(imported for op in operations for hint in op.types for imported in hint.imports)}
    if any(op.overloads for op in operations):
        uses.update((CHECKING, Import("._calls", "overloaded")))
    media = [item for op in operations for item in op.declared_media]
    if media:
        uses.add(Import("._bodies", "MediaType"))
    if any(item.encoding for item in media):
        uses.add(Import("._bodies", "FieldEncoding"))
    if aliases_of(operations):
        uses.update(ALIAS_IMPORTS)
    return uses


def waiter_imports(waiters: Iterable[Waiter]) -> set[Import]:
    """What the waiting helpers import: the template's needs, and their arguments' and results' types'."""
    waiters = list(waiters)
    if not waiters:
        return set()
    uses = set(WAIT_IMPORTS)
    for waiter in waiters:
        hints = [p.type_hint for p in [*waiter.start.path_params, *waiter.start.forwarded]]
        hints += [waiter.start.return_type, waiter.poll.return_type]
        uses.update(imported for hint in hints for imported in hint.imports)
        if any(hint.aliases for hint in hints):
            uses.update(ALIAS_IMPORTS)
    return uses


def waiter_aliases(waiters: Iterable[Waiter]) -> set[Alias]:
    """The aliases the waiting helpers' signatures name."""
    hints = [p.type_hint for w in waiters for p in [*w.start.path_params, *w.start.forwarded]]
    return {alias for hint in hints for alias in hint.aliases}


def group_of(module: str, operations: tuple[Operation, ...]) -> MethodGroup:
    """The `MethodGroup` of a module of `_methods/`: its relative imports one package up."""
    imports = {Import("." + i.module, i.name) if i.module.startswith(".") else i for i in methods_imports(operations)}
    return MethodGroup(module, operations, tuple(sorted(imports)), aliases_of(operations))
