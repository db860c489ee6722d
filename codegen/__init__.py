"""Turn an OpenAPI 3.0/3.1 spec into a vendorable, typed Python client package.

Pipeline, one module per step: `load` -> `validate` -> `ir` -> `models` + `render` -> `fmt` -> `write`.
`pipeline.generate_files` runs them all; `cli` is the command line (`python -m codegen`).
"""
