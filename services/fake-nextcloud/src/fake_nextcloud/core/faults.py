"""Fault rules for the testbed: added latency, forced statuses, dropped connections.

Rules are data only; ``fake_nextcloud.control.middleware`` applies them before Nextcloud routing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.php import php_json_encode

__all__ = ["FaultRule", "FaultSet"]

_ids = itertools.count(1)


@dataclass
class FaultRule:
    """One fault. It matches ``method`` (any if ``None``), a ``path`` regex (``re.search`` on the request
    path without query string) and optionally a ``user`` (login name or user id from HTTP Basic).

    Actions, applied in this order: wait ``latency_ms``; then either drop the connection (``drop``),
    answer ``status`` with ``body``/``headers``, or pass the request on. ``times`` limits how often the rule
    fires (``None`` = unlimited).
    """

    path: re.Pattern[str]
    method: str | None = None
    user: str | None = None
    latency_ms: int = 0
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    times: int | None = None
    hits: int = 0
    id: str = field(default_factory=lambda: f"fault-{next(_ids)}")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from the control API's JSON shape (see ``control/routes.py``)."""
        action = data.get("action", data)
        if not isinstance(action, Mapping):
            raise ValueError("'action' must be an object")
        body_value = action.get("body", b"")
        headers = {str(k): str(v) for k, v in dict(action.get("headers") or {}).items()}
        if isinstance(body_value, bytes):
            body = body_value
        elif isinstance(body_value, str):
            body = body_value.encode("utf-8")
        else:
            body = php_json_encode(body_value).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        status = action.get("status")
        times = data.get("times", data.get("count"))
        try:
            pattern = re.compile(str(data.get("path", ".*")))
        except re.error as exc:
            raise ValueError(f"invalid path regex: {exc}") from None
        rule = cls(
            path=pattern,
            method=str(data["method"]).upper() if data.get("method") else None,
            user=str(data["user"]) if data.get("user") else None,
            latency_ms=int(action.get("latency_ms", 0)),
            status=int(status) if status is not None else None,
            body=body,
            headers=headers,
            drop=bool(action.get("drop", False)),
            times=int(times) if times is not None else None,
        )
        if rule.latency_ms < 0 or (rule.times is not None and rule.times < 0):
            raise ValueError("latency_ms and times must not be negative")
        if rule.status is not None and not 100 <= rule.status <= 599:
            raise ValueError("status must be an HTTP status code")
        return rule

    @property
    def active(self) -> bool:
        return self.times is None or self.times > 0

    def matches(self, method: str, path: str, user_names: Callable[[], frozenset[str]]) -> bool:
        if not self.active:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        if self.path.search(path) is None:
            return False
        return self.user is None or self.user in user_names()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path.pattern,
            "user": self.user,
            "action": {
                "latency_ms": self.latency_ms,
                "status": self.status,
                "drop": self.drop,
                "headers": dict(self.headers),
                "body": self.body.decode("utf-8", "replace"),
            },
            "times": self.times,
            "hits": self.hits,
        }


class FaultSet:
    """Ordered fault rules; the first active matching rule wins."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []

    def __len__(self) -> int:
        return len(self._rules)

    def add(self, rule: FaultRule) -> FaultRule:
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def take(self, method: str, path: str, user_names: Callable[[], frozenset[str]]) -> FaultRule | None:
        """Return the rule that fires for this request (counting the hit), or ``None``."""
        for rule in self._rules:
            if rule.matches(method, path, user_names):
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None
