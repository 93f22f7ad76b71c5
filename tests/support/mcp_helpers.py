"""Helpers for driving the server with the official MCP client."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

__all__ = ["McpFactory", "error_text", "structured"]

McpFactory = Callable[..., AbstractAsyncContextManager[Client]]


def structured(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful tool result (fails the test on a tool error)."""
    assert not result.is_error, error_text(result)
    content: dict[str, Any] | None = result.structured_content
    assert content is not None
    return content


def error_text(result: CallToolResult) -> str:
    """The text of a tool result (used for errors)."""
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))
