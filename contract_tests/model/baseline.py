"""Known breaks: a small reviewable file of root causes a target is known to have, so that a CI job goes red only on
the day the target changes.

`python -m contract_tests --write-baseline FILE` records the root causes of a run, each with the tests that saw it;
`--baseline FILE` (or `CONTRACT_BASELINE`) marks the ones it lists as known: they do not fail the run, and those no
longer seen are listed as gone, saying whether the tests that saw them ran this time.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "baseline.json"
    >>> key = "forbidden_without_valid_key|get_run|served"
    >>> write(path, {key: Known("get_run without a key answered 200", ("test_auth.py::t",))}, target="t")
    >>> load(path)[key].tests
    ('test_auth.py::t',)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from contract_tests.model.errors import ConfigurationError

__all__ = ["Known", "load", "write"]

_FORMAT = 2


@dataclass(frozen=True, slots=True)
class Known:
    """A root cause a baseline lists.

    Attributes:
        detail: a description of one occurrence.
        tests: the tests that saw it when the baseline was written (empty in a format-1 baseline, which did not
            record them).
    """

    detail: str
    tests: tuple[str, ...] = ()


def write(path: Path, causes: Mapping[str, Known], *, target: str) -> None:
    """Write a baseline: each root-cause key with one line saying what it is and the tests that saw it, sorted.

    Args:
        path: the file.
        causes: root-cause key -> what it is.
        target: what the run was against (for the reader).
    """
    document = {
        "format": _FORMAT,
        "target": target,
        "root_causes": [
            {"key": key, "detail": causes[key].detail[:300], "tests": list(causes[key].tests)} for key in sorted(causes)
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path) -> dict[str, Known]:
    """The root causes a baseline lists (format 1 or 2).

    Raises:
        ConfigurationError: when the file is missing or not a baseline.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document["root_causes"]
        return {
            str(entry["key"]): Known(str(entry.get("detail", "")), tuple(map(str, entry.get("tests", ()))))
            for entry in entries
        }
    except OSError as error:
        raise ConfigurationError(f"baseline {path}: {error.strerror}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"baseline {path}: not a baseline written by --write-baseline ({error})") from None
