"""The `Api` of a resolved spec: one `Operation` per operation, with names, signatures and types decided (and one
`Webhook` per webhook, by `ir.webhooks`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from codegen.errors import CodegenError, Diagnostic, warning
from codegen.ir.bodies import body_names, build_body
from codegen.ir.modules import (
    CLIENT_IMPORTS,
    LAZY_IMPORTS,
    aliases_of,
    group_of,
    method_groups,
    methods_imports,
    waiter_aliases,
    waiter_imports,
)
from codegen.ir.nodes import Api, Operation, Param, TypeRef, Waiter
from codegen.ir.typemap import ANY, NONE, TypeMapper
from codegen.ir.webhooks import build_webhooks
from codegen.naming import CLIENT_ATTRIBUTES, RESERVED, doc_text, first_line, pascal, snake, unique
from codegen.openapi import METHOD_NAME_EXTENSIONS
from codegen.pointer import join, pointer
from codegen.view import OperationView, SpecView
from codegen.wait import X_WAIT, read_wait

WAIT_NAMES = frozenset(
    {"wait_timeout", "poll_interval", "started", "poll_until", "async_poll_until", "check_wait_options"}
)
"""The names a waiting helper uses itself (its own arguments, a local, the functions it calls): an argument of the
operation it starts (and so of the helper) never takes one."""
BYTES = TypeRef("bytes")
_PATH_PARAM = re.compile(r"{([^{}]+)}")


def build(
    view: SpecView,
    *,
    package: str,
    client_name: str | None,
    env_prefix: str | None,
    model_names: Mapping[str, str],
    lazy_models: bool = False,
) -> tuple[Api, list[Diagnostic]]:
    """The `Api` of a resolved spec, and the warnings met on the way.

    Args:
        model_names: component schema name -> the class `render_models` made of it.
        lazy_models: the models are split into modules loaded on first access (see `codegen.split`).
    """
    notes: list[Diagnostic] = []
    mapper = TypeMapper(view, model_names)
    used_names: set[str] = set()
    default = _server_url(view.servers[0]) if view.servers else None
    names = _sdk_names(view.operations)
    operations = [_operation(mapper, op, notes, used_names, default, names) for op in view.operations]
    waiters = _waiters(view, operations, notes, used_names)
    auth_header, auth_prefix = _auth(view, notes)
    hooks, hook_imports = build_webhooks(view, mapper, notes)
    groups = tuple(group_of(module, members) for module, members in method_groups(operations))
    uses = {*CLIENT_IMPORTS, *waiter_imports(waiters)}
    uses.update(LAZY_IMPORTS if groups else methods_imports(operations))
    aliases = waiter_aliases(waiters) if groups else set(aliases_of(operations))
    api = Api(
        title=view.title,
        version=view.version,
        package=package,
        client_name=client_name or pascal(view.title) + "Client",
        env_prefix=env_prefix or snake(view.title).upper().rstrip("_"),
        default_base_url=_default_server(view, notes),
        auth_header=auth_header,
        auth_prefix=auth_prefix,
        operations=operations,
        spec_name=view.name,
        spec_sha256=view.sha256,
        imports=tuple(sorted(uses)),
        aliases=tuple(sorted(aliases)),
        groups=groups,
        lazy_models=lazy_models,
        webhooks=hooks,
        webhook_imports=hook_imports,
        waiters=waiters,
    )
    return api, notes


def _operation(
    mapper: TypeMapper,
    op: OperationView,
    notes: list[Diagnostic],
    used_names: set[str],
    default_server: str | None,
    sdk_names: Mapping[tuple[str, str], str],
) -> Operation:
    operation = op.operation
    given = sdk_names.get((op.path, op.method)) or operation.get("operationId") or f"{op.method}_{op.path}"
    name = _method_name(snake(given), op.where, notes, used_names)
    taken = set(RESERVED) | (WAIT_NAMES if X_WAIT in operation else set())
    names = body_names(op, taken)
    path_params: list[Param] = []
    params: list[Param] = []
    for param in op.parameters:
        wire, location = param["name"], param["in"]
        if location == "cookie":
            notes.append(warning(op.where, f"cookie parameter {wire!r} is not supported; it is left out"))
            continue
        py_name = unique(snake(wire[2:] if location == "header" and wire.lower().startswith("x-") else wire), taken)
        hint = mapper.hint(param.get("schema", {}), for_input=True)
        required, description = bool(param.get("required", False)), first_line(param.get("description"))
        (path_params if location == "path" else params).append(
            Param(wire, py_name, location, hint, required, description)
        )
    order = {name: index for index, name in enumerate(_PATH_PARAM.findall(op.path))}
    path_params.sort(key=lambda param: order.get(param.name, len(order)))
    body, body_params = build_body(mapper, op, notes, taken, names)
    return Operation(
        name=name,
        method=op.method.upper(),
        path=op.path,
        summary=first_line(operation.get("summary")),
        description=doc_text(str(operation.get("description") or "").split("\n\n", 1)[0]),
        path_params=path_params,
        params=[*body_params, *params],
        body=body,
        return_type=_success_type(mapper, op),
        error_types=_error_types(mapper, op),
        idempotent=operation["x-idempotent"] if isinstance(operation.get("x-idempotent"), bool) else None,
        deprecated=operation.get("deprecated") is True,
        tag=next((str(tag) for tag in operation.get("tags") or [] if isinstance(tag, str)), ""),
        server=_own_server(op, default_server, notes),
    )


def _sdk_names(operations: Sequence[OperationView]) -> dict[tuple[str, str], str]:
    """(path, method) -> the method name an SDK extension gives the operation (`METHOD_NAME_EXTENSIONS`), for those
    whose name no other operation's extension also gives (the others keep their `operationId`)."""
    named = {}
    for op in operations:
        given = next((op.operation[x] for x in METHOD_NAME_EXTENSIONS if isinstance(op.operation.get(x), str)), "")
        if given:
            named[(op.path, op.method)] = snake(given)
    counts = Counter(named.values())
    return {key: name for key, name in named.items() if counts[name] == 1}


def _method_name(name: str, where: str, notes: list[Diagnostic], used_names: set[str]) -> str:
    """`name`, or `name_`... when the client or another method uses it (each time a warning); added to `used_names`."""
    if name in CLIENT_ATTRIBUTES:
        notes.append(warning(where, f"method name {name!r} is a name the client uses itself; using {name}_"))
        name += "_"
    while name in used_names:
        notes.append(warning(where, f"method name {name!r} is taken; using {name}_"))
        name += "_"
    used_names.add(name)
    return name


def _waiters(
    view: SpecView, operations: list[Operation], notes: list[Diagnostic], used_names: set[str]
) -> tuple[Waiter, ...]:
    """The waiting helper of each operation with an `x-wait` (which `validate` has checked)."""
    pairs = list(zip(view.operations, operations, strict=True))
    by_id = {
        op.operation["operationId"]: built for op, built in pairs if isinstance(op.operation.get("operationId"), str)
    }
    found = []
    for op, start in pairs:
        if X_WAIT not in op.operation:
            continue
        declaration, problems = read_wait(op.operation[X_WAIT], join(op.where, X_WAIT))
        if declaration is None:
            raise CodegenError(problems)
        poll = by_id[declaration.poll]
        name = _method_name(declaration.name or f"{start.name}_and_wait", declaration.where, notes, used_names)
        py_names = {param.name: param.py_name for param in [*poll.path_params, *poll.params] if param.location in ("path", "query", "header")}  # fmt: skip
        arguments = tuple((py_names[wire], path) for wire, path in declaration.arguments)
        found.append(Waiter(name, start, poll, arguments, declaration.state, declaration.final))
    return tuple(found)


def _success_type(mapper: TypeMapper, op: OperationView) -> TypeRef:
    codes = sorted(code for code in op.responses if code.startswith("2"))
    if not codes or not op.responses[codes[0]].media:
        return NONE
    media = op.responses[codes[0]].json
    if media is None:
        return BYTES
    return mapper.hint(media.schema, for_input=False) if media.schema is not None else ANY


def _error_types(mapper: TypeMapper, op: OperationView) -> list[tuple[str, TypeRef]]:
    """The model of each error response's JSON body, where its schema is a `$ref` to one."""
    found: list[tuple[str, TypeRef]] = []
    for code, response in op.responses.items():
        if code.startswith(("1", "2", "3")):
            continue
        media = response.get("application/json")
        if media is not None and isinstance(media.schema, dict) and "$ref" in media.schema:
            hint = mapper.hint(media.schema, for_input=False)
            if hint.parts[0].model is not None:
                found.append((code if not code.isdigit() else str(int(code)), hint))
    return sorted(found, key=lambda found: (found[0], found[1].hint))


def _auth(view: SpecView, notes: list[Diagnostic]) -> tuple[str | None, str]:
    requirements = view.security or [
        requirement for op in view.operations for requirement in op.operation.get("security", [])
    ]
    for requirement in requirements:
        for name in requirement:
            scheme = view.security_schemes.get(name, {})
            kind = scheme.get("type")
            if kind == "apiKey" and scheme.get("in") == "header":
                return str(scheme["name"]), ""
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                return "authorization", "Bearer "
            if kind == "oauth2":
                return "authorization", "Bearer "
            notes.append(warning(pointer("components", "securitySchemes", name), f"security scheme {kind!r} is not supported"))  # fmt: skip
    return None, ""


def _own_server(op: OperationView, default: str | None, notes: list[Diagnostic]) -> str | None:
    """The URL of the operation's own server (its or its path item's first), when that is not the spec's `default`;
    one that is not an absolute URL is a warning: its calls go to the client's base URL."""
    if not op.servers or (url := _server_url(op.servers[0])) == default:
        return None
    if not url.startswith(("http://", "https://")):
        notes.append(warning(op.servers_where, f"server url {url!r} is not absolute: its calls go to the client's base_url"))  # fmt: skip
        return None
    return url


def _server_url(server: Mapping[str, Any]) -> str:
    """A server's URL with each variable at its default, without a trailing slash."""
    url = str(server.get("url"))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return url.rstrip("/")


def _default_server(view: SpecView, notes: list[Diagnostic]) -> str | None:
    if not view.servers:
        return None
    url = _server_url(view.servers[0])
    if not url.startswith(("http://", "https://")):
        notes.append(warning(pointer("servers", 0, "url"), f"server url {url!r} is not absolute: base_url is required"))
        return None
    return url
