"""Known breaks: a small reviewable file of root causes a target is known to have, so that a CI job goes red only on
the day the target changes.

`python -m contract_tests --write-baseline FILE` records the root causes of a run; `--baseline FILE` (or
`CONTRACT_BASELINE`) marks the ones it lists as known: they do not fail the run, and those no longer seen are listed
as gone.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "baseline.json"
    >>> write(path, {"forbidden_without_valid_key|get_run|served": "get_run without a key answered 200"}, target="t")
    >>> sorted(load(path))
    ['forbidden_without_valid_key|get_run|served']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from contract_tests.context import ConfigurationError

__all__ = ["load", "write"]

_FORMAT = 1


def write(path: Path, causes: Mapping[str, str], *, target: str) -> None:
    """Write a baseline: each root-cause key with one line saying what it is, sorted, one per line.

    Args:
        path: the file.
        causes: root-cause key -> a description of one occurrence.
        target: what the run was against (for the reader).
    """
    document = {
        "format": _FORMAT,
        "target": target,
        "root_causes": [{"key": key, "detail": causes[key][:300]} for key in sorted(causes)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path) -> dict[str, str]:
    """The root causes a baseline lists (key -> description).

    Raises:
        ConfigurationError: when the file is missing or not a baseline.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["root_causes"]
        return {str(entry["key"]): str(entry.get("detail", "")) for entry in entries}
    except OSError as error:
        raise ConfigurationError(f"baseline {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"baseline {path}: not a baseline written by --write-baseline ({error})") from None
