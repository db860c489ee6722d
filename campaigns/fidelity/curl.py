"""Each case as a curl command, with the base URL, the key, the workflow and the run as shell variables (never a key)."""

from __future__ import annotations

import json
import re
import urllib.parse

from campaigns.fidelity.cases import RUN_MARK, WORKFLOW_MARK, WRONG_KEY, Case
from campaigns.skyvern.keys import KEY_PLACEHOLDER

__all__ = ["curl"]

_LONG_RUN = re.compile(r"(.)\1{31,}")


def _sh_single(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _sh_body(text: str) -> str:
    """A shell word for a body: single-quoted, the workflow id as `"$WORKFLOW_ID"`, long runs of one character
    written as a `printf` (so that a 10,000-character value stays one short line)."""
    parts: list[str] = []
    for index, piece in enumerate(text.split(json.dumps(WORKFLOW_MARK))):
        if index:
            parts.append('\'"\\"$WORKFLOW_ID\\""\'')
        position = 0
        for run in _LONG_RUN.finditer(piece):
            parts.append(piece[position : run.start()].replace("'", "'\\''"))
            char = run.group(1)
            printf_char = char.replace("%", "%%").replace("\\", "\\\\").replace("'", "'\\''")
            parts.append(f"'\"$(printf '{printf_char}%.0s' {{1..{len(run.group(0))}}})\"'")
            position = run.end()
        parts.append(piece[position:].replace("'", "'\\''"))
    return "'" + "".join(parts) + "'"


def curl(case: Case) -> str:
    """The case as a curl command: the base URL as `$BASE_URL`, the key as `$CONTRACT_API_KEY`, the workflow id as
    `$WORKFLOW_ID`, the lifecycle's run as `$RUN_ID` (never a real key)."""
    words = ["curl", "-sS", "-i", "-X", case.method]
    if case.key_mode == "valid":
        words.append(f'-H "x-api-key: {KEY_PLACEHOLDER}"')
    elif case.key_mode == "wrong":
        words.append(f"-H {_sh_single('x-api-key: ' + WRONG_KEY)}")
    for name, value in case.headers.items():
        words.append(f"-H {_sh_single(f'{name}: {value}')}")
    if case.body is not None:
        words += ["-H 'content-type: application/json'", f"--data-binary {_sh_body(case.body)}"]
    run_id = "$RUN_ID" if case.run_id == RUN_MARK else urllib.parse.quote(case.run_id)
    path = case.path_template.replace("{run_id}", run_id)
    query = f"?{urllib.parse.urlencode(case.query)}" if case.query else ""
    words.append(f'"$BASE_URL{path}{query}"')
    return " ".join(words)
