"""Shared by every suite (tests/ and services/fake-nextcloud/tests/): the anyio backend, a settings factory,
the private cache folder, and the session guards (nothing left running, no secret in any log)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nextcloud_mcp.config import Settings, load_settings
from security.log_guard import GUARD


def _children(pid: int) -> list[str]:
    """Live child processes of `pid` (from /proc), as "pid command" strings."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(f"{stat.parent.name} {(stat.parent / 'comm').read_text().strip()}")
    return found


@pytest.fixture(scope="session", autouse=True)
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The server's schema cache (MCP_CACHE_DIR default) goes to a folder of this session, also for children."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_running() -> Iterator[None]:
    """Every server a test starts must be stopped by the end of the session."""
    yield
    if Path("/proc").exists():
        assert not _children(os.getpid()), f"processes left running: {_children(os.getpid())}"


@pytest.fixture(scope="session", autouse=True)
def _no_secrets_in_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No registered secret may appear in any log record or server process log (tests/security/log_guard.py)."""
    GUARD.attach()
    yield
    GUARD.detach()
    leaks = GUARD.report(tmp_path_factory.getbasetemp())
    assert not leaks, "secrets leaked into logs:\n" + "\n".join(leaks[:20])


@pytest.fixture(autouse=True)
def _log_guard_attached() -> None:
    GUARD.attach()  # a test may have replaced the root handlers (configure_logging)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    def make(**env: Any) -> Settings:
        base = {
            "NEXTCLOUD_HOST": "http://nc.test",
            "NEXTCLOUD_USERNAME": "alice",
            "NEXTCLOUD_PASSWORD": "alice-app-password",
        }
        base.update({k.upper(): str(v) for k, v in env.items()})
        return load_settings(environ=base)

    return make
