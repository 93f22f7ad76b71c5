"""Real processes on loopback: the fake Nextcloud and the server, each with a PID file, stopped by PID."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from support.processes import ManagedProcess, free_port, http_ready

USERS = {"alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="session")
def fake_url(run_dir: Path) -> Iterator[str]:
    port = free_port()
    users = [arg for login, pw in USERS.items() for arg in ("--user", f"{login}:{pw}")]
    proc = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(port), "--pid-file", str(run_dir / "fake-own.pid"), *users],
        run_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    with proc:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def fake(fake_url: str) -> Iterator[httpx2.Client]:
    """Control client of the fake; the fake is reset after each test."""
    with httpx2.Client(base_url=fake_url, trust_env=False) as client:
        yield client
        client.post("/__testbed__/reset")
        for login, pw in USERS.items():
            client.post("/__testbed__/users", json={"login": login, "password": pw})


def server_env(fake_url: str, user: str = "alice", **extra: str) -> dict[str, str]:
    return {
        "NEXTCLOUD_HOST": fake_url,
        "NEXTCLOUD_USERNAME": user,
        "NEXTCLOUD_PASSWORD": USERS[user],
        "MCP_CAPABILITIES_TTL": "0",
        **extra,
    }


def server_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "nextcloud_mcp", *args]
