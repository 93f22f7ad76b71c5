"""Reaching Nextcloud: TLS verification settings and what a failed connection means.

`tls_verify` turns `NEXTCLOUD_VERIFY_SSL` / `NEXTCLOUD_CA_BUNDLE` into the `verify=` of every client that talks
to Nextcloud or its IdP (a missing or unreadable bundle is a `ConfigError` naming the setting).
`transport_failure` reads an `httpx2.TransportError` down to its cause (DNS, refused, unreachable, certificate,
TLS handshake, timeout) and says what happened and which setting fixes it; `explain` completes it once retries
are over: a connection dropped by a port that speaks TLS (`speaks_tls`: a handshake, no request, no
credentials) is `http://` pointed at an HTTPS port, and a dropped write may or may not have been applied.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError, NextcloudError, TLSFailure, Unavailable, WrongHost

__all__ = ["Target", "TransportFailure", "explain", "speaks_tls", "tls_verify", "transport_failure"]

Retry = Literal["any", "idempotent", "never"]

# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h) of `ssl.SSLCertVerificationError.verify_code`
_UNTRUSTED = frozenset({2, 18, 19, 20, 21, 27})  # unknown issuer, self-signed (leaf or chain), untrusted
_EXPIRED, _NOT_YET_VALID, _HOSTNAME_MISMATCH, _IP_MISMATCH = 10, 9, 62, 64
# OpenSSL reasons of an `ssl.SSLError` when the peer does not speak TLS (a plain HTTP port)
_NOT_TLS = frozenset({"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"})


def tls_verify(settings: Settings, *, keep_system_store: bool = False) -> ssl.SSLContext | bool:
    """The `verify=` for clients of Nextcloud: `NEXTCLOUD_VERIFY_SSL`, or an SSL context trusting only the CA in
    `NEXTCLOUD_CA_BUNDLE` (with `keep_system_store`, the system's trust store as well: the IdP client, whose
    issuer may be a public IdP). Raises ConfigError when the bundle cannot be used."""
    bundle = (settings.nextcloud_ca_bundle or "").strip()
    if not bundle:
        return settings.nextcloud_verify_ssl
    if not settings.nextcloud_verify_ssl:
        raise ConfigError(
            "NEXTCLOUD_CA_BUNDLE is set but NEXTCLOUD_VERIFY_SSL=false turns certificate verification off. "
            "Remove NEXTCLOUD_VERIFY_SSL=false to verify Nextcloud against the CA bundle, or unset NEXTCLOUD_CA_BUNDLE."
        )
    fix = (
        "Set NEXTCLOUD_CA_BUNDLE to the PEM file of the certificate authority that signed Nextcloud's certificate "
        "(for a self-signed certificate, the certificate itself), readable by this server."
    )
    path = Path(bundle).expanduser()
    if not path.exists():
        raise ConfigError(f"NEXTCLOUD_CA_BUNDLE={bundle}: no such file. {fix}")
    if not path.is_file():
        raise ConfigError(f"NEXTCLOUD_CA_BUNDLE={bundle} is not a file. {fix}")
    try:
        path.read_bytes()
        # PROTOCOL_TLS_CLIENT checks the certificate and the host name, and trusts no CA until one is loaded
        context = ssl.create_default_context() if keep_system_store else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cafile=str(path))
    except PermissionError:
        raise ConfigError(f"NEXTCLOUD_CA_BUNDLE={bundle} cannot be read (permission denied). {fix}") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(
            f"NEXTCLOUD_CA_BUNDLE={bundle} holds no PEM certificate ({exc.__class__.__name__}). {fix}"
        ) from None
    return context


@dataclass(frozen=True)
class Target:
    """Where the server connects, and the settings a failure message names."""

    base_url: str
    connect_timeout: float
    timeout: float
    max_connections: int
    ca_bundle: str | None

    @classmethod
    def of(cls, settings: Settings) -> Target:
        """The target of `settings`; `base_url` without user info, so no message can show a password in it."""
        base = str(httpx2.URL(settings.nextcloud_base_url).copy_with(username=None, password=None)).rstrip("/")
        return cls(
            base,
            settings.nextcloud_connect_timeout,
            settings.nextcloud_timeout,
            settings.nextcloud_max_connections,
            (settings.nextcloud_ca_bundle or "").strip() or None,
        )

    @property
    def url(self) -> httpx2.URL:
        return httpx2.URL(self.base_url)

    @property
    def host(self) -> str:
        return self.url.host

    @property
    def port(self) -> int:
        url = self.url
        return url.port or (443 if url.scheme == "https" else 80)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def with_scheme(self, scheme: str) -> str:
        """`NEXTCLOUD_HOST` with another scheme, the port kept explicit (it is not that scheme's default)."""
        return str(self.url.copy_with(scheme=scheme, port=self.port)).rstrip("/")


@dataclass(frozen=True)
class TransportFailure:
    """A connection failure explained: the error to raise, and whether a retry can help (`any` method: nothing
    was sent; `idempotent` only: the request may have reached Nextcloud; `never`: a setting must change)."""

    error: NextcloudError
    retry: Retry
    sent: bool  # the request may have reached Nextcloud (its outcome is unknown)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and contexts, and the members of exception groups among them (anyio's happy eyeballs)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _first(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((e for e in _causes(exc) if isinstance(e, kind)), None)


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def transport_failure(exc: httpx2.TransportError, target: Target, *, method: str, path: str) -> TransportFailure:
    """What `exc` (raised by httpx2 for a request to `path`) means, as the error a person can act on."""
    where: dict[str, Any] = {"method": method, "path": path}
    base, netloc, host = target.base_url, target.netloc, target.host
    cert = _first(exc, ssl.SSLCertVerificationError)
    if isinstance(cert, ssl.SSLCertVerificationError):
        return TransportFailure(TLSFailure(_certificate_message(cert, target), **where), "never", sent=False)
    handshake = _first(exc, ssl.SSLError)
    if isinstance(handshake, ssl.SSLError):
        reason = handshake.reason or handshake.__class__.__name__
        if reason in _NOT_TLS:
            explicit = target.url.port is not None
            plain = target.with_scheme("http") if explicit else str(target.url.copy_with(scheme="http")).rstrip("/")
            otherwise = "use the port of its HTTPS listener (usually 443)" if explicit else "fix its HTTPS setup"
            message = (
                f"{netloc} does not speak TLS (HTTPS), but NEXTCLOUD_HOST={base} uses https://. If Nextcloud is "
                f"served over plain HTTP there, set NEXTCLOUD_HOST={plain}; otherwise {otherwise}."
            )
            return TransportFailure(WrongHost(message, suggestion=plain, **where), "never", sent=False)
        message = (
            f"The TLS handshake with Nextcloud at {netloc} failed ({reason}). Check that NEXTCLOUD_HOST={base} is "
            f"Nextcloud's HTTPS address and that its web server's TLS setup works (e.g. `curl -v {base}/status.php`)."
        )
        return TransportFailure(TLSFailure(message, **where), "never", sent=False)
    dns = _first(exc, socket.gaierror)
    if isinstance(dns, socket.gaierror):
        if dns.errno == socket.EAI_AGAIN:
            message = (
                f"Cannot connect to Nextcloud: the name {host} (NEXTCLOUD_HOST) could not be resolved just now "
                "(temporary DNS failure); check this machine's DNS and network, then try again."
            )
            return TransportFailure(Unavailable(message, **where), "any", sent=False)
        message = (
            f"Cannot connect to Nextcloud: the host name {host} in NEXTCLOUD_HOST={base} does not resolve "
            f"({dns.strerror}). Check NEXTCLOUD_HOST for typos; in a container, use a name that resolves there "
            "(e.g. the compose service name)."
        )
        return TransportFailure(Unavailable(message, **where), "never", sent=False)
    if _first(exc, ConnectionRefusedError) is not None:
        inside = (
            " Inside a container, localhost is the container itself: use the Nextcloud service's name."
            if _loopback(host)
            else ""
        )
        message = (
            f"Cannot connect to Nextcloud: nothing accepts connections at {netloc} (connection refused), so its "
            f"web server is not running there or listens on another port. Check that Nextcloud is up and that "
            f"NEXTCLOUD_HOST={base} names its port.{inside}"
        )
        return TransportFailure(Unavailable(message, **where), "any", sent=False)
    unreachable = next(
        (e for e in _causes(exc) if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)),
        None,
    )
    if isinstance(unreachable, OSError):
        message = (
            f"Cannot connect to Nextcloud: no network route to {netloc} ({unreachable.strerror}); check this "
            f"machine's network, firewall and NEXTCLOUD_HOST={base}."
        )
        return TransportFailure(Unavailable(message, **where), "any", sent=False)
    return _other_failure(exc, target, where)


def _certificate_message(cert: ssl.SSLCertVerificationError, target: Target) -> str:
    host, detail = target.host, cert.verify_message or str(cert)
    code = cert.verify_code
    off = "NEXTCLOUD_VERIFY_SSL=false turns the check off (not recommended: the credentials could be intercepted)."
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        return (
            f"Nextcloud's TLS certificate is not valid for {host} ({detail}). Set NEXTCLOUD_HOST to a name the "
            f"certificate covers (the one you open Nextcloud at in a browser), or have it reissued for {host}."
        )
    if code in (_EXPIRED, _NOT_YET_VALID):
        return (
            f"Nextcloud's TLS certificate at {host} is not valid now ({detail}): renew it on Nextcloud's web server, "
            "or correct this machine's clock."
        )
    if code in _UNTRUSTED:
        if target.ca_bundle:
            return (
                f"Nextcloud's TLS certificate at {host} is not signed by the CA in NEXTCLOUD_CA_BUNDLE="
                f"{target.ca_bundle} ({detail}). Point NEXTCLOUD_CA_BUNDLE at the PEM file of the CA that signed it "
                f"(for a self-signed certificate, the certificate itself). {off}"
            )
        return (
            f"Nextcloud's TLS certificate at {host} is not signed by a certificate authority this server trusts "
            f"({detail}). For a private or self-signed CA, set NEXTCLOUD_CA_BUNDLE to the PEM file of that CA (for "
            f"a self-signed certificate, the certificate itself). {off}"
        )
    return (
        f"Nextcloud's TLS certificate at {host} failed verification ({detail}). Fix the certificate, or set "
        f"NEXTCLOUD_CA_BUNDLE to the PEM file of the CA that signed it. {off}"
    )


def _other_failure(exc: httpx2.TransportError, target: Target, where: dict[str, Any]) -> TransportFailure:
    base, netloc = target.base_url, target.netloc
    if isinstance(exc, httpx2.ConnectTimeout):
        message = (
            f"Cannot connect to Nextcloud: no connection to {netloc} within NEXTCLOUD_CONNECT_TIMEOUT "
            f"({target.connect_timeout:g} s), so the host is down, a firewall drops the connection, or the port is "
            f"wrong. Check NEXTCLOUD_HOST={base} from this machine (e.g. `curl {base}/status.php`); try again if it "
            "was a passing network problem."
        )
        return TransportFailure(Unavailable(message, **where), "any", sent=False)
    if isinstance(exc, httpx2.PoolTimeout):
        message = (
            f"All {target.max_connections} connections to Nextcloud (NEXTCLOUD_MAX_CONNECTIONS) stayed busy for "
            f"{target.timeout:g} s (NEXTCLOUD_TIMEOUT): Nextcloud answers slowly. Nothing was sent; try again, and "
            "raise NEXTCLOUD_MAX_CONNECTIONS if this happens often."
        )
        return TransportFailure(Unavailable(message, **where), "any", sent=False)
    if isinstance(exc, httpx2.ConnectError):
        message = (
            f"Cannot connect to Nextcloud at {netloc} ({_reason(exc)}). Check NEXTCLOUD_HOST={base} and that "
            "Nextcloud is up; try again if it was a passing network problem."
        )
        return TransportFailure(Unavailable(message, **where), "any", sent=False)
    if isinstance(exc, httpx2.TimeoutException):
        message = f"Nextcloud did not answer in time (NEXTCLOUD_TIMEOUT={target.timeout:g} s)."
        return TransportFailure(Unavailable(message, **where), "idempotent", sent=True)
    if isinstance(exc, (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.WriteError)):
        message = f"Nextcloud at {netloc} dropped the connection before answering completely ({_reason(exc)})."
        return TransportFailure(Unavailable(message, **where), "idempotent", sent=True)
    message = f"The request to Nextcloud at {netloc} failed ({_reason(exc)}); check NEXTCLOUD_HOST={base}."
    return TransportFailure(Unavailable(message, **where), "never", sent=True)


def _reason(exc: BaseException) -> str:
    """The innermost cause's text (no URL, headers or body), else the exception's class name."""
    innermost = list(_causes(exc))[-1]
    text = str(innermost).strip()
    return text[:200] if text else innermost.__class__.__name__


async def speaks_tls(host: str, port: int, *, seconds: float) -> bool:
    """Whether `host:port` completes a TLS handshake within `seconds` (certificate not checked; no request is
    sent)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with anyio.move_on_after(seconds):
        try:
            stream = await anyio.connect_tcp(host, port, ssl_context=context, tls_standard_compatible=False)
            await stream.aclose()
        except (OSError, anyio.BrokenResourceError, anyio.EndOfStream):
            return False
        return True
    return False


async def explain(failure: TransportFailure, target: Target, *, sockets: bool, idempotent: bool) -> NextcloudError:
    """The error to raise for `failure` once no retry is left. `sockets`: may probe the port for TLS (not with
    an injected test transport)."""
    error = failure.error
    plain = failure.sent and sockets and target.url.scheme == "http"
    if plain and await speaks_tls(target.host, target.port, seconds=target.connect_timeout):
        https = target.with_scheme("https")
        return WrongHost(
            f"NEXTCLOUD_HOST={target.base_url} uses http://, but {target.netloc} speaks HTTPS (TLS) and dropped the "
            f"plain HTTP request, so nothing was changed. Set NEXTCLOUD_HOST={https}.",
            suggestion=https,
            method=error.method,
            path=error.path,
        )
    if failure.sent:
        unknown = " The change may or may not have been applied; read the item before retrying."
        error.message += " Try again." if idempotent else unknown
    return error
