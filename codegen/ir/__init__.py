"""Step 5: the intermediate representation: typed dataclasses the templates render.

Every decision about names, types and signatures is made here, in Python; templates only print the result.
`nodes` holds the dataclasses (types are `TypeRef` values that know their hint and imports), `typemap` turns
JSON Schemas into `TypeRef`s, `bodies` reads a request body's media types and fields, `modules` decides which module
each part of the client goes to (a large client's methods in `_methods/`) and what each imports, `build` makes the
`Api` of a resolved spec.
"""

from codegen.ir.build import build
from codegen.ir.nodes import Api, Body, BodyKind, BodyMedia, Import, Operation, Param, TypeRef, Waiter

__all__ = ["Api", "Body", "BodyKind", "BodyMedia", "Import", "Operation", "Param", "TypeRef", "Waiter", "build"]
