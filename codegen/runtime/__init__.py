"""Static runtime of every generated package.

The modules here are copied verbatim (behind a generated-file header) into `generated/<package>/`. They are ordinary
Python, linted and type-checked with the rest of the repository, and they import each other only relatively. A module's `__all__` lists its public names: the package's
`__init__` re-exports those of `_enums`, `_exceptions`, `_response`, `_tolerance` and `_types`, and of `_webhooks` in a
package whose spec has webhooks (see `codegen.render.PUBLIC_RUNTIME`).
"""
