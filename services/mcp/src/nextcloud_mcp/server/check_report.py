"""The findings of `nextcloud-mcp-server check`: one `Line` per finding, a `Report` of them and its text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Line", "Report", "Status"]

Status = Literal["ok", "warn", "fail", "info"]
_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "info": "--  "}


@dataclass(frozen=True)
class Line:
    """One finding: `topic` (what was checked), `text` (what was found), `fix` (what to do; for warn/fail)."""

    status: Status
    topic: str
    text: str
    fix: str = ""


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    def add(self, status: Status, topic: str, text: str, fix: str = "") -> None:
        self.lines.append(Line(status, topic, text, fix))

    @property
    def failed(self) -> bool:
        return any(line.status == "fail" for line in self.lines)

    def render(self) -> str:
        out = []
        for line in self.lines:
            out.append(f"[{_MARK[line.status]}] {line.topic:<12} {line.text}")
            if line.fix:
                out.append(f"{'':20}fix: {line.fix}")
        problems = sum(line.status == "fail" for line in self.lines)
        out.append(
            f"{problems} problem(s) to fix; the server would not work as configured."
            if problems
            else "No blocking problem found."
        )
        return "\n".join(out)
