"""Step 3: the intermediate representation: typed dataclasses the templates render.

Every decision about names, types and signatures is made here, in Python; templates only print the result.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from codegen.errors import Diagnostic, pointer, warning
from codegen.load import deref, resolve
from codegen.validate import METHODS

BodyKind = Literal["none", "fields", "whole"]

_RESERVED = frozenset({"self", "extra_headers", "timeout", "models", "NOT_GIVEN", "NotGiven", "Any", "Literal"})
_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


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
    type_hint: str
    required: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class Operation:
    """One generated method (rendered four times: sync/async, parsed/raw)."""

    name: str
    method: str
    path: str
    summary: str
    description: str
    path_params: list[Param]
    params: list[Param]
    body_kind: BodyKind
    return_type: str
    error_types: list[tuple[str, str]]
    idempotent: bool | None
    deprecated: bool

    @property
    def endpoint_name(self) -> str:
        return "_" + self.name.upper()

    def located(self, location: str) -> list[Param]:
        return [param for param in self.params if param.location == location]


@dataclass(frozen=True, slots=True)
class Api:
    """Everything the templates need about one spec."""

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
    imports: list[str] = field(default_factory=list)

    @property
    def async_client_name(self) -> str:
        return "Async" + self.client_name


def pascal(name: str) -> str:
    """`run-workflow request` -> `RunWorkflowRequest` (existing inner capitals kept)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", name) if part)


def snake(name: str) -> str:
    """A Python identifier in snake_case: `x-max-steps-override` -> `x_max_steps_override`, `class` -> `class_`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "value"
    if text[0].isdigit():
        text = "n" + text
    return text + "_" if keyword.iskeyword(text) or text in _RESERVED else text


def doc_text(text: object) -> str:
    """Spec prose made safe inside a triple-quoted docstring."""
    return str(text or "").strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def first_line(text: object) -> str:
    return doc_text(str(text or "").strip().split("\n\n", 1)[0].replace("\n", " "))


class TypeMapper:
    """JSON Schema -> Python type hints, naming the generated models where a `$ref` has one."""

    def __init__(self, spec: dict[str, Any], model_names: Mapping[str, str]) -> None:
        self.spec = spec
        self.model_names = model_names
        self.uses: set[str] = set()

    def hint(self, schema: Any, *, for_input: bool, depth: int = 0) -> str:
        if depth > 12 or not isinstance(schema, dict):
            return self._any()
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, for_input=for_input, depth=depth)
        options: list[str] = []
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options.extend(self.hint(option, for_input=for_input, depth=depth + 1) for option in schema[key])
        if options:
            return self._union(options + (["None"] if schema.get("nullable") is True else []))
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            return self._union([self.hint(all_of[0], for_input=for_input, depth=depth + 1), *self._null(schema)])
        types = schema.get("type")
        kinds = types if isinstance(types, list) else [types] if isinstance(types, str) else []
        if not kinds:
            if "properties" in schema or "additionalProperties" in schema or isinstance(all_of, list):
                kinds = ["object"]
            elif "items" in schema:
                kinds = ["array"]
            else:
                return self._any()
        return self._union([self._kind(kind, schema, for_input, depth) for kind in kinds] + self._null(schema))

    def _kind(self, kind: str, schema: dict[str, Any], for_input: bool, depth: int) -> str:
        if kind == "string" and isinstance(schema.get("enum"), list) and for_input:
            values = [value for value in schema["enum"] if isinstance(value, str)]
            if values:
                self.uses.add("Literal")
                return "Literal[" + ", ".join(repr(value) for value in values) + "]"
        if kind == "string" and schema.get("format") == "date-time":
            self.uses.add("datetime")
            return "datetime.datetime"
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        if kind == "array":
            return f"list[{self.hint(schema.get('items', {}), for_input=for_input, depth=depth + 1)}]"
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and not schema.get("properties"):
            return f"dict[str, {self.hint(extra, for_input=for_input, depth=depth + 1)}]"
        return f"dict[str, {self._any()}]"

    def _ref(self, ref: str, *, for_input: bool, depth: int) -> str:
        name = ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        target = resolve(self.spec, ref)
        model = self.model_names.get(name) if ref.startswith("#/components/schemas/") else None
        is_union = isinstance(target, dict) and ("anyOf" in target or "oneOf" in target) and "properties" not in target
        if model is None or is_union:  # a union's root model would make callers wrap values: name its members
            return self.hint(target, for_input=for_input, depth=depth + 1)
        hint = f"models.{model}"
        if for_input and isinstance(target, dict) and isinstance(target.get("enum"), list):
            values = [value for value in target["enum"] if isinstance(value, str)]
            if values:
                self.uses.add("Literal")
                hint += " | Literal[" + ", ".join(repr(value) for value in values) + "]"
        return hint

    def _null(self, schema: dict[str, Any]) -> list[str]:
        return ["None"] if schema.get("nullable") is True else []

    def _any(self) -> str:
        self.uses.add("Any")
        return "Any"

    @staticmethod
    def _union(options: list[str]) -> str:
        parts: list[str] = []
        for option in options:
            for part in _split_union(option):
                if part not in parts:
                    parts.append(part)
        if "Any" in parts:
            return "Any"
        parts.sort(key=lambda part: part == "None")  # None last, stable otherwise
        return " | ".join(parts)


def _split_union(hint: str) -> list[str]:
    parts, level, start = [], 0, 0
    for index, char in enumerate(hint):
        if char == "[":
            level += 1
        elif char == "]":
            level -= 1
        elif char == "|" and level == 0:
            parts.append(hint[start:index].strip())
            start = index + 1
    parts.append(hint[start:].strip())
    return parts


def build(
    spec: dict[str, Any],
    *,
    package: str,
    client_name: str | None,
    env_prefix: str | None,
    model_names: Mapping[str, str],
    spec_name: str,
    spec_sha256: str,
) -> tuple[Api, list[Diagnostic]]:
    """The `Api` of a validated spec, and the warnings met on the way."""
    notes: list[Diagnostic] = []
    mapper = TypeMapper(spec, model_names)
    title = str(spec["info"]["title"])
    operations: list[Operation] = []
    used_names: set[str] = set()
    for path, raw_item in spec["paths"].items():
        item = deref(spec, raw_item)
        for method in METHODS:
            if isinstance(item.get(method), dict):
                operation = _operation(spec, mapper, str(path), method, item, notes, used_names)
                operations.append(operation)
    auth_header, auth_prefix = _auth(spec, notes)
    api = Api(
        title=title,
        version=str(spec["info"].get("version", "")),
        package=package,
        client_name=client_name or pascal(title) + "Client",
        env_prefix=env_prefix or snake(title).upper().rstrip("_"),
        default_base_url=_default_server(spec, notes),
        auth_header=auth_header,
        auth_prefix=auth_prefix,
        operations=operations,
        spec_name=spec_name,
        spec_sha256=spec_sha256,
        imports=sorted(mapper.uses),
    )
    return api, notes


def _operation(
    spec: dict[str, Any],
    mapper: TypeMapper,
    path: str,
    method: str,
    item: dict[str, Any],
    notes: list[Diagnostic],
    used_names: set[str],
) -> Operation:
    operation: dict[str, Any] = item[method]
    where = pointer("paths", path, method)
    name = snake(operation.get("operationId") or f"{method}_{path}")
    while name in used_names:
        notes.append(warning(where, f"method name {name!r} is taken; using {name}_"))
        name += "_"
    used_names.add(name)
    taken = set(_RESERVED)
    path_params: list[Param] = []
    params: list[Param] = []
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
        param = deref(spec, raw)
        merged[(param["name"], param["in"])] = param
    for (wire, location), param in merged.items():
        if location == "cookie":
            notes.append(warning(where, f"cookie parameter {wire!r} is not supported; it is left out"))
            continue
        py_name = _unique(snake(wire[2:] if location == "header" and wire.lower().startswith("x-") else wire), taken)
        schema = param.get("schema", {})
        hint = mapper.hint(schema, for_input=True)
        required = bool(param.get("required", False))
        entry = Param(wire, py_name, location, hint, required, first_line(param.get("description")))
        (path_params if location == "path" else params).append(entry)
    order = {name: index for index, name in enumerate(re.findall(r"{([^{}]+)}", path))}
    path_params.sort(key=lambda param: order.get(param.name, len(order)))
    body_kind, body_params = _body(spec, mapper, operation, where, notes, taken)
    return Operation(
        name=name,
        method=method.upper(),
        path=path,
        summary=first_line(operation.get("summary")),
        description=doc_text(str(operation.get("description") or "").split("\n\n", 1)[0]),
        path_params=path_params,
        params=[*body_params, *params],
        body_kind=body_kind,
        return_type=_success_type(spec, mapper, operation, where, notes),
        error_types=_error_types(spec, mapper, operation),
        idempotent=operation["x-idempotent"] if isinstance(operation.get("x-idempotent"), bool) else None,
        deprecated=operation.get("deprecated") is True,
    )


def _body(
    spec: dict[str, Any],
    mapper: TypeMapper,
    operation: dict[str, Any],
    where: str,
    notes: list[Diagnostic],
    taken: set[str],
) -> tuple[BodyKind, list[Param]]:
    body = deref(spec, operation.get("requestBody"))
    if not isinstance(body, dict):
        return "none", []
    content = body.get("content", {})
    media = next((m for m in content if m == "application/json" or m.endswith("+json")), None)
    if media is None:
        kinds = ", ".join(sorted(content)) or "none"
        notes.append(warning(f"{where}/requestBody", f"request body media type ({kinds}) is not supported: no body"))
        return "none", []
    schema = content[media].get("schema", {}) if isinstance(content[media], dict) else {}
    target = deref(spec, schema)
    required_body = body.get("required") is True
    properties = target.get("properties") if isinstance(target, dict) else None
    if not isinstance(properties, dict) or not properties or "anyOf" in target or "oneOf" in target:
        hint = mapper.hint(schema, for_input=True)
        return "whole", [Param("body", _unique("body", taken), "body", hint, required_body, "The request body.")]
    required = set(target.get("required", [])) if required_body else set()
    params = []
    for wire, prop in properties.items():
        hint = mapper.hint(prop, for_input=True)
        description = first_line(prop.get("description") if isinstance(prop, dict) else "")
        params.append(Param(wire, _unique(snake(wire), taken), "body", hint, wire in required, description))
    params.sort(key=lambda param: not param.required)
    return "fields", params


def _success_type(
    spec: dict[str, Any], mapper: TypeMapper, operation: dict[str, Any], where: str, notes: list[Diagnostic]
) -> str:
    responses = operation.get("responses", {})
    codes = sorted(str(code) for code in responses if str(code).startswith("2"))
    if not codes:
        return "None"
    response = deref(spec, responses[codes[0] if codes[0] in responses else int(codes[0])])
    content = response.get("content") if isinstance(response, dict) else None
    if not content:
        return "None"
    media = next((m for m in content if m == "application/json" or m.endswith("+json")), None)
    if media is None:
        return "bytes"
    schema = content[media].get("schema") if isinstance(content[media], dict) else None
    if schema is None:
        return mapper.hint({}, for_input=False)
    return mapper.hint(schema, for_input=False)


def _error_types(spec: dict[str, Any], mapper: TypeMapper, operation: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for code, response in operation.get("responses", {}).items():
        code = str(code)
        if code.startswith(("1", "2", "3")):
            continue
        content = deref(spec, response).get("content") or {}
        media = content.get("application/json") if isinstance(content, dict) else None
        schema = media.get("schema") if isinstance(media, dict) else None
        if isinstance(schema, dict) and "$ref" in schema:
            hint = mapper.hint(schema, for_input=False)
            if hint.startswith("models."):
                found.append((code if not code.isdigit() else str(int(code)), hint))
    return sorted(found)


def _auth(spec: dict[str, Any], notes: list[Diagnostic]) -> tuple[str | None, str]:
    schemes = spec.get("components", {}).get("securitySchemes", {})
    requirements = spec.get("security") or [
        requirement
        for item in spec["paths"].values()
        for method in METHODS
        if isinstance(item.get(method), dict)
        for requirement in item[method].get("security", [])
    ]
    for requirement in requirements:
        for name in requirement:
            scheme = deref(spec, schemes.get(name, {}))
            kind = scheme.get("type")
            if kind == "apiKey" and scheme.get("in") == "header":
                return str(scheme["name"]), ""
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                return "authorization", "Bearer "
            if kind == "oauth2":
                return "authorization", "Bearer "
            notes.append(warning(pointer("components", "securitySchemes", name), f"security scheme {kind!r} is not supported"))  # fmt: skip
    return None, ""


def _default_server(spec: dict[str, Any], notes: list[Diagnostic]) -> str | None:
    servers = spec.get("servers") or []
    if not servers:
        return None
    server = servers[0]
    url = str(server["url"])
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    if not url.startswith(("http://", "https://")):
        notes.append(warning(pointer("servers", 0, "url"), f"server url {url!r} is not absolute: base_url is required"))
        return None
    return url.rstrip("/")


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name
