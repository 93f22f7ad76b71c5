"""What can stop the demo before the MCP server runs."""

from __future__ import annotations

__all__ = ["DemoError", "DemoUnavailable", "SandboxError", "SeedError"]


class DemoError(Exception):
    """The demo cannot run; the message says why and what to do."""


class DemoUnavailable(DemoError):
    """The `demo` extra (the fake Nextcloud) is not installed; the message is the command that installs it."""


class SandboxError(DemoError):
    """The sandbox Nextcloud could not start."""


class SeedError(DemoError):
    """The sandbox refused a piece of the sample data (a bug of the demo, not of the user's setup)."""
