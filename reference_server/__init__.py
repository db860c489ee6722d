"""A faithful, persistent local stand-in for Skyvern's run API: the default target of the contract tests.

- `python -m reference_server` (or `make serve`) starts it; see `reference_server.cli`.
- `reference_server.app.create_app(ServerConfig(...))` embeds it as an ASGI app (`ServerConfig` is in
  `reference_server.config`).
- `reference_server.process.start_server()` starts it as a subprocess on a free port (for tests); `spawn()` runs any
  server command line the same way.
- `FAULTS` names the opt-in contract breaks (`--fault NAME`) for the contract suite's kill matrix; each is defined,
  with its behaviour, in `reference_server.breaks`; `reference_server.faults` switches them on.

This `__init__` imports nothing heavy, so `from reference_server import FAULTS` works without the generated client.

Example:
    >>> from reference_server import FAULTS
    >>> all(isinstance(description, str) for description in FAULTS.values())
    True
"""

from __future__ import annotations

from reference_server.faults import FAULTS

__all__ = ["FAULTS"]
