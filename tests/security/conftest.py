"""Fixtures: the in-process fake Nextcloud and MCP clients (see security/fixtures.py)."""

from security.fixtures import control, fake, mcp_as

__all__ = ["control", "fake", "mcp_as"]
