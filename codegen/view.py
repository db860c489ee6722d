"""Step 3: the validated spec resolved once into a read-only view that the later steps read.

Path items, parameters, request bodies, responses, media schemas and security schemes are dereferenced here, and
parameters shared by a path item are merged into each operation's. The webhooks of an OpenAPI 3.1 spec (requests the
API sends, described like operations) are resolved the same way; a 3.0 spec has none. What is left of `$ref`s is inside schemas,
where it carries meaning (a `$ref` to a component names its model): `SpecView.target` looks those up in the table
`load` built while it checked them, so no step after this one walks a pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from codegen.load import Spec
from codegen.openapi import METHODS, is_json
from codegen.pointer import deref, pointer


@dataclass(frozen=True, slots=True)
class Media:
    """One media type of a request body or response.

    Attributes:
        name: the media type (`application/json`).
        schema: its schema as written (`None` when there is none): a `$ref` here still names a model.
        resolved: the schema with its `$ref`s followed.
        encoding: its `encoding` (a request body's form or multipart fields: `style`, `explode`, `contentType`...),
            each entry dereferenced; empty when there is none.
    """

    name: str
    schema: Any
    resolved: Any
    encoding: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_json(self) -> bool:
        return is_json(self.name)


@dataclass(frozen=True, slots=True)
class Content:
    """A request body or a response, dereferenced: whether it is required, its media types in spec order, and (a
    response's) the names of its headers."""

    required: bool
    media: tuple[Media, ...]
    headers: tuple[str, ...] = ()

    @property
    def json(self) -> Media | None:
        """The first JSON media type (`application/json` or `*+json`)."""
        return next((media for media in self.media if media.is_json), None)

    def get(self, name: str) -> Media | None:
        return next((media for media in self.media if media.name == name), None)


@dataclass(frozen=True, slots=True)
class OperationView:
    """One operation (or webhook), everything around it dereferenced.

    Attributes:
        path: the path template (`/v1/runs/{run_id}`); for a webhook, its key in `webhooks` (`invoice.paid`).
        method: lower case, as in the spec.
        operation: the operation object (read it, do not change it).
        parameters: the path item's and the operation's parameters, dereferenced and merged by (name, location):
            the operation's one wins, in the place of the first.
        request_body: `None` when the operation takes none.
        responses: status code (as a string: `200`, `4XX`, `default`) -> the response.
        section: `paths`, or `webhooks` for a webhook.
        servers: its own `servers`, else its path item's (empty: the spec's); `servers_where` is their pointer.
    """

    path: str
    method: str
    operation: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]
    request_body: Content | None
    responses: Mapping[str, Content]
    section: str = "paths"
    servers: tuple[Mapping[str, Any], ...] = ()
    servers_where: str = ""

    @property
    def where(self) -> str:
        """The operation's JSON pointer, for diagnostics."""
        return pointer(self.section, self.path, self.method)


@dataclass(frozen=True, slots=True)
class SpecView:
    """A loaded, validated spec as the model and IR steps read it.

    Attributes:
        data: the document as loaded, for datamodel-code-generator (which resolves its schemas itself).
        refs: each `$ref` -> the node it points at (one hop), from `load`.
        schemas: `components.schemas`.
        security: the spec's top-level security requirements.
        security_schemes: `components.securitySchemes`, each dereferenced.
        servers: the server objects.
        webhooks: the operations of `webhooks` (OpenAPI 3.1 only: empty for a 3.0 spec), in spec order.
    """

    name: str
    sha256: str
    title: str
    version: str
    data: Mapping[str, Any]
    refs: Mapping[str, Any]
    operations: tuple[OperationView, ...]
    schemas: Mapping[str, Any]
    security: tuple[Mapping[str, Any], ...]
    security_schemes: Mapping[str, Mapping[str, Any]]
    servers: tuple[Mapping[str, Any], ...]
    webhooks: tuple[OperationView, ...] = ()

    def target(self, ref: str) -> Any:
        """The node a schema's `$ref` points at (one hop); KeyError for a `$ref` that `load` did not see."""
        return self.refs[ref]


def resolve_view(spec: Spec) -> SpecView:
    """The view of a spec that `validate` found no error in."""
    data = spec.data
    info = data["info"]
    components = data.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    return SpecView(
        name=spec.name,
        sha256=spec.sha256,
        title=str(info["title"]),
        version=str(info.get("version", "")),
        data=data,
        refs=spec.refs,
        operations=tuple(_operations(spec)),
        schemas=MappingProxyType(components.get("schemas") or {}),
        security=tuple(data.get("security") or ()),
        security_schemes=MappingProxyType({str(name): _follow(spec, scheme) for name, scheme in schemes.items()}),
        servers=tuple(data.get("servers") or ()),
        webhooks=tuple(_operations(spec, "webhooks")) if has_webhooks(data) else (),
    )


def has_webhooks(data: Mapping[str, Any]) -> bool:
    """Whether `data` is an OpenAPI 3.1 spec with a `webhooks` mapping (3.0 has no such field: it is ignored)."""
    return str(data.get("openapi", "")).startswith("3.1") and isinstance(data.get("webhooks"), dict)


def _follow(spec: Spec, node: Any) -> Any:
    return deref(spec.data, node, spec.refs)


def _operations(spec: Spec, section: str = "paths") -> list[OperationView]:
    found = []
    for path, raw_item in spec.data[section].items():
        item = _follow(spec, raw_item)
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            merged: dict[tuple[str, str], Mapping[str, Any]] = {}
            for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
                param = _follow(spec, raw)
                merged[(param["name"], param["in"])] = param
            body = _follow(spec, operation.get("requestBody"))
            responses: dict[str, Content] = {}
            for code, response in operation.get("responses", {}).items():
                if str(code) not in responses or isinstance(code, str):  # `200` and `"200"`: the string wins
                    responses[str(code)] = _content(spec, _follow(spec, response))
            owner, where = (operation, (path, method)) if "servers" in operation else (item, (path,))
            servers = tuple(s for s in owner.get("servers") or () if isinstance(s, Mapping))
            found.append(
                OperationView(
                    path=str(path),
                    method=method,
                    operation=operation,
                    parameters=tuple(merged.values()),
                    request_body=_content(spec, body) if isinstance(body, dict) else None,
                    responses=MappingProxyType(responses),
                    section=section,
                    servers=servers,
                    servers_where=pointer(section, *where, "servers"),
                )
            )
    return found


def _content(spec: Spec, node: Any) -> Content:
    if not isinstance(node, dict):
        return Content(required=False, media=())
    media = []
    for name, value in (node.get("content") or {}).items():
        schema = value.get("schema") if isinstance(value, dict) else None
        raw = value.get("encoding") if isinstance(value, dict) else None
        encoding = {str(key): _follow(spec, entry) for key, entry in raw.items()} if isinstance(raw, dict) else {}
        media.append(Media(str(name), schema, _follow(spec, schema), MappingProxyType(encoding)))
    headers = tuple(str(name) for name in node.get("headers") or ()) if isinstance(node.get("headers"), dict) else ()
    return Content(required=node.get("required") is True, media=tuple(media), headers=headers)
