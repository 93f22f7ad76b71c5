"""In-process integration: the real server, the fake Nextcloud as an ASGI app, the SDK's in-memory client
(fixtures defined once in support/fixtures.py)."""

from support.fixtures import USERS, control, fake, mcp_as

__all__ = ["USERS", "control", "fake", "mcp_as"]
