"""The `x-wait` extension: how to wait for the resource an operation starts until it settles.

On an operation (the one that starts something):

    x-wait:
      poll: get_job                  # operationId of the operation that reads the resource back
      parameters:                    # its arguments, as OpenAPI link runtime expressions into this operation's
        job_id: $response.body#/id   #   2xx JSON body
      state: /state                  # JSON pointer into the poll operation's 2xx JSON body
      final: [done, failed]          # the states that end the wait
      name: start_job_and_wait       # optional; default `<operation's method>_and_wait`

The generated client then has `<name>` (sync and async): it takes the operation's arguments, calls it, polls until
the state is final and returns the poll operation's last response (see `runtime/_wait.py`). Both bodies must be
component models, and every property named on the way a required, non-null one whose name is a plain Python name
(the generated code reads it as an attribute). `read_wait` reads one declaration, `check_waits` (from `validate`)
checks each one against the spec, and `codegen.ir.build` makes the IR's `Waiter` of what `read_wait` returns.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from codegen.errors import Diagnostic, error
from codegen.openapi import METHODS, SCHEMA_REF, is_json
from codegen.pointer import deref, join, pointer, unescape

X_WAIT = "x-wait"
KEYS = ("poll", "parameters", "state", "final", "name")
BODY_EXPRESSION = "$response.body#"
Scalar = str | int | float | bool
_MODEL_ATTRIBUTES = frozenset(dir(BaseModel))
_MAX_DEPTH = 16


@dataclass(frozen=True, slots=True)
class WaitDeclaration:
    """One `x-wait`, read but not yet checked against the rest of the spec.

    Attributes:
        where: its JSON pointer (`#/paths/~1jobs/post/x-wait`).
        poll: the poll operation's operationId.
        arguments: (poll parameter's name on the wire, property path into the start operation's 2xx body).
        state: property path into the poll operation's 2xx body.
        final: the final states, in spec order.
        name: the helper's name, if the spec gives one.
    """

    where: str
    poll: str
    arguments: tuple[tuple[str, tuple[str, ...]], ...]
    state: tuple[str, ...]
    final: tuple[Scalar, ...]
    name: str | None = None


def read_wait(raw: Any, where: str) -> tuple[WaitDeclaration | None, list[Diagnostic]]:
    """The declaration of one `x-wait` value at `where`, or None and why it cannot be read."""
    if not isinstance(raw, dict):
        return None, [error(where, f"{X_WAIT} must be a mapping, got {type(raw).__name__}")]
    found = [
        error(join(where, key), f"unknown key {key!r}; {X_WAIT} takes {', '.join(KEYS)}")
        for key in raw
        if key not in KEYS
    ]
    poll = raw.get("poll")
    if not isinstance(poll, str) or not poll:
        found.append(error(join(where, "poll"), "poll must be the operationId of the operation that reads the resource"))  # fmt: skip
    arguments: list[tuple[str, tuple[str, ...]]] = []
    parameters = raw.get("parameters", {})
    if not isinstance(parameters, dict):
        found.append(error(join(where, "parameters"), f"parameters must be a mapping, got {type(parameters).__name__}"))  # fmt: skip
        parameters = {}
    for name, expression in parameters.items():
        path = _body_path(expression)
        if path is None:
            message = f"{expression!r} is not a runtime expression {BODY_EXPRESSION}/<property>[/<property>...]"
            found.append(error(join(where, "parameters", name), message))
        else:
            arguments.append((str(name), path))
    state = _pointer_path(raw.get("state"))
    if state is None:
        found.append(error(join(where, "state"), f"state must be a JSON pointer such as '/status', got {raw.get('state')!r}"))  # fmt: skip
    final = raw.get("final")
    if not isinstance(final, list) or not final:
        found.append(error(join(where, "final"), "final must be a non-empty list of the states that end the wait"))
        final = []
    for index, value in enumerate(final):
        if not isinstance(value, str | int | float):
            found.append(error(join(where, "final", index), f"a final state must be a string, number or boolean, got {value!r}"))  # fmt: skip
    name = raw.get("name")
    if name is not None and not (isinstance(name, str) and _is_plain_name(name)):
        found.append(error(join(where, "name"), f"name must be a Python identifier not starting with '_', got {name!r}"))  # fmt: skip
    if found or not isinstance(poll, str) or state is None:
        return None, found
    return WaitDeclaration(where, poll, tuple(arguments), state, tuple(final), name), []


def check_waits(spec: dict[str, Any]) -> list[Diagnostic]:
    """Every problem of the spec's `x-wait` declarations, each at its JSON pointer."""
    operations = _operations(spec)
    by_id = {op.id: op for op in reversed(operations) if op.id is not None}  # the first of an id (validate reports)
    return [problem for op in operations if X_WAIT in op.operation for problem in _check(spec, op, by_id)]


@dataclass(frozen=True, slots=True)
class _Located:
    """An operation of the raw spec, with its pointer and path item."""

    where: str
    item: dict[str, Any]
    operation: dict[str, Any]

    @property
    def id(self) -> str | None:
        operation_id = self.operation.get("operationId")
        return operation_id if isinstance(operation_id, str) else None


def _check(spec: dict[str, Any], start: _Located, by_id: Mapping[str, _Located]) -> list[Diagnostic]:
    declaration, found = read_wait(start.operation[X_WAIT], join(start.where, X_WAIT))
    if declaration is None:
        return found
    at = declaration.where
    start_body = _body_model(spec, start.operation)
    if start_body is None:
        found.append(error(join(start.where, "responses"), f"{X_WAIT}: the operation {_NO_MODEL}"))
    poll = by_id.get(declaration.poll)
    if poll is None:
        found.append(error(join(at, "poll"), f"unknown operationId {declaration.poll!r}"))
        return found
    body = deref(spec, poll.operation.get("requestBody"))
    if isinstance(body, dict) and body.get("required") is True:
        found.append(error(join(at, "poll"), f"{declaration.poll!r} needs a request body: the poll must be a read"))
    parameters = _parameters(spec, poll)
    for name, path in declaration.arguments:
        if name not in parameters:
            known = ", ".join(sorted(parameters)) or "none"
            found.append(error(join(at, "parameters", name), f"{declaration.poll!r} has no parameter {name!r} (it has: {known})"))  # fmt: skip
        if start_body is not None:
            found.extend(_check_path(spec, start_body, path, join(at, "parameters", name), "the operation's"))
    given = {name for name, _ in declaration.arguments}
    for name, param in parameters.items():
        if param.get("required") is True and name not in given:
            found.append(error(join(at, "parameters"), f"required parameter {name!r} of {declaration.poll!r} is not given"))  # fmt: skip
    poll_body = _body_model(spec, poll.operation)
    if poll_body is None:
        found.append(error(join(at, "poll"), f"the poll operation {declaration.poll!r} {_NO_MODEL}"))
        return found
    problems = _check_path(spec, poll_body, declaration.state, join(at, "state"), f"{declaration.poll!r}'s")
    found.extend(problems)
    enum = None if problems else deref(spec, _schema_at(spec, poll_body, declaration.state)).get("enum")
    for index, value in enumerate(declaration.final):
        if isinstance(enum, list) and value not in enum:
            found.append(error(join(at, "final", index), f"{value!r} is not a value of the state's enum {enum}"))
    return found


def _operations(spec: dict[str, Any]) -> list[_Located]:
    paths = spec.get("paths")
    found = []
    for path, item in paths.items() if isinstance(paths, dict) else ():
        item = deref(spec, item)
        for method in METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                found.append(_Located(pointer("paths", path, method), item, item[method]))
    return found


def _parameters(spec: dict[str, Any], op: _Located) -> dict[str, dict[str, Any]]:
    """The operation's parameters a call can pass (its path item's merged in; no cookies), dereferenced, by name."""
    merged: dict[str, dict[str, Any]] = {}
    shared, own = op.item.get("parameters"), op.operation.get("parameters")
    for raw in [*(shared if isinstance(shared, list) else []), *(own if isinstance(own, list) else [])]:
        param = deref(spec, raw)
        if isinstance(param, dict) and isinstance(param.get("name"), str) and param.get("in") != "cookie":
            merged[param["name"]] = param
    return merged


_NO_MODEL = "needs a first 2xx response whose JSON body is a $ref to a component schema (a model to read from)"


def _body_model(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """The first 2xx response's JSON schema, when it is a `$ref` to a component schema."""
    responses = operation.get("responses")
    by_code = {str(code): response for code, response in responses.items()} if isinstance(responses, dict) else {}
    codes = sorted(code for code in by_code if code.startswith("2"))
    response = deref(spec, by_code[codes[0]]) if codes else None
    content = response.get("content") if isinstance(response, dict) else None
    media = (
        next(
            (value for name, value in content.items() if is_json(str(name))),
            None,
        )
        if isinstance(content, dict)
        else None
    )
    schema = media.get("schema") if isinstance(media, dict) else None
    if isinstance(schema, dict) and str(schema.get("$ref", "")).startswith(SCHEMA_REF):
        return schema
    return None


def _check_path(spec: dict[str, Any], schema: Any, path: tuple[str, ...], where: str, whose: str) -> list[Diagnostic]:
    """The problems of reading `path` (property names) as attributes of the model of `schema`."""
    node = schema
    for depth, name in enumerate(path):
        at = "/" + "/".join(path[: depth + 1])
        if not _is_plain_name(name) or name.startswith("model_") or name in _MODEL_ATTRIBUTES:
            return [error(where, f"{at}: {name!r} is read as an attribute of the model: it must be a plain Python name")]  # fmt: skip
        found = _property(spec, node, name)
        if found is None:
            return [error(where, f"{at}: {whose} 2xx body has no property {name!r}")]
        child, required = found
        if not required:
            return [error(where, f"{at}: property {name!r} of {whose} 2xx body is not required")]
        if _may_be_null(spec, child):
            return [error(where, f"{at}: property {name!r} of {whose} 2xx body may be null")]
        node = child
    return []


def _schema_at(spec: dict[str, Any], schema: Any, path: tuple[str, ...]) -> Any:
    """The schema of the property at `path`; `_check_path` has found no problem with it."""
    for name in path:
        found = _property(spec, schema, name)
        assert found is not None
        schema = found[0]
    return schema


def _property(spec: dict[str, Any], schema: Any, name: str, depth: int = 0) -> tuple[Any, bool] | None:
    """Property `name` of `schema` (its `$ref`s and `allOf` parts followed): its schema and whether it is required."""
    schema = deref(spec, schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    required = name in schema.get("required", []) if isinstance(schema.get("required"), list) else False
    properties = schema.get("properties")
    child = properties.get(name) if isinstance(properties, dict) else None
    for part in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        inherited = _property(spec, part, name, depth + 1)
        if inherited is not None:
            child = inherited[0] if child is None else child
            required = required or inherited[1]
        elif isinstance(deref(spec, part), dict) and name in (deref(spec, part).get("required") or []):
            required = True
    return None if child is None else (child, required)


def _may_be_null(spec: dict[str, Any], schema: Any, depth: int = 0) -> bool:
    schema = deref(spec, schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return False
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types) or schema.get("nullable") is True:
        return True
    options = [option for key in ("anyOf", "oneOf") if isinstance(schema.get(key), list) for option in schema[key]]
    return any(_may_be_null(spec, option, depth + 1) for option in options)


def _body_path(expression: Any) -> tuple[str, ...] | None:
    """`$response.body#/a/b` -> `("a", "b")`; None for another expression."""
    if not isinstance(expression, str) or not expression.startswith(BODY_EXPRESSION):
        return None
    return _pointer_path(expression[len(BODY_EXPRESSION) :])


def _pointer_path(text: Any) -> tuple[str, ...] | None:
    """`/a/b` -> `("a", "b")`; None for what is not a JSON pointer to a property (`""`, `/`, `a`)."""
    if not isinstance(text, str) or not text.startswith("/") or text == "/":
        return None
    segments = tuple(unescape(segment) for segment in text[1:].split("/"))
    return None if "" in segments else segments


def _is_plain_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")
