"""Server throughput: wrk against the reference server and against Prism's mock of the same spec.

Both servers are bound to 127.0.0.1 on a free port, started and stopped here. Each wrk run is bounded
(`--duration` seconds, a `--timeout`), and the POST carries a JSON body and the `x-api-key` header (a Lua script).
"""

from __future__ import annotations

import functools
import json
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import BenchError, Sample, median_min_max, number, paired_ratio, ratio_text, run_timed, shell_line
from bench.tools import Tools
from reference_server.process import RunningServer, start_server

__all__ = ["Endpoint", "ServerResult", "prism", "reference_server", "render_server", "run_wrk_series"]

API_KEY = "sk-bench-0123456789"
_LUA = """wrk.method = "{method}"
wrk.headers["x-api-key"] = "{key}"
wrk.headers["content-type"] = "application/json"
{body}
"""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A base URL, the POST body and the path of a run to GET."""

    name: str
    url: str
    post_body: dict[str, object]
    run_path: str


@dataclass(slots=True)
class ServerResult:
    """Keyed by (server, method, connections): requests/s, p50 and p99 latency in ms; and non-2xx counts."""

    rps: dict[tuple[str, str, int], Sample] = field(default_factory=dict)
    p50: dict[tuple[str, str, int], Sample] = field(default_factory=dict)
    p99: dict[tuple[str, str, int], Sample] = field(default_factory=dict)
    non_2xx: dict[tuple[str, str, int], int] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(url: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"x-api-key": API_KEY, "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, object] = json.loads(response.read())
        return data


@contextmanager
def reference_server(scratch: Path) -> Iterator[Endpoint]:
    """A reference server with a fresh database; the POST starts a run of its demo workflow."""
    server: RunningServer = start_server(db=scratch / "bench-runs.sqlite3", api_key=API_KEY, fast=False)
    try:
        body: dict[str, object] = {"workflow_id": server.workflows[0], "parameters": {"url": "https://example.com"}}
        run = _post(f"{server.url}/v1/run/workflows", body)
        yield Endpoint("reference server", server.url, body, f"/v1/runs/{run['run_id']}")
    finally:
        server.stop()


@contextmanager
def prism(tools: Tools, spec: Path) -> Iterator[Endpoint]:
    """Prism's mock server on the same spec (it validates requests, and answers with examples)."""
    port = _free_port()
    argv = [str(tools.prism), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port), "--errors"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready = threading.Event()
    lines: list[str] = []

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if len(lines) < 400:
                lines.append(line.rstrip())
            if "listening" in line.lower():
                ready.set()
        ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not ready.wait(60) or process.poll() is not None:
            raise BenchError("prism did not start:\n" + "\n".join(lines[-20:]))
        url = f"http://127.0.0.1:{port}"
        body: dict[str, object] = {"workflow_id": "wpid_100000000000000001"}
        run = _post(f"{url}/v1/run/workflows", body)
        yield Endpoint("Prism mock", url, body, f"/v1/runs/{run['run_id']}")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: (.*)")
_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _script(folder: Path, method: str, body: dict[str, object] | None) -> Path:
    path = folder / f"{method.lower()}.lua"
    encoded = f"wrk.body = {json.dumps(json.dumps(body))}" if body is not None else ""
    path.write_text(_LUA.format(method=method, key=API_KEY, body=encoded), encoding="utf-8")
    return path


def _wrk(tools: Tools, endpoint: Endpoint, method: str, connections: int, duration: int, scripts: Path) -> str:
    body = endpoint.post_body if method == "POST" else None
    path = "/v1/run/workflows" if method == "POST" else endpoint.run_path
    argv = [str(tools.wrk), "--threads", str(min(connections, 2)), "--connections", str(connections),
            "--duration", f"{duration}s", "--timeout", "5s", "--latency",
            "--script", str(_script(scripts, method, body)), endpoint.url + path]  # fmt: skip
    return run_timed(argv, timeout=duration + 30).stdout


def command_line(tools: Tools, method: str, connections: int, duration: int) -> str:
    """The wrk command, as the report shows it (the URL and script stand for what the run used)."""
    path = "/v1/run/workflows" if method == "POST" else "/v1/runs/$RUN_ID"
    argv = [str(tools.wrk), "--threads", str(min(connections, 2)), "--connections", str(connections),
            "--duration", f"{duration}s", "--timeout", "5s", "--latency", "--script", f"{method.lower()}.lua",
            f"http://127.0.0.1:$PORT{path}"]  # fmt: skip
    return shell_line(argv)


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p99 ms and the count of non-2xx responses, from wrk's `--latency` output."""
    rps = _RPS.search(output)
    percentiles = {
        match.group(1): float(match.group(2)) * _UNIT_MS[match.group(3)] for match in _PERCENTILE.finditer(output)
    }
    if rps is None or set(percentiles) != {"50", "99"}:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    return float(rps.group(1)), percentiles["50"], percentiles["99"], int(non_2xx.group(1)) if non_2xx else 0


def run_wrk_series(
    tools: Tools,
    spec: Path,
    connections: Sequence[int],
    runs: int,
    duration: int,
    log: Callable[[str], None],
) -> ServerResult:
    """`runs` rounds; in each, one server at a time is started, loaded (GET, then POST, at each concurrency), stopped."""
    result = ServerResult()
    for method in ("POST", "GET"):
        for count in connections:
            result.commands[f"{method} {count}"] = command_line(tools, method, count, duration)
    with tempfile.TemporaryDirectory(prefix="bench-server-") as scratch_name:
        scratch = Path(scratch_name)
        for round_ in range(runs):
            folder = scratch / f"r{round_}"
            folder.mkdir()
            starts: dict[str, Callable[[], AbstractContextManager[Endpoint]]] = {
                "reference": functools.partial(reference_server, folder),
                "prism": functools.partial(prism, tools, spec),
            }
            for name, start in starts.items():
                with start() as endpoint:
                    for method in ("GET", "POST"):
                        for count in connections:
                            output = _wrk(tools, endpoint, method, count, duration, scratch)
                            rps, p50, p99, non_2xx = parse_wrk(output)
                            key = (name, method, count)
                            result.rps.setdefault(key, Sample()).values.append(rps)
                            result.p50.setdefault(key, Sample()).values.append(p50)
                            result.p99.setdefault(key, Sample()).values.append(p99)
                            result.non_2xx[key] = result.non_2xx.get(key, 0) + non_2xx
                            time.sleep(0.2)
                line = ", ".join(
                    f"{m}@{c} {result.rps[name, m, c].values[-1]:.0f}/s" for m in ("GET", "POST") for c in connections
                )
                log(f"  server run {round_ + 1}/{runs} {name}: {line}")
    return result


def render_server(server: ServerResult | None, connections: Sequence[int], duration: int) -> list[str]:
    """Section 4 of `docs/benchmarks*.md`: `duration` seconds per measurement at each of `connections`."""
    if server is None:
        return []
    lines = ["## 4. Reference server vs Prism", ""]
    lines += [
        f"wrk, {duration} s per measurement, {len(next(iter(server.rps.values())))} rounds; each round starts one",
        "server at a time on 127.0.0.1 (the reference server with a fresh SQLite file; Prism 5.16 `mock` on",
        "`spec/openapi.yaml`), runs GET then POST at each concurrency and stops it. POST is `/v1/run/workflows` with a",
        "JSON body and `x-api-key` (a Lua script), validated by both; GET is `/v1/runs/{run_id}` of a run created first.",
        "Prism stores nothing: it answers with examples. The reference server persists every run (SQLite WAL) and moves",
        "it through its lifecycle.",
        "",
        "| method | connections | server | requests/s median | min | max | p50 ms | p99 ms | ours / Prism | non-2xx |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method in ("POST", "GET"):
        for count in connections:
            for name, label in (("reference", "reference server"), ("prism", "Prism mock")):
                key = (name, method, count)
                if key not in server.rps:
                    continue
                ratio = "-"
                if name == "reference" and ("prism", method, count) in server.rps:
                    ratio = ratio_text(paired_ratio(server.rps[key], server.rps["prism", method, count]))
                lines.append(
                    f"| {method} | {count} | {label} | {median_min_max(server.rps[key], 0)} | {number(server.p50[key].median)} | "
                    f"{number(server.p99[key].median)} | {ratio} | {server.non_2xx.get(key, 0)} |"
                )
    lines += ["", "```", *server.commands.values(), "```", ""]
    return lines
