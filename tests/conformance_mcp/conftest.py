"""The server as real processes for the official MCP conformance suite: the fake Nextcloud and the server over
streamable HTTP, stateful (sessions, SSE responses) and stateless (`MCP_STATELESS_HTTP`, JSON responses), each a
child process with a PID file, stopped by PID. Each pinned release of the suite runs once per mode."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from support.conformance_suite import Check, Suite, conformance_unavailable, ensure_installed, run_server_suite
from support.processes import ManagedProcess, free_port, http_ready

USERS = {"alice": "alice-secret"}
MODES: dict[str, dict[str, str]] = {
    "stateful": {},
    "stateless": {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"},
}
# The suite opens a session per scenario (about 40) and never ends one; the per-user cap (20) would answer 429.
SESSIONS = "1000"

Results = Callable[[str, Suite], dict[str, list[Check]]]


@pytest.fixture(scope="session")
def conformance_suite() -> None:
    """Skip (or, with TESTBED_REQUIRE_MCP_CONFORMANCE set, e.g. in CI, fail) where npm cannot install the suite."""
    reason = conformance_unavailable()
    if reason is not None:
        if os.environ.get("TESTBED_REQUIRE_MCP_CONFORMANCE"):
            pytest.fail(reason)
        pytest.skip(reason)
    ensure_installed()


@pytest.fixture(scope="session")
def conformance_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-conformance")


@pytest.fixture(scope="session")
def conformance_fake(conformance_suite: None, conformance_run_dir: Path) -> Iterator[str]:
    port = free_port()
    users = [arg for login, pw in USERS.items() for arg in ("--user", f"{login}:{pw}")]
    proc = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(port), "--pid-file", str(conformance_run_dir / "fake-own.pid"), *users],
        conformance_run_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    with proc:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def conformance_results(conformance_fake: str, conformance_run_dir: Path) -> Iterator[Results]:
    """`results(mode, suite)`: each scenario's checks; the server of a mode starts at its first use and the suite
    runs once per (mode, release)."""
    servers: dict[str, str] = {}
    done: dict[tuple[str, str], dict[str, list[Check]]] = {}
    with ExitStack() as stack:

        def results(mode: str, suite: Suite) -> dict[str, list[Check]]:
            if mode not in servers:
                port = free_port()
                env = {
                    "NEXTCLOUD_HOST": conformance_fake,
                    "NEXTCLOUD_USERNAME": "alice",
                    "NEXTCLOUD_PASSWORD": USERS["alice"],
                    "MCP_CAPABILITIES_TTL": "0",
                    "MCP_MAX_SESSIONS_PER_USER": SESSIONS,
                    **MODES[mode],
                }
                argv = [sys.executable, "-m", "nextcloud_mcp", "--transport", "streamable-http", "--port", str(port)]
                proc = ManagedProcess(
                    f"mcp-{mode}",
                    argv,
                    conformance_run_dir,
                    env=env,
                    ready=http_ready(f"http://127.0.0.1:{port}/health/live"),
                )
                stack.enter_context(proc)
                servers[mode] = f"http://127.0.0.1:{port}/mcp"
            key = (mode, suite.package)
            if key not in done:
                out = conformance_run_dir / f"{mode}-{suite.package.replace('/', '_')}"
                done[key] = run_server_suite(suite, servers[mode], out)
            return done[key]

        yield results
