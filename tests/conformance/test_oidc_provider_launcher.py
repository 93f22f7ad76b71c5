"""The launcher of the oidc-provider test IdP: skip reasons, explicit ports, stable keys, stop by PID."""

from __future__ import annotations

import os
from pathlib import Path

import httpx2
import pytest

from conformance.oauth import authorize, exchange_code, http_client, introspect, register
from conformance.providers import FormLoginProvider
from support import oidc_provider
from support.oidc_provider import oidc_provider_unavailable, pinned_version, start_oidc_provider
from support.processes import free_port

RESOURCE = "http://127.0.0.1:18765/mcp"


def test_version_is_pinned_exactly() -> None:
    assert pinned_version().count(".") == 2 and pinned_version()[0].isdigit(), pinned_version()
    lock = (oidc_provider.IDP_DIR / "package-lock.json").read_text()
    assert f'"version": "{pinned_version()}"' in lock


def test_reason_without_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    reason = oidc_provider_unavailable.__wrapped__()
    assert reason is not None and "node is not installed" in reason


def test_issuer_needs_a_port(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="explicit port"):
        start_oidc_provider(tmp_path, resource=RESOURCE, issuer="http://127.0.0.1:1")


@pytest.mark.usefixtures("need_oidc_provider")
def test_restart_keeps_keys_and_stops_by_pid(tmp_path: Path) -> None:
    port = free_port()
    kids = []
    for attempt in range(2):
        idp = start_oidc_provider(tmp_path, resource=RESOURCE, port=port if attempt else 0)
        try:
            assert idp.version == pinned_version()
            assert idp.issuer == f"http://127.0.0.1:{idp.port}"
            if attempt:
                assert idp.port == port
            doc = httpx2.get(idp.discovery_url, trust_env=False).json()
            assert doc["issuer"] == idp.issuer
            jwks = httpx2.get(doc["jwks_uri"], trust_env=False).json()
            kids.append([key["kid"] for key in jwks["keys"]])
            pid = idp.pid
        finally:
            code = idp.stop()
        assert code == 0, idp.output()  # SIGTERM: a clean exit, nothing kept it alive
        assert not idp.process.pid_file.exists()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert kids[0] == kids[1], "the JWKS file in run_dir keeps the signing keys across restarts"
    assert "ready: issuer=" in (tmp_path / "oidc-provider.log").read_text()


@pytest.mark.anyio
@pytest.mark.usefixtures("need_oidc_provider")
async def test_auto_consent_and_a_static_resource_server_client(tmp_path: Path) -> None:
    rs = {"client_id": "mcp-server", "client_secret": "rs-secret", "grant_types": [], "response_types": []}
    opaque = "http://127.0.0.1:18766/mcp"
    with start_oidc_provider(
        tmp_path, resource=RESOURCE, opaque_resources=[opaque], consent="auto", clients=[rs], users={"carol": "c"}
    ) as running:
        idp = FormLoginProvider(
            name="oidc-provider",
            issuer=running.issuer,
            discovery=httpx2.get(running.discovery_url, trust_env=False).json(),
            resource=RESOURCE,
            users=running.users,
        )
        async with http_client() as http:
            client = await register(http, idp)
        auth = await authorize(idp, client["client_id"], user="carol", scope="notes:write", resource=opaque)
        assert not any("/confirm" in page for page in idp.pages), idp.pages  # no consent form was submitted
        async with http_client() as http:
            tokens = (await exchange_code(http, idp, client, auth, resource=opaque)).json()
            body = (await introspect(http, idp, rs, tokens["access_token"])).json()
    assert body["active"] is True
    assert body["sub"] == "carol"
    assert body["aud"] == opaque
    assert body["scope"] == "notes:write"
