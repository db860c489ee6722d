"""Import a generated package and print, as one JSON line, the `(method, path)` of every `Endpoint` it defines.

`bench.corpus` runs it in a fresh interpreter from the package's parent folder (`python -m bench._endpoints_worker
PACKAGE`, the repository on `PYTHONPATH`): importing the package is the corpus's import check, and the endpoints are
the methods it generated (`bench.corpus_ops`). Every module of the package is imported but its models.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys


def endpoints(package_name: str) -> list[tuple[str, str]]:
    package = importlib.import_module(package_name)
    modules = [package]
    for found in pkgutil.walk_packages(package.__path__, package_name + "."):
        if ".models" not in found.name:
            modules.append(importlib.import_module(found.name))
    seen: dict[int, tuple[str, str]] = {}
    for module in modules:
        for value in vars(module).values():
            if type(value).__name__ == "Endpoint" and isinstance(getattr(value, "path", None), str):
                seen[id(value)] = (str(value.method), value.path)
    return sorted(set(seen.values()))


if __name__ == "__main__":
    print(json.dumps(endpoints(sys.argv[1])))
