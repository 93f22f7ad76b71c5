"""A real `redis-server` child process on a free loopback port (Debian package `redis-server`)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from support.processes import ManagedProcess, free_port

__all__ = ["redis_binary", "start_redis"]


def redis_binary() -> str | None:
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(run_dir: Path, port: int | None = None) -> tuple[ManagedProcess, int]:
    """Start redis-server in the foreground (no daemonizing, nothing persisted); returns it and its port."""
    binary = redis_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = port or free_port()
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        str(run_dir),
    ]
    proc = ManagedProcess(f"redis-{port}", argv, run_dir, ready=lambda: _pong(port))
    return proc.start(), port
