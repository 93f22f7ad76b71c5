"""Start test servers as child processes on loopback; each has a PID file and is stopped by PID.

Nothing daemonizes: every server is a direct child (`Popen`), so nothing is left behind as a zombie,
and `stop()` sends SIGTERM, waits, then SIGKILLs if it must.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx2

__all__ = ["ManagedProcess", "free_port", "http_ready", "npm_ci"]

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_ready(url: str) -> Callable[[], bool]:
    """A readiness probe: true once `url` answers any HTTP status below 500."""

    def probe() -> bool:
        try:
            return httpx2.get(url, timeout=1.0, trust_env=False).status_code < 500
        except httpx2.HTTPError:
            return False

    return probe


class ManagedProcess:
    """One child server process with a PID file in `run_dir` and its output in `<name>.log`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        run_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.run_dir = run_dir
        self.env = dict(env or {})
        self.ready = ready
        self.pid_file = run_dir / f"{name}.pid"
        self.log_file = run_dir / f"{name}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> ManagedProcess:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env}
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.pid_file.write_text(str(self._proc.pid))
        if self.ready is not None:
            deadline = time.monotonic() + timeout
            while not self.ready():
                if self._proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self._proc.returncode}:\n{self.output()}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.output()}")
                time.sleep(0.05)
        return self

    @property
    def pid(self) -> int:
        return int(self.pid_file.read_text())

    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process named in the PID file, SIGKILL after `timeout`; returns its exit code."""
        if not self.pid_file.exists():
            return None
        pid = self.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        code: int | None = None
        if self._proc is not None and self._proc.pid == pid:
            try:
                code = self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                code = self._proc.wait(timeout)
        self.pid_file.unlink(missing_ok=True)
        return code

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def npm_ci(directory: Path, installed: Callable[[], bool], timeout: float) -> None:
    """`npm ci` in `directory` (a pinned package-lock.json), bounded by `timeout`; raises unless `installed()`
    holds afterwards."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (apt-get install npm)")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"npm ci in {directory} took longer than {timeout:.0f}s") from exc
    if result.returncode != 0 or not installed():
        raise RuntimeError(f"npm ci in {directory} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
