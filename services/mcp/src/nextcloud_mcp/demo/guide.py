"""What the demo prints at start: the sandbox warning and how to connect Claude Code, Claude Desktop, VS Code and
the MCP Inspector, with this installation's own command or URL in every snippet."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["NAME", "executable", "guide"]

NAME = "nextcloud-demo"  # the server's name in the clients' configurations
_RULE = "=" * 100
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def executable() -> str:
    """The absolute path of `nextcloud-mcp-server` (clients such as Claude Desktop do not see the shell's PATH)."""
    started = Path(sys.argv[0])
    if started.name == "nextcloud-mcp-server" and started.is_file():
        return os.path.abspath(started)  # not resolved: `uv tool` links survive upgrades, their targets do not
    return shutil.which("nextcloud-mcp-server") or "nextcloud-mcp-server"


def guide(sandbox_url: str, command: str, mcp_url: str | None = None, host: str = "127.0.0.1") -> str:
    """The text for stdio (`mcp_url` None: goes to stderr, stdout is the protocol) or streamable HTTP."""
    lines = [
        _RULE,
        " nextcloud-mcp-server demo: a SANDBOX. All data is made up and vanishes when this process exits.",
        _RULE,
        f"A fake Nextcloud runs inside this process at {sandbox_url} (no Docker, no real Nextcloud; nothing",
        "leaves this machine). You are alice, with notes, files, a folder bob shared, a calendar with a weekly",
        "stand-up, tasks, contacts, a Deck board, a table and two recipes. Change anything: it is all thrown away.",
        "",
    ]
    lines += _stdio(command) if mcp_url is None else _http(mcp_url, host)
    lines += ["", "Ctrl-C (or closing the client) stops the demo and deletes the sandbox.", _RULE]
    return "\n".join(lines)


def _stdio(command: str) -> list[str]:
    stdio = {"command": command, "args": ["demo"]}
    return [
        "This process speaks MCP on stdio: an MCP client starts it. Add it to one:",
        "",
        "Claude Code:",
        f"  claude mcp add {NAME} -- {shlex.quote(command)} demo",
        "Claude Desktop (claude_desktop_config.json, then restart Claude Desktop):",
        "  " + json.dumps({"mcpServers": {NAME: stdio}}),
        "VS Code (.vscode/mcp.json):",
        "  " + json.dumps({"servers": {NAME: {"type": "stdio", **stdio}}}),
        "MCP Inspector:",
        f"  npx @modelcontextprotocol/inspector {shlex.quote(command)} demo",
        "",
        f"Over HTTP instead: {shlex.quote(command)} demo --transport streamable-http --port 8000",
    ]


def _http(url: str, host: str) -> list[str]:
    lines = [
        f"This process serves MCP over streamable HTTP at {url}. Connect a client:",
        "",
        "Claude Code:",
        f"  claude mcp add --transport http {NAME} {url}",
        "VS Code (.vscode/mcp.json):",
        "  " + json.dumps({"servers": {NAME: {"type": "http", "url": url}}}),
        "MCP Inspector:",
        f'  npx @modelcontextprotocol/inspector   then Transport Type "Streamable HTTP", URL {url}',
        "Claude Desktop starts local servers itself: use the stdio form (`nextcloud-mcp-server demo`).",
    ]
    if host not in _LOOPBACK:
        lines += ["", f"Listening on {host}: anyone who reaches this port uses the sandbox as alice, with no login."]
    return lines
