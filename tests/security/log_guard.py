"""Session-wide check that no secret of the testbed reaches a log line of the server.

`tests/conftest.py` installs one `LogGuard` for the whole pytest session. It
- captures every log record at DEBUG in this process (the server under test runs in-process in most
  suites), rendered the way production renders it: message with arguments merged, traceback text,
  then the server's own redaction patterns (`nextcloud_mcp.logging.redact`, without literal secrets),
- reads, at the end, the output of every server child process the tests started (`mcp-*.log` files,
  written by `support.processes.ManagedProcess` under pytest's temporary directory),
- fails the session if any registered secret (user passwords, app passwords, client secrets and every
  access token the security suites mint) appears in either.

Records of the fake Nextcloud (`fake_nextcloud.*`) are not checked: the fake stands in for Nextcloud,
whose logs are not ours to keep clean.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from nextcloud_mcp.logging import redact

__all__ = ["GUARD", "LogGuard", "register_secret"]

# Passwords and app passwords the shared fixtures use (tests/conftest.py, integration/e2e/conformance).
KNOWN_SECRETS = ("alice-secret", "bob-secret", "alice-app-password", "carol-secret", "dave-secret")
_IGNORED_LOGGERS = ("fake_nextcloud",)
_MIN_LENGTH = 8  # shorter values would match ordinary words


class LogGuard(logging.Handler):
    """A logging handler that remembers every record in which a registered secret survived redaction."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.secrets: set[str] = set(KNOWN_SECRETS)
        self.leaks: list[str] = []
        self.records = 0

    def add(self, *values: str) -> None:
        self.secrets.update(v for v in values if v and len(v) >= _MIN_LENGTH)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(_IGNORED_LOGGERS):
            return
        self.records += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not a leak
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        found = self.find(redact(text))
        if found:
            self.leaks.append(f"{record.name}: {_masked(redact(text), found)}")

    def find(self, text: str) -> list[str]:
        return [secret for secret in self.secrets if secret in text]

    def attach(self) -> None:
        """(Re)attach to the root logger at DEBUG; a test may have reconfigured logging in between."""
        root = logging.getLogger()
        if self not in root.handlers:
            root.addHandler(self)
        root.setLevel(logging.DEBUG)
        for noisy in ("httpcore", "httpcore2", "hpack", "asyncio", "hypothesis", "filelock"):
            logging.getLogger(noisy).setLevel(logging.INFO)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)

    def scan_files(self, files: Iterable[Path]) -> list[str]:
        """Leaks in the given child-process logs."""
        leaks = []
        for path in files:
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                found = self.find(line)
                if found:
                    leaks.append(f"{path.name}: {_masked(line, found)}")
        return leaks

    def report(self, base: Path) -> list[str]:
        """Every leak seen in this process and in the server child processes' logs under `base`."""
        return [*self.leaks, *self.scan_files(sorted(base.rglob("mcp-*.log")))]


def _masked(line: str, found: list[str]) -> str:
    """The offending line for the failure message, the secrets in it masked (CI output is a log too)."""
    for secret in found:
        line = line.replace(secret, f"<secret {secret[:4]}…>")
    return repr(line[:300])


GUARD = LogGuard()


def register_secret(*values: str) -> None:
    """Register values (tokens, secrets) that must never appear in a log line."""
    GUARD.add(*values)
