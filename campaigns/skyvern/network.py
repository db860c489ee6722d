"""The private network namespace the real server runs in (`unshare -n`, only loopback), for `make contract-skyvern`
and `make fidelity`: the real server follows URLs found in requests, so it never sees a network beyond loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence

__all__ = [
    "EXIT_NOT_RUN",
    "NAMESPACE_MARKER",
    "enter_private_network",
    "in_private_namespace",
    "loopback_works",
    "namespace_refusal",
    "network_interfaces",
    "refusal_message",
]

NAMESPACE_MARKER = "CONTRACT_SKYVERN_NETNS"
"""Set (to `1`) by `main` in the environment of its re-executed self inside the private network namespace."""
EXIT_NOT_RUN = 2
"""The exit status when nothing was run (no namespace could be made or entered)."""


def network_interfaces() -> list[str]:
    """The interfaces of this process's network namespace.

    `socket.if_nameindex` asks the kernel about the caller's namespace; `/sys/class/net` would not do: it shows the
    namespace sysfs was mounted in, i.e. the host's interfaces even inside `unshare -n`.
    """
    return sorted(name for _, name in socket.if_nameindex())


def loopback_works() -> bool:
    """Whether a TCP connection to 127.0.0.1 gets through (it does not while `lo` is down)."""
    try:
        with (
            socket.create_server(("127.0.0.1", 0)) as server,
            socket.create_connection(server.getsockname()[:2], timeout=2),
        ):
            return True
    except OSError:
        return False


def in_private_namespace(environ: Mapping[str, str], interfaces: Sequence[str] | None = None) -> bool:
    """Whether this process runs inside the namespace `main` set up: the marker is set and only `lo` exists.

    Args:
        environ: the environment (the marker is `CONTRACT_SKYVERN_NETNS=1`).
        interfaces: the namespace's interfaces (default: asked of the kernel).

    Returns:
        True only when both hold; a marker alone proves nothing.
    """
    if environ.get(NAMESPACE_MARKER) != "1":
        return False
    names = network_interfaces() if interfaces is None else list(interfaces)
    return names == ["lo"]


def _unshare_argv(command: Sequence[str]) -> list[str]:
    return ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *command]


def namespace_refusal() -> str | None:
    """Why a private network namespace cannot be made here (None when it can: `unshare -n` was tried)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not root, so `unshare -n` (a private network namespace) is not available"
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found, so no private network namespace can be made"
    try:
        probe = subprocess.run(
            _unshare_argv(["true"]), capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`unshare -n` failed: {error}"
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return f"`unshare -n` failed: {reason}"
    return None


def refusal_message(reason: str, command: str = "contract-skyvern", not_done: str = "Nothing was fuzzed.") -> str:
    """The one line printed when the real server is not started."""
    return (
        f"{command}: refusing to run the real Skyvern server: {reason}; it follows URLs found in requests, "
        f"so it runs only in a private network namespace (run as root). {not_done}"
    )


def enter_private_network(
    module: str, arguments: Sequence[str], command: str, not_done: str = "Nothing was fuzzed."
) -> int | None:
    """Make sure `python -m MODULE ARGUMENTS` runs inside a private network namespace with only loopback.

    Outside one, it re-executes itself inside a new one (`unshare -n`, loopback brought up); inside, it checks that
    only `lo` exists and answers.

    Args:
        module: the module to run, e.g. `campaigns.skyvern`.
        arguments: its command-line arguments.
        command: its name in messages.
        not_done: the message's last sentence.

    Returns:
        None inside a usable namespace (go on); 2 otherwise (after printing why when none can be made): send nothing.
    """
    if os.environ.get(NAMESPACE_MARKER) != "1":
        problem = namespace_refusal()
        if problem is None:
            sys.stdout.flush()
            sys.stderr.flush()
            argv = _unshare_argv([sys.executable, "-m", module, *arguments])
            os.execvpe(argv[0], argv, {**os.environ, NAMESPACE_MARKER: "1"})
            return EXIT_NOT_RUN  # execvpe does not return; should it, this process is still outside
    elif not in_private_namespace(os.environ):
        problem = f"interfaces other than lo exist here ({', '.join(network_interfaces())})"
    elif not loopback_works():
        problem = "loopback does not answer inside the namespace"
    else:
        return None
    print(refusal_message(problem, command, not_done), file=sys.stderr)
    return EXIT_NOT_RUN
