"""`python -m reference_server`: start a reference server and say how to call it.

Defaults work with no flags: 127.0.0.1:8787, `runs.sqlite3` in the working directory, a generated API key printed
once, one demo workflow. When the server accepts connections it prints a human summary and one parseable line:

    READY url=http://127.0.0.1:8787 api_key=... workflows=wpid_100000000000000001 db=runs.sqlite3 faults=

`--port 0` picks a free port; the READY line carries the real one. `--like-skyvern 1.0.56` switches on the fault set
`skyvern-1.0.56` (the faults that make the stand-in answer like that real server version; `--list-faults` lists the
sets too): it is `--fault` for each member.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import socket
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import uvicorn

from reference_server.app import create_app
from reference_server.config import ServerConfig
from reference_server.faults import FAULT_SETS, FAULTS, SKYVERN_SET_PREFIX, UnknownFaultSetError, fault_set
from reference_server.protocol import uvicorn_config
from reference_server.sockets import bind_socket, url_for
from reference_server.validation import DEFAULT_SPEC_PATH
from reference_server.webhooks import DEFAULT_ALLOWED_HOSTS
from reference_server.workflows import WorkflowFileError, demo_workflows, load_workflows

__all__ = ["build_parser", "main"]

FAST_TIME_SCALE = 0.01


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m reference_server",
        description="A persistent local stand-in for Skyvern's run API (POST /v1/run/workflows, GET/cancel runs).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port; 0 picks a free one (default: 8787)")
    parser.add_argument("--db", type=Path, default=Path("runs.sqlite3"), help="SQLite file (default: runs.sqlite3)")
    parser.add_argument("--api-key", help="the accepted x-api-key (default: a random one, printed once)")
    parser.add_argument("--workflows", type=Path, help="YAML/JSON workflows file (default: one demo workflow)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        choices=sorted(FAULTS),
        metavar="NAME",
        help="break one contract point on purpose (repeatable); see --list-faults",
    )
    parser.add_argument(
        "--like-skyvern",
        metavar="VERSION",
        help="answer like the real Skyvern server VERSION: --fault for each member of its fault set "
        f"(known: {', '.join(sorted(name.removeprefix(SKYVERN_SET_PREFIX) for name in FAULT_SETS))})",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="print the fault names, what each breaks, and the fault sets"
    )
    parser.add_argument(
        "--browser-session",
        action="append",
        metavar="ID",
        help="a browser_session_id that exists (repeatable); any other is a 404, as on the live service",
    )
    parser.add_argument(
        "--browser-profile",
        action="append",
        metavar="ID",
        help="a browser_profile_id that exists (repeatable); any other is a 404, as on the live service",
    )
    parser.add_argument("--fast", action="store_true", help=f"scale every lifecycle delay by {FAST_TIME_SCALE}")
    parser.add_argument("--time-scale", type=float, help="scale every lifecycle delay by this factor (default 1)")
    parser.add_argument("--queue-seconds", type=float, default=1.0, help="created -> queued (default 1)")
    parser.add_argument("--start-seconds", type=float, default=1.0, help="queued -> running (default 1)")
    parser.add_argument("--max-body-bytes", type=int, default=1 << 20, help="413 above this (default 1 MiB)")
    parser.add_argument(
        "--webhook-host",
        action="append",
        default=[],
        metavar="HOST",
        help="allow webhooks to this host (repeatable; default: loopback only)",
    )
    parser.add_argument("--webhook-timeout", type=float, default=30.0, help="seconds per webhook try (default 30)")
    parser.add_argument("--durable", action="store_true", help="fsync every commit (survives power loss too)")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC_PATH, help="OpenAPI document to validate against")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds each request waits first, like a slow remote service"
    )
    return parser


def _announce(config: ServerConfig, generated_key: bool) -> None:
    workflows = ",".join(config.workflows)
    first = next(iter(config.workflows))
    key_note = "  (generated; pass --api-key to choose one)" if generated_key else ""
    lines = [
        f"Skyvern reference server on {config.base_url}",
        f"  API key:   {config.api_key}{key_note}",
        f"  workflows: {workflows}",
        f"  database:  {config.db_path}",
    ]
    if config.faults:
        lines.append(f"  FAULTS ON: {', '.join(sorted(config.faults))}")
    lines += [
        "  try:",
        f"    curl -s -X POST {config.base_url}/v1/run/workflows -H 'x-api-key: {config.api_key}' \\",
        f"         -H 'content-type: application/json' -d '{{\"workflow_id\": \"{first}\"}}'",
        f"    curl -s {config.base_url}/v1/runs/<run_id> -H 'x-api-key: {config.api_key}'",
        f"READY url={config.base_url} api_key={config.api_key} workflows={workflows} db={config.db_path}"
        f" faults={','.join(sorted(config.faults))}",
    ]
    print("\n".join(lines), flush=True)


async def _serve(server: uvicorn.Server, sock: socket.socket, config: ServerConfig, generated_key: bool) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if server.started:
        _announce(config, generated_key)
    await serving


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted.

    Args:
        argv: command-line arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("time_scale", "queue_seconds", "start_seconds", "webhook_timeout"):
        value = getattr(args, option)
        if value is not None and not value >= 0:
            parser.error(f"--{option.replace('_', '-')} must be >= 0")
    if args.max_body_bytes <= 0:
        parser.error("--max-body-bytes must be > 0")
    if args.list_faults:
        for name, description in sorted(FAULTS.items()):
            print(f"{name}: {description}")
        for name, members in sorted(FAULT_SETS.items()):
            version = name.removeprefix(SKYVERN_SET_PREFIX)
            print(f"set {name} (--like-skyvern {version}): {', '.join(sorted(members))}")
        return 0
    faults = frozenset(args.fault)
    if args.like_skyvern is not None:
        try:
            faults |= fault_set(args.like_skyvern)
        except UnknownFaultSetError as error:
            parser.error(f"--like-skyvern: {error}")
    try:
        workflows = load_workflows(args.workflows) if args.workflows else demo_workflows()
    except WorkflowFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    time_scale = args.time_scale if args.time_scale is not None else (FAST_TIME_SCALE if args.fast else 1.0)
    api_key = args.api_key or f"sk-local-{secrets.token_hex(16)}"
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    config = ServerConfig(
        api_key=api_key,
        db_path=args.db,
        workflows=workflows,
        faults=faults,
        time_scale=time_scale,
        queue_seconds=args.queue_seconds,
        start_seconds=args.start_seconds,
        max_body_bytes=args.max_body_bytes,
        webhook_hosts=DEFAULT_ALLOWED_HOSTS | {host.lower() for host in args.webhook_host},
        webhook_timeout=args.webhook_timeout,
        durable=args.durable,
        latency=args.latency,
        browser_sessions=frozenset(args.browser_session or ()),
        browser_profiles=frozenset(args.browser_profile or ()),
        spec_path=args.spec,
    )
    config = replace(config, base_url=url_for(args.host, port))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    served = uvicorn_config(app, log_level="warning", access_log=args.access_log, lifespan="on", backlog=4096)
    server = uvicorn.Server(served)
    with asyncio.Runner(loop_factory=served.get_loop_factory()) as runner:  # uvloop
        runner.run(_serve(server, sock, config, generated_key=args.api_key is None))
    return 0
