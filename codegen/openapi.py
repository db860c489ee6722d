"""The OpenAPI vocabulary `codegen/` reads specs with, each word defined once: a leaf that imports nothing.

Example:
    >>> "post" in METHODS, SCHEMA_REF + "Pet", is_json("application/problem+json")
    (True, '#/components/schemas/Pet', True)
"""

from __future__ import annotations

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The operations a path item (or a webhook) may hold, in the order the generator visits them."""
PARAMETER_LOCATIONS = frozenset({"query", "header", "path", "cookie"})
JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
"""The values of a JSON Schema `type`."""
NAMED_MAPS = frozenset(
    {
        *("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "securitySchemes"),
        *("links", "callbacks", "pathItems", "paths", "webhooks", "content", "encoding", "variables"),
    }
)
"""The OpenAPI objects that map names of the author's choosing to objects (`components.parameters.type` is a
parameter called `type`, not a keyword)."""
METHOD_NAME_EXTENSIONS = ("x-fern-sdk-method-name",)
"""Extensions that name an operation's SDK method (Skyvern's served document names `upload_file` there, its
`operationId` being FastAPI's `upload_file_v1_upload_file_post`)."""
SCHEMA_REF = "#/components/schemas/"
"""What a `$ref` to a component schema (a model) starts with."""


def is_json(media_type: str) -> bool:
    """Whether a media type is JSON: `application/json` or a `+json` one (`application/problem+json`)."""
    return media_type == "application/json" or media_type.endswith("+json")
