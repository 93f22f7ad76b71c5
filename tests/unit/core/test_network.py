"""Connection failures explained (DNS, refused, certificates, TLS) and NEXTCLOUD_CA_BUNDLE checked at start.

The exception chains are httpx2's own shapes (httpx2.ConnectError from httpcore2 from the OS or ssl error);
tests/e2e/test_tls_and_redirects.py meets the same failures over real sockets.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.network import Target, tls_verify, transport_failure

pytestmark = pytest.mark.anyio
AUTH = httpx2.BasicAuth("alice", "pw")


def _failing(
    cause: BaseException, kind: type[httpx2.TransportError] = httpx2.ConnectError
) -> Callable[[httpx2.Request], httpx2.Response]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        try:
            raise cause
        except BaseException as exc:
            raise kind("failed", request=request) from exc

    return handler


def _cert_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    error.verify_code, error.verify_message = code, message
    return error


def _wrong_version() -> ssl.SSLError:
    error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.reason = "WRONG_VERSION_NUMBER"
    return error


@pytest.mark.parametrize(
    ("cause", "cls", "says", "calls"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), errors.Unavailable, "does not resolve", 1),
        (socket.gaierror(socket.EAI_AGAIN, "Temporary failure"), errors.Unavailable, "temporary DNS failure", 2),
        (ConnectionRefusedError(111, "Connect call failed"), errors.Unavailable, "connection refused", 2),
        (OSError(errno.EHOSTUNREACH, "No route to host"), errors.Unavailable, "no network route", 2),
        (_cert_error(19, "self-signed certificate in certificate chain"), errors.TLSFailure, "NEXTCLOUD_CA_BUNDLE", 1),
        (_cert_error(62, "Hostname mismatch"), errors.TLSFailure, "not valid for cloud.example.com", 1),
        (_cert_error(10, "certificate has expired"), errors.TLSFailure, "renew it", 1),
        (_wrong_version(), errors.WrongHost, "set NEXTCLOUD_HOST=http://cloud.example.com;", 1),
    ],
)
async def test_each_connection_failure_says_what_to_fix(
    make_settings: Callable[..., Settings],
    cause: BaseException,
    cls: type[errors.NextcloudError],
    says: str,
    calls: int,
) -> None:
    count = 0
    handler = _failing(cause)

    def counting(request: httpx2.Request) -> httpx2.Response:
        nonlocal count
        count += 1
        return handler(request)

    settings = make_settings(NEXTCLOUD_HOST="https://cloud.example.com", NEXTCLOUD_RETRIES=1)
    http = NextcloudHTTP(settings, transport=httpx2.MockTransport(counting))
    with pytest.raises(cls) as info:
        await http.request("POST", "/ocs/v2.php/apps/x", auth=AUTH)
    assert says in str(info.value), str(info.value)
    assert count == calls  # a setting problem is not retried; nothing was sent, so even a POST may be
    await http.aclose()


async def test_refused_on_loopback_mentions_containers(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(NEXTCLOUD_HOST="http://localhost:8080", NEXTCLOUD_RETRIES=0)
    http = NextcloudHTTP(settings, transport=httpx2.MockTransport(_failing(ConnectionRefusedError(111, "refused"))))
    with pytest.raises(errors.Unavailable, match="Inside a container, localhost is the container itself"):
        await http.request("GET", "/status.php", auth=None)
    await http.aclose()


async def test_a_dropped_write_says_its_outcome_is_unknown(make_settings: Callable[..., Settings]) -> None:
    handler = _failing(ConnectionResetError(104, "reset"), httpx2.ReadError)
    http = NextcloudHTTP(make_settings(NEXTCLOUD_RETRIES=0), transport=httpx2.MockTransport(handler))
    with pytest.raises(errors.Unavailable, match="may or may not have been applied"):
        await http.request("PUT", "/remote.php/dav/files/alice/a.txt", auth=AUTH, content=b"x")
    with pytest.raises(errors.Unavailable, match="Try again"):
        await http.request("GET", "/remote.php/dav/files/alice/a.txt", auth=AUTH)
    await http.aclose()


async def test_streams_explain_failures_too(make_settings: Callable[..., Settings]) -> None:
    handler = _failing(_cert_error(20, "unable to get local issuer certificate"))
    http = NextcloudHTTP(make_settings(NEXTCLOUD_HOST="https://nc.test"), transport=httpx2.MockTransport(handler))
    with pytest.raises(errors.TLSFailure, match="NEXTCLOUD_CA_BUNDLE"):
        async with http.stream("GET", "/remote.php/dav/files/alice/a.bin", auth=AUTH):
            pass
    await http.aclose()


def test_a_failure_never_has_an_empty_message() -> None:
    target = Target("https://nc.test", 5.0, 30.0, 32, None)
    request = httpx2.Request("GET", "https://nc.test/x")
    for exc in (httpx2.ConnectError("", request=request), httpx2.WriteError("", request=request)):
        failure = transport_failure(exc, target, method="GET", path="/x")
        assert "Nextcloud at nc.test:443" in str(failure.error), str(failure.error)


# --- NEXTCLOUD_CA_BUNDLE -----------------------------------------------------------------------------------


def test_no_bundle_keeps_verify_ssl(make_settings: Callable[..., Settings]) -> None:
    assert tls_verify(make_settings()) is True
    assert tls_verify(make_settings(NEXTCLOUD_VERIFY_SSL="false")) is False
    assert tls_verify(make_settings(NEXTCLOUD_CA_BUNDLE=" ")) is True


@pytest.mark.parametrize(
    ("content", "says"),
    [(None, "no such file"), ("folder", "is not a file"), (b"not a certificate\n", "holds no PEM certificate")],
)
def test_an_unusable_bundle_is_a_config_error_naming_the_setting(
    make_settings: Callable[..., Settings], tmp_path: Path, content: bytes | str | None, says: str
) -> None:
    path = tmp_path / "ca.pem"
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    settings = make_settings(NEXTCLOUD_CA_BUNDLE=str(path))
    with pytest.raises(errors.ConfigError, match=f"NEXTCLOUD_CA_BUNDLE={path}") as info:
        NextcloudHTTP(settings)
    assert says in str(info.value)


def test_an_unreadable_bundle_is_a_config_error(
    make_settings: Callable[..., Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ca.pem"
    path.write_text("x")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")  # what a mode-000 file gives a non-root user

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(errors.ConfigError, match="cannot be read \\(permission denied\\)"):
        tls_verify(make_settings(NEXTCLOUD_CA_BUNDLE=str(path)))


def test_a_bundle_with_verification_off_is_contradictory(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(NEXTCLOUD_CA_BUNDLE=str(tmp_path / "ca.pem"), NEXTCLOUD_VERIFY_SSL="false")
    with pytest.raises(errors.ConfigError, match="NEXTCLOUD_VERIFY_SSL=false"):
        tls_verify(settings)


def test_target_keeps_the_port_when_the_scheme_changes() -> None:
    assert Target("http://nc.test:8443/nc", 5, 30, 32, None).with_scheme("https") == "https://nc.test:8443/nc"
    assert Target("https://nc.test", 5, 30, 32, None).with_scheme("http") == "http://nc.test:443"
    assert Target("http://[::1]:8080", 5, 30, 32, None).netloc == "[::1]:8080"


def test_no_message_shows_a_password_given_in_nextcloud_host(make_settings: Callable[..., Settings]) -> None:
    target = Target.of(make_settings(NEXTCLOUD_HOST="https://alice:s3cret-pw@cloud.example.com/nc"))
    assert target.base_url == "https://cloud.example.com/nc"
    request = httpx2.Request("GET", "https://cloud.example.com/nc/x")
    failure = transport_failure(httpx2.ConnectError("x", request=request), target, method="GET", path="/x")
    assert "s3cret-pw" not in str(failure.error)
