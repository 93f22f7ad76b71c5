"""Reaching Nextcloud over real sockets: TLS with a private CA, redirects, wrong schemes, DNS and refused ports.

Every listener is on loopback and started by the test: the fake Nextcloud served over TLS by uvicorn with a
certificate from a CA generated here, a plain HTTP listener answering 301 to `https://` (what a web server
does for `http://` on a TLS-only site), a closed port, and the unresolvable `nextcloud.invalid` (RFC 6761).
Tools are called through the official MCP client against a server built for each case; the answer must say
what happened and which setting fixes it, never an empty "Error executing tool".
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mcp import Client
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fake_nextcloud.app import build_app
from fake_nextcloud.core.state import FakeState
from nextcloud_mcp.auth.resource_server import ResourceServer
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import read_status
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import error_text, structured
from support.processes import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

USER, PASSWORD = "alice", "alice-secret"


@dataclass(frozen=True)
class Pki:
    ca: Path  # the CA certificate (what NEXTCLOUD_CA_BUNDLE points at)
    cert: Path  # the server certificate, for localhost and 127.0.0.1
    key: Path
    other_name_cert: Path  # signed by the same CA, for cloud.internal only
    other_name_key: Path
    other_ca: Path  # a CA that signed nothing here


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(common: str, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=True,
        crl_sign=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, names: list[x509.GeneralName], now: datetime.datetime
) -> tuple[bytes, bytes]:
    """A server certificate for `names` signed by `ca`, and its key (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("nextcloud"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(pem), private


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA with two server certificates (localhost + 127.0.0.1; cloud.internal), and an unrelated CA."""
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.datetime.now(datetime.UTC)
    ca, ca_key = _ca("Test Private CA", now)
    other, _ = _ca("Some Other CA", now)
    loopback = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert, key = _leaf(ca, ca_key, loopback, now)
    other_cert, other_key = _leaf(ca, ca_key, [x509.DNSName("cloud.internal")], now)
    return Pki(
        ca=_pem(folder / "ca.pem", ca.public_bytes(serialization.Encoding.PEM)),
        cert=_pem(folder / "server.pem", cert),
        key=_pem(folder / "server-key.pem", key),
        other_name_cert=_pem(folder / "internal.pem", other_cert),
        other_name_key=_pem(folder / "internal-key.pem", other_key),
        other_ca=_pem(folder / "other-ca.pem", other.public_bytes(serialization.Encoding.PEM)),
    )


@asynccontextmanager
async def _listen(app: ASGIApp, **tls: Any) -> AsyncIterator[int]:
    """Serve `app` with uvicorn on a free loopback port (TLS with `ssl_certfile`/`ssl_keyfile`); yield the port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off", **tls)
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 (uvicorn exposes no event to wait on)
                await anyio.sleep(0.01)
        try:
            yield port
        finally:
            server.should_exit = True


def _fake() -> ASGIApp:
    state = FakeState()
    state.add_user(USER, PASSWORD)
    return build_app(state)


@pytest.fixture
async def tls_port(pki: Pki) -> AsyncIterator[int]:
    """The fake Nextcloud over HTTPS with the private CA's certificate."""
    async with _listen(_fake(), ssl_certfile=str(pki.cert), ssl_keyfile=str(pki.key)) as port:
        yield port


@pytest.fixture
async def plain_port() -> AsyncIterator[int]:
    """The fake Nextcloud over plain HTTP."""
    async with _listen(_fake()) as port:
        yield port


def _env(host: str, **extra: str) -> dict[str, str]:
    return {
        "NEXTCLOUD_HOST": host,
        "NEXTCLOUD_USERNAME": USER,
        "NEXTCLOUD_PASSWORD": PASSWORD,
        "NEXTCLOUD_CONNECT_TIMEOUT": "3",
        "MCP_CAPABILITIES_TTL": "0",
        **extra,
    }


async def _list_notes(host: str, **extra: str) -> Any:
    """Call nc_notes_list_notes through the MCP client of a server for `host` (real sockets)."""
    server = build_server(load_settings(environ=_env(host, **extra)))
    async with Client(server) as client:
        return await client.call_tool("nc_notes_list_notes", {})


async def _failure(host: str, **extra: str) -> str:
    result = await _list_notes(host, **extra)
    assert result.is_error
    text = error_text(result)
    assert text.strip() != "Error executing tool nc_notes_list_notes", text
    return text


async def _error_of(host: str, **extra: str) -> errors.NextcloudError:
    """The error the HTTP layer raises for `GET status.php` at `host` (as every tool would meet it)."""
    http = NextcloudHTTP(load_settings(environ=_env(host, **extra)))
    try:
        with pytest.raises(errors.NextcloudError) as caught:
            await read_status(http)
    finally:
        await http.aclose()
    return caught.value


# --- TLS ---------------------------------------------------------------------------------------------------


async def test_a_private_ca_is_named_with_the_setting_that_fixes_it(tls_port: int) -> None:
    text = await _failure(f"https://127.0.0.1:{tls_port}")
    assert "not signed by a certificate authority this server trusts" in text
    assert "NEXTCLOUD_CA_BUNDLE" in text and "NEXTCLOUD_VERIFY_SSL=false" in text
    error = await _error_of(f"https://127.0.0.1:{tls_port}", NEXTCLOUD_RETRIES="0")
    assert isinstance(error, errors.TLSFailure)


async def test_the_ca_bundle_setting_makes_the_private_ca_trusted(tls_port: int, pki: Pki) -> None:
    result = await _list_notes(f"https://localhost:{tls_port}", NEXTCLOUD_CA_BUNDLE=str(pki.ca))
    assert not result.is_error, error_text(result)
    assert structured(result)["items"] == []


async def test_a_bundle_with_another_ca_says_so(tls_port: int, pki: Pki) -> None:
    text = await _failure(f"https://127.0.0.1:{tls_port}", NEXTCLOUD_CA_BUNDLE=str(pki.other_ca))
    assert f"not signed by the CA in NEXTCLOUD_CA_BUNDLE={pki.other_ca}" in text


async def test_a_certificate_for_another_name_says_which_names_to_use(pki: Pki) -> None:
    tls = {"ssl_certfile": str(pki.other_name_cert), "ssl_keyfile": str(pki.other_name_key)}
    async with _listen(_fake(), **tls) as port:
        error = await _error_of(f"https://localhost:{port}", NEXTCLOUD_CA_BUNDLE=str(pki.ca))
    assert isinstance(error, errors.TLSFailure), error
    assert "not valid for localhost" in str(error) and "NEXTCLOUD_HOST" in str(error)


async def test_http_against_the_tls_port_says_to_use_https(tls_port: int) -> None:
    text = await _failure(f"http://127.0.0.1:{tls_port}")
    assert "speaks HTTPS (TLS)" in text and f"Set NEXTCLOUD_HOST=https://127.0.0.1:{tls_port}" in text
    error = await _error_of(f"http://127.0.0.1:{tls_port}", NEXTCLOUD_RETRIES="0")
    assert isinstance(error, errors.WrongHost) and error.suggestion == f"https://127.0.0.1:{tls_port}"


async def test_https_against_a_plain_port_says_to_use_http(plain_port: int) -> None:
    text = await _failure(f"https://127.0.0.1:{plain_port}")
    assert "does not speak TLS" in text and f"NEXTCLOUD_HOST=http://127.0.0.1:{plain_port}" in text


async def test_oauth_discovery_uses_the_ca_bundle(tls_port: int, pki: Pki) -> None:
    """The IdP client (discovery, JWKS, introspection) trusts the bundle too (before: system store only)."""
    env = {
        "NEXTCLOUD_HOST": f"https://localhost:{tls_port}",
        "NEXTCLOUD_CA_BUNDLE": str(pki.ca),
        "MCP_REQUIRE_AUDIENCE": "false",
    }
    resource_server = await ResourceServer.start(load_settings(environ=env))
    try:
        assert resource_server.auth_server.issuer.startswith("https://localhost:")
    finally:
        await resource_server.aclose()


# --- redirects and pages that are not Nextcloud -------------------------------------------------------------


def _redirecting_to(target: str, status: int = 301) -> ASGIApp:
    """A web server that redirects every request to `target` + the same path and query (http -> https)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        query = scope["query_string"].decode()
        location = target + scope["path"] + (f"?{query}" if query else "")
        await Response(status_code=status, headers={"Location": location})(scope, receive, send)

    return app


async def test_http_redirecting_to_https_names_the_url_to_configure() -> None:
    """The finding: a 301 to https:// ended as a bare "Error executing tool" (a JSONDecodeError in the log)."""
    async with _listen(_redirecting_to("https://cloud.example.com")) as port:
        text = await _failure(f"http://127.0.0.1:{port}")
    assert "NEXTCLOUD_HOST=https://cloud.example.com" in text
    assert "never follows redirects" in text


async def test_a_redirect_is_never_followed_with_the_credentials() -> None:
    seen: list[str | None] = []

    async def target(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(scope["headers"]).get(b"authorization", b"").decode() or None)
        await Response("{}", media_type="application/json")(scope, receive, send)

    async with _listen(target) as target_port, _listen(_redirecting_to(f"http://127.0.0.1:{target_port}")) as port:
        text = await _failure(f"http://localhost:{port}")
    assert f"Set NEXTCLOUD_HOST=http://127.0.0.1:{target_port}" in text
    assert seen == []  # nothing, and so no credentials, reached the redirect's target


# --- network failures ----------------------------------------------------------------------------------------


async def test_a_closed_port_says_nothing_listens_there() -> None:
    port = free_port()  # nothing listens on it
    text = await _failure(f"http://127.0.0.1:{port}", NEXTCLOUD_RETRIES="0")
    assert f"nothing accepts connections at 127.0.0.1:{port} (connection refused)" in text
    assert "NEXTCLOUD_HOST" in text


async def test_an_unresolvable_host_name_says_so() -> None:
    text = await _failure("http://nextcloud.invalid", NEXTCLOUD_RETRIES="0")
    assert "the host name nextcloud.invalid" in text and "does not resolve" in text


async def test_maintenance_mode_over_the_network_is_named(plain_port: int) -> None:
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{plain_port}", trust_env=False) as control:
        await control.post("/__testbed__/server", json={"maintenance": True})
    text = await _failure(f"http://127.0.0.1:{plain_port}")
    assert "maintenance mode" in text and "occ maintenance:mode --off" in text
