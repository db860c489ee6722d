"""Step 4: pydantic v2 models, made by datamodel-code-generator called as a library.

Before the IR: the IR names these classes in its type hints, so `render_models` returns the class name of each
component schema that became one.
"""

from __future__ import annotations

import ast
import re

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, DefaultValueType, InputFileType
from datamodel_code_generator.format import PythonVersion

from codegen.errors import Diagnostic
from codegen.naming import pascal
from codegen.sanitize import sanitize
from codegen.view import SpecView

_DEFINED = re.compile(r"^(?:class (\w+)\b|(\w+)(?::[^=]+)? = )", re.MULTILINE)
_STR_ENUM_CLASS = re.compile(r"^(class \w+)\(StrEnum\):", re.MULTILINE)
"""String enums become `OpenStrEnum`s (unknown values kept, see `runtime/_enums.py`). A rename of the base class
after generation, not a custom template: datamodel-code-generator re-checks a custom template directory's files
while it renders, which cost 10-25% of the model step on a 1,000-operation spec (see docs/benchmarks.md)."""
_OPEN_ENUM_IMPORT = "from ._enums import OpenStrEnum\n"
_PLAIN_STRING_FORMATS = ("email=string", "idn-email=string", "uri=string", "uri-reference=string", "iri=string")
"""Formats kept as `str`: pydantic's `EmailStr` needs an extra package, and URL types reject what servers send."""


def render_models(view: SpecView, header: str) -> tuple[str, dict[str, str], list[Diagnostic]]:
    """The source of `models.py`, the class name of each component schema that became a class, and the warnings."""
    if not view.schemas:
        return f'{header}\n"""The spec declares no component schemas."""\n', {}, []
    given = sanitize(view.data)
    source = generate(
        given.data,
        input_file_type=InputFileType.OpenAPI,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        custom_file_header=header,
        disable_timestamp=True,
        use_missing_sentinel=True,
        strict_nullable=True,
        use_schema_description=True,
        use_field_description=True,
        field_constraints=True,
        use_annotated=True,
        collapse_root_models=True,
        capitalise_enum_members=True,
        allow_extra_fields=True,
        deserialize_default_values=[DefaultValueType.Enum],
        type_mappings=list(_PLAIN_STRING_FORMATS),
        formatters=[],
    )
    if not isinstance(source, str):
        modules = ", ".join(sorted(".".join(path) for path in source or {})[:3])
        raise TypeError(f"datamodel-code-generator wrote several modules ({modules}, ...), expected one")
    source, open_enums = _STR_ENUM_CLASS.subn(r"\1(OpenStrEnum):", source)
    if open_enums:
        source = source.replace("from __future__ import annotations\n", "from __future__ import annotations\n\n" + _OPEN_ENUM_IMPORT, 1)  # fmt: skip
    # pydantic 2.14 made the sentinel public and warns on the old path that datamodel-code-generator still emits.
    source = source.replace(
        "from pydantic.experimental.missing_sentinel import MISSING", "from pydantic import MISSING"
    )
    source = mark_narrowed_fields(tolerant_datetimes(source))
    defined = {match.group(1) or match.group(2) for match in _DEFINED.finditer(source)}
    classes = {name: pascal(given.schema_names.get(name, name)) for name in view.schemas}
    return source, {name: cls for name, cls in classes.items() if cls in defined}, given.notes


_AWARE_IMPORT = re.compile(r"^(from pydantic import .*?)\bAwareDatetime, ", re.MULTILINE)
_AWARE = re.compile(r"\bAwareDatetime\b")


def tolerant_datetimes(source: str) -> str:
    """`source` with pydantic's `AwareDatetime` replaced by the runtime's `DateTime`, its tolerant twin.

    `DateTime` takes a `date-time` without a UTC offset too, outside strict parsing: `runtime/_tolerance.py` holds
    that policy. A spec's own schema called `DateTime` keeps its name: the runtime type is then imported as
    `DateTime_`.
    """
    source, count = _AWARE_IMPORT.subn(r"\1", source, count=1)
    if not count:
        return source
    name = "DateTime_" if re.search(r"^(?:class DateTime\b|DateTime\b.*=)", source, re.MULTILINE) else "DateTime"
    alias = "" if name == "DateTime" else " as DateTime_"
    future = "from __future__ import annotations\n"
    source = source.replace(future, f"{future}\nfrom ._tolerance import DateTime{alias}\n", 1)
    return _AWARE.sub(name, source)


_SUBCLASS = re.compile(
    r"^class \w+\((?!BaseModel\)|RootModel\[|OpenStrEnum\)|StrEnum\)|Enum\)|IntEnum\))", re.MULTILINE
)
_NARROWED = "  # type: ignore[assignment, unused-ignore]  # narrows the field it inherits (pydantic allows it)"


def mark_narrowed_fields(source: str) -> str:
    """`source` with each field that redeclares an inherited one under another type marked for type checkers.

    A schema built with `allOf` on another (a discriminated subtype, say) may narrow an inherited property:
    `kind: Kind` in the base, `kind: Literal["circle"]` in the subtype. pydantic validates that as meant; mypy
    calls it an incompatible override. Only such lines are marked, so every other line stays fully checked.
    """
    if not _SUBCLASS.search(source):
        return source
    fields: dict[str, tuple[list[str], dict[str, str]]] = {}
    narrowed: list[int] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        own = {
            item.target.id: ast.unparse(item.annotation)
            for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        }
        bases = [base.id for base in node.bases if isinstance(base, ast.Name) and base.id in fields]
        fields[node.name] = (bases, own)
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                inherited = _inherited(fields, bases, item.target.id)
                if inherited is not None and inherited != own[item.target.id]:
                    narrowed.append(item.lineno)
    lines = source.split("\n")
    for number in narrowed:
        lines[number - 1] += _NARROWED
    return "\n".join(lines)


def _inherited(fields: dict[str, tuple[list[str], dict[str, str]]], bases: list[str], name: str) -> str | None:
    for base in bases:
        parents, own = fields[base]
        if name in own:
            return own[name]
        found = _inherited(fields, parents, name)
        if found is not None:
            return found
    return None
