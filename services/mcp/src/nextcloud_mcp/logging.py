"""Logging to stderr as text or JSON, with secrets scrubbed from every record.

stdout belongs to the stdio transport, so nothing here ever writes there.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable

__all__ = ["RedactingFilter", "configure_logging", "redact"]

_PATTERNS = [
    # Authorization: Basic xxx / Bearer xxx, in headers or repr'd dicts
    (re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [REDACTED]"),
    # key=value / "key": "value" for credential-like keys
    (
        re.compile(
            r"(?i)([\"']?(?:password|passwd|app_?password|token|access_token|refresh_token|id_token|client_secret"
            r"|authorization|secret)[\"']?\s*[:=]\s*[\"']?)([^\s\"',&}]+)"
        ),
        r"\1[REDACTED]",
    ),
    # user:password@host in URLs
    (re.compile(r"(//[^/\s:@]+):[^/\s@]+@"), r"\1:[REDACTED]@"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with credentials and the given literal `secrets` replaced by `[REDACTED]`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (args merged) with `redact`, so no handler sees a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not kill logging
            message = str(record.msg)
        record.msg = redact(message, self._secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self._secrets)
            record.exc_info = None
        return True


class _JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> RedactingFilter:
    """Send all logs to stderr through one redacting handler; returns the filter to register more secrets."""
    handler = logging.StreamHandler(sys.stderr)
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    if fmt == "json":
        handler.setFormatter(_JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx2 logs full request lines at INFO; ours are enough.
    for noisy in ("httpx2", "httpcore2", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redactor
