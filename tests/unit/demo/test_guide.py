"""The start-up text: the sandbox warning and exact, copyable snippets for each client."""

from __future__ import annotations

import json
import shlex

from nextcloud_mcp.demo.guide import guide


def _after(text: str, heading: str) -> str:
    lines = text.splitlines()
    return lines[lines.index(heading) + 1].strip()


def test_stdio_snippets_start_this_installation() -> None:
    command = "/home/al ice/.local/bin/nextcloud-mcp-server"
    text = guide("http://127.0.0.1:4321", command)
    assert "SANDBOX" in text and "vanishes when this process exits" in text and "http://127.0.0.1:4321" in text
    code = _after(text, "Claude Code:")
    assert shlex.split(code) == ["claude", "mcp", "add", "nextcloud-demo", "--", command, "demo"]
    desktop = json.loads(_after(text, "Claude Desktop (claude_desktop_config.json, then restart Claude Desktop):"))
    assert desktop == {"mcpServers": {"nextcloud-demo": {"command": command, "args": ["demo"]}}}
    vscode = json.loads(_after(text, "VS Code (.vscode/mcp.json):"))
    assert vscode == {"servers": {"nextcloud-demo": {"type": "stdio", "command": command, "args": ["demo"]}}}
    inspector = _after(text, "MCP Inspector:")
    assert shlex.split(inspector) == ["npx", "@modelcontextprotocol/inspector", command, "demo"]


def test_http_snippets_name_the_endpoint() -> None:
    url = "http://127.0.0.1:8000/mcp"
    text = guide("http://127.0.0.1:4321", "nextcloud-mcp-server", url)
    assert _after(text, "Claude Code:") == f"claude mcp add --transport http nextcloud-demo {url}"
    vscode = json.loads(_after(text, "VS Code (.vscode/mcp.json):"))
    assert vscode == {"servers": {"nextcloud-demo": {"type": "http", "url": url}}}
    assert url in _after(text, "MCP Inspector:") and "no login" not in text


def test_http_on_all_interfaces_warns_that_anyone_may_use_it() -> None:
    text = guide("http://127.0.0.1:4321", "nextcloud-mcp-server", "http://127.0.0.1:8000/mcp", host="0.0.0.0")
    assert "anyone who reaches this port uses the sandbox as alice, with no login" in text
