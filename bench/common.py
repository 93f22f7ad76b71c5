"""Shared pieces of the benchmarks: statistics, process helpers, a raw stdio JSON-RPC client, RSS readings.

Every child process is a `ManagedProcess` (tests/support/processes.py) or a `StdioRpc` here: each gets a PID
file in the run directory and is stopped by that PID, so nothing outlives a run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.processes import VENV_BIN, ManagedProcess, free_port, http_ready  # noqa: E402

__all__ = [
    "ROOT",
    "ManagedProcess",
    "StdioRpc",
    "free_port",
    "http_ready",
    "percentile",
    "rss_mb",
    "server_argv",
    "spread",
    "start_fake",
]

PROTOCOL = "2025-11-25"


def spread(samples: Sequence[float]) -> dict[str, float]:
    """min/median/max of repeated runs (and how many)."""
    return {
        "min": min(samples),
        "median": statistics.median(samples),
        "max": max(samples),
        "runs": len(samples),
    }


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) by nearest rank."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def server_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "nextcloud_mcp", *args]


def start_fake(run_dir: Path, users: Mapping[str, str], *flags: str) -> tuple[ManagedProcess, str]:
    """Start the fake Nextcloud on a free loopback port; returns it and its base URL."""
    port = free_port()
    accounts = [arg for login, pw in users.items() for arg in ("--user", f"{login}:{pw}")]
    proc = ManagedProcess(
        f"fake-nextcloud-{port}",
        [str(VENV_BIN / "fake-nextcloud"), "--port", str(port), *accounts, *flags],
        run_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    return proc.start(), f"http://127.0.0.1:{port}"


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of `pid` in MiB, from /proc/<pid>/status (VmRSS, VmHWM)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux `clear_refs` 5); False when the kernel refuses."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class StdioRpc:
    """A minimal MCP client over a child's stdin/stdout (newline-delimited JSON-RPC), with a PID file.

    It adds nothing between the bytes the server writes and what is measured (exact `tools/list` sizes,
    RSS of an idle server), unlike a full client that parses into models.
    """

    def __init__(self, name: str, argv: Sequence[str], run_dir: Path, env: Mapping[str, str]) -> None:
        self.pid_file = run_dir / f"{name}.pid"
        self.log = (run_dir / f"{name}.log").open("ab")
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, **env},
            cwd=ROOT,
        )
        self.pid_file.write_text(str(self.proc.pid))
        self._next_id = 0

    @property
    def pid(self) -> int:
        return int(self.pid_file.read_text())

    def request(self, method: str, params: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], int]:
        """Send a request; returns the response and the size of its line in bytes."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self._next_id += 1
        message = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": dict(params or {})}
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited during {method} (code {self.proc.poll()})")
            answer = json.loads(line)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method} failed: {answer['error']}")
                return answer, len(line.rstrip(b"\n"))

    def initialize(self) -> None:
        assert self.proc.stdin is not None
        self.request(
            "initialize",
            {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
        )
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        self.proc.stdin.flush()

    def call_tool(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        answer, _ = self.request("tools/call", {"name": name, "arguments": dict(arguments)})
        result: dict[str, Any] = answer["result"]
        if result.get("isError"):
            raise RuntimeError(f"{name} failed: {result.get('content')}")
        return result

    def close(self) -> None:
        """Close stdin (a clean stdio shutdown), then stop the PID by signal if it lingers."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, 15)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, 9)
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.log.close()
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> StdioRpc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
