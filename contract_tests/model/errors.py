"""The error a run's settings can be in."""

from __future__ import annotations

__all__ = ["ConfigurationError"]


class ConfigurationError(ValueError):
    """The environment (or a file it names, such as a baseline) does not describe a usable run (exit status 2)."""
