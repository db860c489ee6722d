"""Make the generated client importable from a plain checkout.

`skyvern_client` lives in `generated/`, which an editable install or pytest's `pythonpath` already puts on
`sys.path`. For `python -m reference_server` from a fresh clone (`make serve`), this adds the repository's
`generated/` when the package cannot be found otherwise. Imported for its side effect, before `skyvern_client`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

GENERATED = Path(__file__).resolve().parents[1] / "generated"

if importlib.util.find_spec("skyvern_client") is None and (GENERATED / "skyvern_client").is_dir():
    sys.path.append(str(GENERATED))
