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
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import pytest

from support.fake_oidc import forms, pkce
from support.fake_support import OCS_HEADERS

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


@pytest.mark.e2e
def test_cli_oidc_flow_over_tcp(tmp_path: Path) -> None:
    """`--consent --oidc-token-type jwt --no-bearer-patch` as a real process: browser login with cookies over
    TCP, consent, JWT access token; OCS accepts it, the Notes API answers the CORS 401."""
    argv = [sys.executable, "-m", "fake_nextcloud", "--port", "0", "--user", "alice:secret", "--consent"]
    argv += ["--oidc-token-type", "jwt", "--no-bearer-patch"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = _wait_ready(proc)
        with httpx2.Client(base_url=base, trust_env=False, timeout=10) as http:
            client = http.post(
                "/__testbed__/oidc/clients", json={"name": "t", "redirect_uris": ["http://127.0.0.1:1/cb"]}
            )
            client_id, secret = client.json()["client_id"], client.json()["client_secret"]
            verifier, challenge = pkce()
            query = {"client_id": client_id, "redirect_uri": "http://127.0.0.1:1/cb", "response_type": "code"}
            query |= {"scope": "openid", "code_challenge": challenge}
            url: str = f"{base}/index.php/apps/oidc/authorize?{urlencode(query)}"
            for _ in range(12):
                if url.startswith("http://127.0.0.1:1/"):
                    break
                response = http.get(url)
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    continue
                form = forms(response.text)[0]
                data = form.fields | ({"user": "alice", "password": "secret"} if "password" in form.inputs else {})
                response = http.post(form.action, data=data, headers={"Origin": base})
                url = urljoin(url, response.headers["location"])
            code = parse_qs(urlsplit(url).query)["code"][0]
            token = http.post(
                "/index.php/apps/oidc/token",
                data={"grant_type": "authorization_code", "code": code, "client_id": client_id, "client_secret": secret,
                      "code_verifier": verifier},
            ).json()["access_token"]  # fmt: skip
            assert token.count(".") == 2
            bearer = {"Authorization": f"Bearer {token}"}
            http.cookies.clear()
            assert http.get("/ocs/v2.php/cloud/user", headers={**bearer, **OCS_HEADERS}).status_code == 200
            assert http.get("/index.php/apps/notes/api/v1/notes", headers=bearer).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        assert proc.stderr is not None
        proc.stderr.close()
