"""Injectable clocks, so that mtimes, ``lastUpdate`` and chunk cursors are deterministic in tests."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Anything with ``now() -> float`` (Unix seconds)."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to.

    >>> clock = ManualClock(1_700_000_000)
    >>> clock.advance(60)
    >>> int(clock.now())
    1700000060
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def set(self, timestamp: float) -> None:
        self._now = float(timestamp)

    def advance(self, seconds: float) -> None:
        self._now += float(seconds)
