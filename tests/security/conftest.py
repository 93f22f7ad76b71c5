"""Fixtures: the in-process fake Nextcloud and MCP clients (defined once in support/fixtures.py)."""

from support.fixtures import control, fake, mcp_as

__all__ = ["control", "fake", "mcp_as"]
