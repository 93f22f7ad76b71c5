"""Redaction: no credential survives into a log line."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from nextcloud_mcp.logging import RedactingFilter, configure_logging, redact


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
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
