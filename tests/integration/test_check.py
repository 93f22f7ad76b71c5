"""`nextcloud-mcp-server check` against the fake Nextcloud (in-process), and apps found without a capability.

Cookbook published no capability before 0.11.5 (nextcloud/cookbook 2329e55a), so on such an instance its tools
vanished from `tools/list`; the server now finds it by its version route, and `check` says how it found each app.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.check import check
from nextcloud_mcp.server.check_report import Report
from support.fixtures import server_env
from support.mcp_helpers import McpFactory, structured
from support.redis_server import redis_binary, start_redis

pytestmark = pytest.mark.anyio
COOKBOOK_PROBE = "/index.php/apps/cookbook/api/version"


async def _check(fake: FakeNextcloud, env: dict[str, str]) -> Report:
    return await check(load_settings(environ=env), transport=httpx2.ASGITransport(app=fake))


def _line(report: Report, topic: str, containing: str = "") -> Any:
    found = [line for line in report.lines if line.topic == topic and containing in line.text]
    assert found, report.render()
    return found[0]


async def _requests(control: httpx2.AsyncClient) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in (await control.get("/__testbed__/requests")).json()["requests"]]


async def test_a_working_basicauth_setup_passes_and_lists_each_app_with_how_it_was_found(
    fake: FakeNextcloud,
) -> None:
    report = await _check(fake, server_env("alice"))
    assert not report.failed, report.render()
    assert _line(report, "nextcloud").status == "ok"
    assert "user alice" in _line(report, "credentials").text
    assert _line(report, "webdav").status == "ok"
    assert "cookbook 0.11.10-alpha1: found by its capability" in _line(report, "apps", "cookbook").text
    assert "notes 6.0.2" in _line(report, "apps", "notes").text
    assert "calendar" in _line(report, "apps", "part of Nextcloud").text


async def test_tool_allow_and_deny_lists_are_checked_as_at_start(fake: FakeNextcloud) -> None:
    good = await _check(fake, server_env("alice", MCP_APPS="notes", MCP_TOOLS_DENY="nc_notes_delete_*"))
    assert not good.failed and "offer 8 of 9 tools" in _line(good, "settings", "MCP_TOOLS").text, good.render()
    typo = await _check(fake, server_env("alice", MCP_TOOLS_ALLOW="nc_note_*"))
    line = _line(typo, "settings", "MCP_TOOLS_ALLOW names no tool")
    assert typo.failed and line.status == "fail" and "did you mean nc_notes_*" in line.text


async def test_an_old_cookbook_is_found_by_its_version_route(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    assert (await control.post("/__testbed__/apps", json={"versions": {"cookbook": "0.11.4"}})).status_code == 200
    line = _line(await _check(fake, server_env("alice")), "apps", "cookbook")
    assert line.status == "ok" and f"cookbook 0.11.4: found by GET {COOKBOOK_PROBE}" in line.text


async def test_a_disabled_app_is_reported_as_missing_not_as_a_failure(
    fake: FakeNextcloud, control: httpx2.AsyncClient
) -> None:
    assert (await control.post("/__testbed__/apps", json={"disable": ["cookbook", "deck"]})).status_code == 200
    report = await _check(fake, server_env("alice", mcp_apps="cookbook,deck,notes"))
    assert not report.failed, report.render()
    for app in ("cookbook", "deck"):
        line = _line(report, "apps", app)
        assert line.status == "info" and "not installed or not enabled" in line.text and f"the {app} app" in line.fix
    assert not any("files" in line.text for line in report.lines if line.topic == "apps")  # only MCP_APPS


async def test_wrong_credentials_fail_with_the_basicauth_fix(fake: FakeNextcloud) -> None:
    report = await _check(fake, server_env("mallory"))
    line = _line(report, "credentials")
    assert report.failed and line.status == "fail"
    assert "NEXTCLOUD_USERNAME=mallory" in line.text and "app password" in line.text
    assert "user_oidc" not in report.render() and "wrong-password" not in report.render()


async def test_a_username_without_password_fails_naming_the_password(fake: FakeNextcloud) -> None:
    env = server_env("alice")
    del env["NEXTCLOUD_PASSWORD"]
    line = _line(await _check(fake, env), "settings")
    assert line.status == "fail" and "NEXTCLOUD_PASSWORD is missing" in line.text


async def test_maintenance_mode_fails(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    assert (await control.post("/__testbed__/server", json={"maintenance": True})).status_code == 200
    report = await _check(fake, server_env("alice"))
    assert report.failed and "maintenance mode" in _line(report, "nextcloud", "maintenance").text


async def test_oauth_mode_checks_discovery_and_says_what_it_cannot_check(fake: FakeNextcloud) -> None:
    report = await _check(fake, {"NEXTCLOUD_HOST": "http://nc.test", "MCP_TRANSPORT": "streamable-http"})
    assert not report.failed, report.render()
    assert "Nextcloud's oidc app" in _line(report, "oidc").text
    note = _line(report, "credentials")
    assert note.status == "info" and "cannot be checked without a token" in note.text
    assert "docs/authentication.md" in note.fix


async def test_oauth_mode_on_stdio_and_a_missing_discovery_fail(
    fake: FakeNextcloud, control: httpx2.AsyncClient
) -> None:
    assert (await control.post("/__testbed__/apps", json={"disable": ["oidc"]})).status_code == 200
    report = await _check(fake, {"NEXTCLOUD_HOST": "http://nc.test"})
    assert "--transport streamable-http" in _line(report, "settings").text
    oidc = _line(report, "oidc")
    assert oidc.status == "fail" and "/.well-known/openid-configuration" in oidc.text


async def test_an_unreachable_redis_fails_without_showing_its_password(fake: FakeNextcloud) -> None:
    env = {**server_env("alice"), "REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"}
    report = await _check(fake, env)
    line = _line(report, "redis")
    assert line.status == "fail" and "REDIS_URL" in line.fix and "hunter2" not in report.render()


@pytest.mark.skipif(redis_binary() is None, reason="redis-server is not installed")
async def test_a_running_redis_answers(fake: FakeNextcloud, tmp_path: Path) -> None:
    redis, port = start_redis(tmp_path)
    try:
        env = {"NEXTCLOUD_HOST": "http://nc.test", "MCP_TRANSPORT": "streamable-http"}
        report = await _check(fake, {**env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    finally:
        redis.stop()
    assert _line(report, "redis").status == "ok"


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[int]:
    """A loopback HTTPS port whose certificate no CA signed (the shape of a home-lab Nextcloud)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                pass  # the client refuses the certificate: that is the point
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


async def test_an_untrusted_certificate_fails_naming_the_ca_bundle(self_signed_https: int) -> None:
    env = {**server_env("alice", host=f"https://localhost:{self_signed_https}")}
    report = await check(load_settings(environ=env))
    line = _line(report, "tls")
    assert report.failed and line.status == "fail" and "NEXTCLOUD_CA_BUNDLE" in line.text


async def test_an_old_cookbook_keeps_its_tools(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    """Before: tools/list dropped every Cookbook tool on a Cookbook without a capability."""
    assert (await control.post("/__testbed__/apps", json={"versions": {"cookbook": "0.11.4"}})).status_code == 200
    async with mcp_as("alice", mcp_capabilities_ttl=300) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "nc_cookbook_list_recipes" in names
        assert structured(await client.call_tool("nc_cookbook_list_recipes", {}))["items"] == []
        await client.list_tools()
    probes = [r for r in await _requests(control) if r.endswith("/cookbook/api/version")]
    assert probes == [f"GET {COOKBOOK_PROBE}"]  # one probe, then its cached answer


async def test_a_missing_cookbook_stays_hidden(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    assert (await control.post("/__testbed__/apps", json={"disable": ["cookbook"]})).status_code == 200
    async with mcp_as("alice") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("nc_cookbook_list_recipes", {})
    assert not any(name.startswith("nc_cookbook_") for name in names)
    assert result.is_error
