"""Step 5: the intermediate representation: typed dataclasses the templates render.

Every decision about names, types and signatures is made here, in Python; templates only print the result.
`nodes` holds the dataclasses (types are `TypeRef` values that know their hint and imports), `typemap` turns
JSON Schemas into `TypeRef`s, `build` makes the `Api` of a resolved spec.
"""

from codegen.ir.build import build
from codegen.ir.nodes import Api, BodyKind, Import, Operation, Param, TypeRef, Waiter

__all__ = ["Api", "BodyKind", "Import", "Operation", "Param", "TypeRef", "Waiter", "build"]
