"""The ``fake-nextcloud`` CLI as a real process: readiness line, PID file, TCP faults, SIGTERM."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from fake._support import OCS_HEADERS

READY = re.compile(r"fake-nextcloud listening on (http://127\.0\.0\.1:\d+)")


def _wait_ready(proc: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """Read stderr until the readiness line appears (bounded by ``timeout``)."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            if not selector.select(timeout=remaining):
                continue
            line = proc.stderr.readline()
            if not line:  # EOF: the process died
                break
            seen.append(line)
            if match := READY.search(line):
                return match.group(1)
    raise AssertionError(f"fake-nextcloud did not become ready; exit={proc.poll()} stderr={''.join(seen)!r}")


@pytest.mark.e2e
def test_cli_serves_until_sigterm_and_removes_its_pid_file(tmp_path: Path) -> None:
    pid_file = tmp_path / "fake-nextcloud.pid"
    argv = [sys.executable, "-m", "fake_nextcloud", "--port", "0", "--pid-file", str(pid_file)]
    argv += ["--user", "alice:secret", "--user", "bob@corp=b0b:bob-secret", "--disable-app", "notes"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base_url = _wait_ready(proc)
        assert pid_file.read_text().strip() == str(proc.pid)
        with httpx2.Client(base_url=base_url, trust_env=False, timeout=10) as http:
            assert http.get("/status.php").json()["versionstring"] == "34.0.2"
            me = http.get("/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=("bob@corp", "bob-secret"))
            assert me.json()["ocs"]["data"]["id"] == "b0b"
            assert http.get("/index.php/apps/notes/api/v1/notes", auth=("alice", "secret")).status_code == 404

            # A dropped connection over TCP: no response bytes at all.
            fault = {"path": "^/status\\.php$", "action": {"drop": True}, "times": 1}
            assert http.post("/__testbed__/faults", json=fault).status_code == 201
            with pytest.raises(httpx2.RemoteProtocolError, match="without sending"):
                http.get("/status.php")
            assert http.get("/status.php").status_code == 200

        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert not pid_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=15)
        assert proc.stderr is not None
        proc.stderr.close()


@pytest.mark.e2e
def test_cli_rejects_a_malformed_user() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fake_nextcloud", "--user", "no-password"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "LOGIN:PASSWORD" in result.stderr
