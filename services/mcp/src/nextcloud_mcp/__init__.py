"""Nextcloud MCP server.

The version has one source, `services/mcp/pyproject.toml`; `__version__` reads the installed distribution's
metadata the first time it is asked for (importing `importlib.metadata` costs ~35 ms, which `--help` skips).
"""

from __future__ import annotations

from functools import cache

__all__ = ["DISTRIBUTION"]  # and __version__, read on first use (__getattr__)

DISTRIBUTION = "nextcloud-mcp-bridge"


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
