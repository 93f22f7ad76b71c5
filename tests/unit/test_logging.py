"""Redaction: no credential survives into a log line."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from nextcloud_mcp.logging import (
    QUIET_LOGGERS,
    SILENT_LOGGERS,
    RedactingFilter,
    ToolFailureFilter,
    configure_logging,
    looks_like_secret,
    redact,
)


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Basic " + base64.b64encode(b"alice:hunter2-pw").decode(),
        "headers={'authorization': 'Bearer eyJhbGciOi.abc.def'}",
        "password=hunter2-pw&user=alice",
        '{"client_secret": "hunter2-pw"}',
        "https://alice:hunter2-pw@cloud.example.com/",
    ],
)
def test_patterns_are_redacted(line: str) -> None:
    out = redact(line)
    assert "hunter2-pw" not in out
    assert "eyJhbGciOi" not in out
    assert "aHVudGVy" not in out  # base64 fragment of the password
    assert "[REDACTED]" in out


def test_literal_secrets_are_redacted_anywhere() -> None:
    assert redact("the value is xyz-SECRET-123 here", ["xyz-SECRET-123"]) == "the value is [REDACTED] here"


@pytest.fixture
def _restore_root_logging() -> Iterator[None]:
    """Undo what `configure_logging` changes: root handlers and level, library levels, the SDK logger's filters."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = [logging.getLogger(name) for name in (*QUIET_LOGGERS, *SILENT_LOGGERS)]
    levels = [(logger, logger.level) for logger in libraries]
    sdk = logging.getLogger("mcp.server.mcpserver.server")
    filters = list(sdk.filters)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, old in levels:
        logger.setLevel(old)
    sdk.filters[:] = filters


@pytest.mark.usefixtures("_restore_root_logging")
def test_filter_rewrites_messages_args_and_tracebacks(capfd: pytest.CaptureFixture[str]) -> None:
    redactor = configure_logging("DEBUG", "json", ["pw-literal-999"])
    log = logging.getLogger("test.redaction")
    try:
        raise RuntimeError("failed with pw-literal-999")
    except RuntimeError:
        log.exception("request %s", {"Authorization": "Basic YWxpY2U6cHctbGl0ZXJhbC05OTk="})
    assert isinstance(redactor, RedactingFilter)
    err = capfd.readouterr().err
    assert "pw-literal-999" not in err
    assert "YWxpY2U6" not in err
    assert '"level": "ERROR"' in err
    assert "RuntimeError" in err


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer abcdefghijklmnop",  # whatever its shape, the value of an Authorization header
        "authorization=Bearer lowercaseonly",
        "{'Authorization': 'plainvalue'}",
        "Bearer 3f9a1c0e5d7b2a4c6e8f0a1b",  # hex
        "bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",  # JWT
        "Bearer AbCdE-fGhIj-KlMnO-pQrSt-UvWxY",  # Nextcloud app password shape
        "Basic YWxpY2U6aHVudGVyMi1wdw==",
        "{'password': 'correct horse battery'}",
        "password=correcthorse",
        '"token": "abcdefgh"',
        "NEXTCLOUD_PASSWORD=plainwords",
        "access_token: s3cr3tvalue9",
    ],
)
def test_credentials_are_redacted_whatever_the_syntax(line: str) -> None:
    out = redact(line)
    assert "[REDACTED]" in out
    for fragment in ("abcdefghijklmnop", "lowercaseonly", "plainvalue", "3f9a1c0e", "eyJhbGci", "AbCdE", "YWxpY2U6",
                     "horse", "correcthorse", "abcdefgh", "plainwords", "s3cr3t"):  # fmt: skip
        assert fragment not in out, out


@pytest.mark.parametrize(
    "line",
    [
        "The gate validates bearer tokens against the IdP",
        "Basic authentication is refused; send a Bearer token instead",
        "Bearer JWT or opaque tokens are accepted (OAuth)",
        "Rejected access token: expired",
        "Invalid configuration: NEXTCLOUD_PASSWORD: Field required",
        "MCP_OIDC_CLIENT_SECRET: is required with MCP_OIDC_CLIENT_ID",
        "authorization: denied for this scope",
        "refresh_token: not issued by this provider",
        "MCP_REQUIRE_AUDIENCE=false: tokens issued for other services are accepted here",
        "Token cache: well-known document read",
    ],
)
def test_prose_is_left_alone(line: str) -> None:
    assert redact(line) == line


def test_only_credential_shapes_count_as_secrets() -> None:
    for word in ("hunter2-pw", "YWxpY2U6cHc=", "eyJhbGciOi.abc.def", "AbCdEfGhIj", "a" * 30, "tok/en+abc"):
        assert looks_like_secret(word), word
    for word in ("tokens", "authentication", "JWT", "OAuth", "NEXTCLOUD_PASSWORD", "well-known", "expired", "v2"):
        assert not looks_like_secret(word), word


@pytest.mark.usefixtures("_restore_root_logging")
@pytest.mark.parametrize(("level", "quiet", "silent"), [("DEBUG", "INFO", "WARNING"), ("ERROR", "ERROR", "ERROR")])
def test_third_party_loggers_never_print_bodies(level: str, quiet: str, silent: str) -> None:
    """At DEBUG, libraries that print whole messages stay at INFO; at ERROR they are not made chattier."""
    configure_logging(level, "text")
    assert {"sse_starlette", "mcp.server.runner", "mcp.shared.jsonrpc_dispatcher"} <= set(QUIET_LOGGERS)
    for name in QUIET_LOGGERS:
        assert logging.getLevelName(logging.getLogger(name).getEffectiveLevel()) == quiet, name
    for name in SILENT_LOGGERS:
        assert logging.getLevelName(logging.getLogger(name).getEffectiveLevel()) == silent, name
    assert logging.getLogger("nextcloud_mcp.core.http").isEnabledFor(logging.DEBUG) == (level == "DEBUG")


@pytest.mark.usefixtures("_restore_root_logging")
def test_failed_tool_lines_keep_the_tool_but_not_the_error_text(capfd: pytest.CaptureFixture[str]) -> None:
    sdk = logging.getLogger("mcp.server.mcpserver.server")
    sdk.filters[:] = [f for f in sdk.filters if not isinstance(f, ToolFailureFilter)]
    configure_logging("INFO", "text")
    configure_logging("INFO", "text")  # configured twice: one filter
    assert sum(isinstance(f, ToolFailureFilter) for f in sdk.filters) == 1
    diff = "Note 3 changed on the server.\nServer content compared with yours:\n-my private text\n+theirs"
    sdk.info("Tool %r failed: %r", "nc_notes_update_note", f"Error executing tool nc_notes_update_note: {diff}")
    sdk.info("Tool %r failed: %r", "nc_files_read_file", "Error: /a.md does not exist (GET /x/a.md → 404)")
    sdk.info("Tool %r failed: %r", "nc_notes_create_note", "Error: Invalid arguments: title: Input should be")
    sdk.info("Tool %r rejected arguments: %r", "nc_notes_create_note", ["title"])
    err = capfd.readouterr().err
    assert "private text" not in err and "does not exist" not in err
    assert "Tool 'nc_notes_update_note' failed; its error text went to the caller" in err
    assert "Tool 'nc_files_read_file' failed (Nextcloud answered 404)" in err
    assert "Tool 'nc_notes_create_note' failed (invalid arguments)" in err
    assert "rejected arguments: ['title']" in err
