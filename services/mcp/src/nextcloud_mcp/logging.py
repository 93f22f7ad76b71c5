"""Logging to stderr as text or JSON, with secrets scrubbed from every record and no user content in any.

stdout belongs to the stdio transport, so nothing here ever writes there.

Two kinds of protection:
- redaction (`redact`): credentials (Authorization header values, bearer/basic credentials that look like
  credentials, `password=` / `"token": …` pairs, URL user:password, and the literal secrets from the settings)
  become `[REDACTED]`; ordinary words after "bearer" or "token:" are left alone;
- quiet third-party loggers (`QUIET_LOGGERS`, `SILENT_LOGGERS`): libraries that print whole messages or
  headers at DEBUG are held at INFO (or WARNING) whatever `MCP_LOG_LEVEL` says, and the SDK's line about a
  failed tool call keeps the tool name but not the error text, which may quote the caller's content.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable

__all__ = ["QUIET_LOGGERS", "SILENT_LOGGERS", "RedactingFilter", "ToolFailureFilter", "configure_logging", "redact"]

# Held at INFO even when MCP_LOG_LEVEL=DEBUG: their DEBUG lines carry whole messages (tool results, arguments).
QUIET_LOGGERS = (
    "sse_starlette",  # "chunk: b'event: message data: {…result…}'": every SSE chunk, i.e. every tool result
    "mcp.server.sse",  # the legacy SSE transport logs each message it receives and sends
    "mcp.server.runner",  # "dropped a frame received before the first request: <the message>"
    "mcp.shared.jsonrpc_dispatcher",  # "transport yielded exception: <ValidationError quoting the input>"
)
# Held at WARNING: HTTP client libraries log request lines (paths, file names) at INFO and headers at DEBUG.
SILENT_LOGGERS = ("httpx2", "httpcore2", "httpx", "httpcore", "hpack", "h2")

_TOKEN68 = r"[A-Za-z0-9_~+/-]+(?:\.[A-Za-z0-9_~+/-]+)*=*"  # RFC 7235 token68; dots only inside (JWTs)
_SCHEMES = r"basic|bearer|digest|negotiate|ntlm|dpop|token"
_KEYS = r"app_?password|password|passwd|client_secret|secret|access_token|refresh_token|id_token|token|api_?key"

# Authorization header values, in headers, repr'd dicts or query strings: the credential after a scheme is
# always redacted; a bare value only when the header is structured data or the value looks like a credential.
_AUTHORIZATION = re.compile(
    rf"(?i)(?P<key>(?P<q>[\"']?)authorization(?P=q))(?P<sep>\s*[:=]\s*)(?P<vq>[\"']?)"
    rf"(?:(?P<scheme>{_SCHEMES})\s+)?(?P<value>[^\s\"',&}}]+)"
)
# key=value, "key": "value", key: value for credential-like keys.
_KEY_VALUE = re.compile(
    rf"(?i)(?P<key>(?P<q>[\"']?)(?:{_KEYS})(?P=q))(?P<sep>\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"',&}]+)"
)
# "Bearer <credential>" / "Basic <credential>" anywhere else (prose like "bearer tokens" stays).
_SCHEME_CREDENTIAL = re.compile(rf"(?i)\b(?P<scheme>basic|bearer)\s+(?P<value>{_TOKEN68})")
# user:password@host in URLs
_URL_USERINFO = re.compile(r"(//[^/\s:@]+):[^/\s@]+@")

_MASK = "[REDACTED]"


def looks_like_secret(word: str) -> bool:
    """Whether `word` has the shape of a credential rather than of a word or an identifier.

    Credentials: a mix of letters and digits, base64/JWT punctuation, camel-case mixing, or a very long run
    of letters. Words: "tokens", "authentication", "expired", "JWT", "OAuth", "NEXTCLOUD_PASSWORD", "well-known".
    """
    core = word.strip("\"'").rstrip("=")
    if len(core) < 6:
        return False
    if any(c.isdigit() for c in core) and any(c.isalpha() for c in core):
        return True
    if any(c in "+/" for c in core) or word.endswith("=") or ("." in core and len(core) >= 8):
        return True
    letters = core.replace("-", "").replace("_", "")
    if re.search(r"[a-z][A-Z]", letters):
        return True
    return len(letters) >= 24 and letters.isalpha()


def _masked(value: str) -> str:
    """`[REDACTED]`, inside the value's own quotes when it had them."""
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        return f"{value[0]}{_MASK}{value[0]}"
    return _MASK


def _authorization(match: re.Match[str]) -> str:
    value = match["value"]
    structured = bool(match["q"]) or "=" in match["sep"] or bool(match["vq"])
    if not (match["scheme"] or structured or looks_like_secret(value)):
        return match[0]
    scheme = f"{match['scheme']} " if match["scheme"] else ""
    return f"{match['key']}{match['sep']}{match['vq']}{scheme}{_MASK}"


def _key_value(match: re.Match[str]) -> str:
    value = match["value"]
    structured = bool(match["q"]) or "=" in match["sep"] or value[0] in "\"'"
    if not (structured or looks_like_secret(value)):
        return match[0]  # prose: "access token: expired", "NEXTCLOUD_PASSWORD: Field required"
    return f"{match['key']}{match['sep']}{_masked(value)}"


def _scheme_credential(match: re.Match[str]) -> str:
    if not looks_like_secret(match["value"]):
        return match[0]  # "validates bearer tokens", "Basic authentication"
    return f"{match['scheme']} {_MASK}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with credentials and the given literal `secrets` replaced by `[REDACTED]`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _MASK)
    text = _AUTHORIZATION.sub(_authorization, text)
    text = _KEY_VALUE.sub(_key_value, text)
    text = _SCHEME_CREDENTIAL.sub(_scheme_credential, text)
    return _URL_USERINFO.sub(rf"\1:{_MASK}@", text)


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


_SDK_SERVER_LOGGER = "mcp.server.mcpserver.server"
_STATUS = re.compile(r" → (\d{3})\)$")


class ToolFailureFilter(logging.Filter):
    """Drops the error text from the SDK's `Tool %r failed: %r` (and `Resource %r failed: %r`) lines.

    The error text goes to the model, and may quote what the caller sent (a note's diff after a conflict, a
    value that failed validation). The log keeps the tool name and, when Nextcloud answered, its status.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in ("Tool %r failed: %r", "Resource %r failed: %r") and isinstance(record.args, tuple):
            what, text = (*record.args, "", "")[:2]
            status = _STATUS.search(str(text))
            detail = (
                " (invalid arguments)"
                if "Invalid arguments:" in str(text)
                else f" (Nextcloud answered {status.group(1)})"
                if status
                else ""
            )
            kind = "Tool" if record.msg.startswith("Tool") else "Resource"
            record.msg = (
                f"{kind} %r failed%s; its error text went to the caller and is not logged (it may quote content)"
            )
            record.args = (what, detail)
        return True


def _quiet_third_parties(level: int) -> None:
    """Hold content-printing libraries at INFO and HTTP client libraries at WARNING (never below `level`)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in SILENT_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    sdk = logging.getLogger(_SDK_SERVER_LOGGER)
    if not any(isinstance(f, ToolFailureFilter) for f in sdk.filters):
        sdk.addFilter(ToolFailureFilter())


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
    _quiet_third_parties(root.level)
    return redactor
