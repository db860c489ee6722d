"""Drift: the spec against the OpenAPI document the target serves about itself (`/openapi.json` by default).

The two documents are compared by the generator's own comparison (`codegen.diff`), with the spec as the old side:
every difference on the spec's operations is said in what it means for a user of our client. `stricter`: the
server's document refuses or promises less than the spec (a newly required field, a status it no longer lists);
`looser`: it accepts or returns more, and our client copes (an optional field, an enum value, any object where the
spec names one); `breaks our client`: what the spec's client sends or reads no longer fits (the operation served
elsewhere, a field removed, a response that may now hold another shape). Operations are matched by path and method,
then by `operationId`, its alias (`x-fern-sdk-method-name`) or summary, so an operation the server documents under
another path is found.

Drift never fails a run: it explains findings. A finding of a request the spec says is invalid but the target
accepted is marked "allowed by the server's own document" when a looser difference covers its field
(`Drift.explanation`). A target that serves no document gets no drift section.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx2

from codegen.diff import compare, view_of
from codegen.diff.operations import label, match
from codegen.errors import CodegenError
from contract_tests.model.drift import Drift, Meaning, meaning
from contract_tests.spec import DEFAULT_SPEC
from contract_tests.transport.target import ReferenceServer

__all__ = ["DEFAULT_PATH", "Drift", "Meaning", "drift_of", "fetch", "for_target", "main", "meaning", "served_url"]

DEFAULT_PATH = "/openapi.json"
"""Where a target serves its own document unless `CONTRACT_SERVED_SPEC` says otherwise (FastAPI's default)."""
_TIMEOUT = 30.0


def fetch(url: str, api_key: str = "") -> tuple[dict[str, Any] | None, str]:
    """The document at `url` and "", or None and why there is none (not found, not JSON, not OpenAPI)."""
    headers = {"x-api-key": api_key} if api_key else {}
    try:
        response = httpx2.get(url, headers=headers, timeout=_TIMEOUT, follow_redirects=True)
    except httpx2.HTTPError as error:
        return None, f"{url} could not be read: {error}"
    if response.status_code != 200:
        return None, f"{url} answered {response.status_code}"
    try:
        document = response.json()
    except ValueError:
        return None, f"{url} is not JSON"
    if not isinstance(document, dict) or "openapi" not in document:
        return None, f"{url} is not an OpenAPI document"
    return document, ""


def drift_of(spec: Path, served: Mapping[str, Any], source: str) -> Drift:
    """The spec file against a served document.

    Raises:
        CodegenError: the served document (or the spec) is not one the comparison can read.
    """
    ours, theirs = view_of(spec), view_of(data=served, name=source)
    pairs = list(match(ours.operations, theirs.operations))
    matched = tuple((label(old), label(new) if new else "", how) for old, new, how in pairs if old is not None)
    changes = [c for c in compare(ours, theirs) if c.kind not in ("operation-added", "webhook-added")]
    if not theirs.webhooks:  # a document that describes no webhook at all says nothing about ours
        changes = [c for c in changes if c.kind != "webhook-removed"]
    return Drift(
        source=source,
        served=f"{theirs.title} {theirs.version}".strip(),
        matched=matched,
        changes=tuple(changes),
        unmatched_served=sum(1 for old, new, _ in pairs if old is None and new is not None),
    )


def served_url(base_url: str, setting: str) -> str | None:
    """The URL of the served document: `setting` (`CONTRACT_SERVED_SPEC`) as a URL or a path on the target,
    `DEFAULT_PATH` when empty, None for `none`."""
    value = setting.strip()
    if value.lower() == "none":
        return None
    if value.startswith(("http://", "https://")):
        return value
    return base_url.rstrip("/") + "/" + (value or DEFAULT_PATH).lstrip("/")


def for_target(spec: Path, base_url: str, api_key: str, setting: str = "") -> tuple[Drift | None, str]:
    """The drift of a running target, or None and why there is none (it is skipped quietly: a note, no error)."""
    url = served_url(base_url, setting)
    if url is None:
        return None, "CONTRACT_SERVED_SPEC=none"
    document, why = fetch(url, api_key)
    if document is None:
        return None, why
    try:
        return drift_of(spec, document, url), ""
    except CodegenError as error:
        first = error.diagnostics[0] if error.diagnostics else "unreadable"
        return None, f"{url} cannot be compared: {first}"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """`skyvern-contract drift`: print the drift of a target (default: a fresh reference server); exit 0 when it
    was compared, 2 when the target serves no document that can be."""
    environ = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="skyvern-contract drift", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=environ.get("CONTRACT_BASE_URL"), help="the target (env: CONTRACT_BASE_URL; default: a fresh reference server)")  # fmt: skip
    parser.add_argument("--served-spec", default=environ.get("CONTRACT_SERVED_SPEC", ""), help=f"its document: a path on it or a URL, or none (env: CONTRACT_SERVED_SPEC; default: {DEFAULT_PATH})")  # fmt: skip
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the spec (default: the suite's)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--docs", action="store_true", help="also list documentation differences (text)")
    args = parser.parse_args(argv)
    if args.base_url:
        drift, why = for_target(args.spec, args.base_url, environ.get("CONTRACT_API_KEY", ""), args.served_spec)
    else:
        with tempfile.TemporaryDirectory(prefix="drift-") as workdir:
            server = ReferenceServer(Path(workdir)).start()
            try:
                drift, why = for_target(args.spec, server.base_url, server.api_key, args.served_spec)
            finally:
                server.stop()
    if drift is None:
        print(f"skyvern-contract drift: nothing to compare: {why}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(drift.to_json(), indent=2))
    else:
        print("\n".join(drift.lines(pointers=True, documentation=args.docs)))
    return 0
