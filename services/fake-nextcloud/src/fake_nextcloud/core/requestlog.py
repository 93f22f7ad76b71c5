"""The request log read back through ``GET /__testbed__/requests``.

Records never hold credentials: no headers and no bodies are kept, and query-string values whose key looks
like a secret (passwords, tokens, client secrets, authorization codes, PKCE verifiers, session ids) are
replaced by ``***``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["RequestLog", "RequestRecord", "redact_query"]

_SECRET_KEY = re.compile(r"pass|token|secret|auth|key|cred|verifier|session|assertion|^code$", re.IGNORECASE)


def redact_query(query: str) -> str:
    """Mask values of query parameters that could carry a secret."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if _SECRET_KEY.search(k) else v) for k, v in pairs])


@dataclass(frozen=True)
class RequestRecord:
    """One handled request."""

    seq: int
    time: float
    method: str
    path: str
    query: str
    status: int | None
    user: str | None
    login: str | None  # how the user was logged in: "session" (cookie), "basic", "bearer"
    fault: str | None
    dropped: bool
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "user": self.user,
            "login": self.login,
            "fault": self.fault,
            "dropped": self.dropped,
            "duration_ms": round(self.duration_ms, 3),
        }


class RequestLog:
    """A bounded in-memory log (oldest entries are discarded first)."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._seq = 0

    def __len__(self) -> int:
        return len(self._records)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def append(self, record: RequestRecord) -> None:
        self._records.append(record)

    def clear(self) -> None:
        self._records.clear()

    def records(self) -> list[RequestRecord]:
        return list(self._records)
