"""No user content in the server's logs, even at `MCP_LOG_LEVEL=DEBUG` over streamable HTTP with SSE.

The server is served by uvicorn on loopback (stateful, SSE responses: the transport that made
`sse_starlette` log every chunk) and logging is configured exactly as `server/run.py` does. Tool results
carry note and file contents and a public share link; failing calls carry content in their arguments. None
of it may reach any log record of the server (the MCP client runs in this process too: its own records,
`mcp.client.*`, are not the server's log).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.logging import QUIET_LOGGERS, SILENT_LOGGERS, configure_logging
from nextcloud_mcp.server.build import build_http_app, build_server
from support.asgi_server import serve
from support.fixtures import USERS, server_env
from support.mcp_helpers import error_text, structured
from support.processes import free_port

pytestmark = pytest.mark.anyio

MARKER = "ZQX-private-marker-7f3a"
_CLIENT_LOGGERS = ("mcp.client", "fake_nextcloud")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(_CLIENT_LOGGERS):
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        self.lines.append((record.name, record.levelno, text))

    def containing(self, needle: str) -> list[str]:
        return [f"{name}: {text[:200]!r}" for name, _, text in self.lines if needle in text]


@pytest.fixture
def debug_logs() -> Iterator[_Capture]:
    """Logging as `run()` configures it at DEBUG, plus a handler that sees every record; all restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    touched = [logging.getLogger(name) for name in (*QUIET_LOGGERS, *SILENT_LOGGERS)]
    levels = [(logger, logger.level) for logger in touched]
    sdk = logging.getLogger("mcp.server.mcpserver.server")
    filters = list(sdk.filters)
    configure_logging("DEBUG", "json", [USERS["alice"]])
    capture = _Capture()
    root.addHandler(capture)
    yield capture
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, old in levels:
        logger.setLevel(old)
    sdk.filters[:] = filters


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_debug_logs_over_sse_carry_no_content(fake: FakeNextcloud, debug_logs: _Capture, mode: str) -> None:
    """`legacy`: the initialize handshake and a stateful session answered through `sse_starlette` (what
    today's clients speak); `auto`: the SDK's newest protocol, answered per request."""
    port = free_port()
    settings = load_settings(environ=server_env("alice", MCP_TRANSPORT="streamable-http", MCP_PORT=port))
    assert not settings.mcp_json_response and not settings.mcp_stateless_http  # stateful, SSE answers
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    big = MARKER + "x" * (256 * 1024)
    async with (
        serve(build_http_app(server, settings), port) as base,
        Client(streamable_http_client(f"{base}/mcp"), mode=mode) as c,
    ):
        note = structured(await c.call_tool("nc_notes_create_note", {"title": "Plans", "content": big}))
        assert structured(await c.call_tool("nc_notes_get_note", {"note_id": note["id"]}))["content"] == big
        # failing calls whose arguments carry content: a stale etag (its error shows the model a diff of the
        # content, which must stay out of the log), a missing note, a wrong-typed argument
        stale = await c.call_tool(
            "nc_notes_update_note", {"note_id": note["id"], "etag": "0" * 32, "content": MARKER + " v2"}
        )
        assert stale.is_error and MARKER in error_text(stale)
        missing = await c.call_tool("nc_notes_update_note", {"note_id": 987654, "force": True, "content": MARKER})
        assert missing.is_error
        wrong = await c.call_tool("nc_notes_create_note", {"title": ["not", "a", "title"], "content": MARKER})
        assert wrong.is_error and MARKER not in error_text(wrong)
        # file contents and a public link
        structured(await c.call_tool("nc_files_write_file", {"path": "/plan.md", "text": MARKER + " file"}))
        assert MARKER in structured(await c.call_tool("nc_files_read_file", {"path": "/plan.md"}))["text"]
        link = structured(await c.call_tool("nc_shares_create_share", {"path": "/plan.md", "type": "link"}))
        assert link["url"]
    assert any(level == logging.DEBUG for _, level, _ in debug_logs.lines), "DEBUG was not in effect"
    assert any("nc_notes_update_note" in text for _, _, text in debug_logs.lines), "failing calls were not logged"
    assert not debug_logs.containing(MARKER)
    assert not debug_logs.containing(link["url"]) and not debug_logs.containing(link["url"].rsplit("/", 1)[-1])
    assert not debug_logs.containing(USERS["alice"])
    assert max(len(text) for _, _, text in debug_logs.lines) < 64 * 1024, "a log line carries a body"
