"""`Identity`: what a validated access token says, and how it travels (cache JSON, SDK AccessToken)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import httpx2
from mcp.server.auth.provider import AccessToken

__all__ = ["BearerAuth", "Identity", "caller_key", "subject_key", "token_digest"]


def token_digest(token: str) -> str:
    """SHA-256 of a token: the only form in which a token is ever used as a key or logged."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """The validated meaning of an access token."""

    subject: str
    issuer: str
    client_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    expires_at: int | None = None
    resource: str | None = None
    method: str = ""  # jwt | introspection | userinfo

    @property
    def key(self) -> str:
        """A stable, non-secret id of the user for per-user caches."""
        return _key(self.issuer, self.subject)

    def to_json(self) -> str:
        return json.dumps(
            {
                "sub": self.subject,
                "iss": self.issuer,
                "client_id": self.client_id,
                "scopes": sorted(self.scopes),
                "exp": self.expires_at,
                "resource": self.resource,
                "method": self.method,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Identity:
        data = json.loads(raw)
        return cls(
            subject=str(data["sub"]),
            issuer=str(data["iss"]),
            client_id=str(data["client_id"]),
            scopes=frozenset(data["scopes"]),
            expires_at=data["exp"],
            resource=data["resource"],
            method=str(data.get("method", "")),
        )

    def access_token(self, token: str) -> AccessToken:
        """The SDK's view of this identity (used for session ownership and `get_access_token()`)."""
        return AccessToken(
            token=token,
            client_id=self.client_id,
            scopes=sorted(self.scopes),
            expires_at=self.expires_at,
            resource=self.resource,
            subject=self.subject,
            claims={"iss": self.issuer},
        )


def _key(issuer: str, subject: str) -> str:
    return "oidc:" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:24]


def subject_key(issuer: str, subject: str) -> str:
    """`caller_key` of a token of `subject` issued by `issuer` (for work done without a request)."""
    return _key(issuer, subject)


def caller_key(token: AccessToken) -> str:
    """`Identity.key` of the identity behind an SDK `AccessToken` made by `Identity.access_token`."""
    claims = token.claims or {}
    return _key(str(claims.get("iss", "")), token.subject or "")


class BearerAuth(httpx2.Auth):
    """Sends the caller's own access token to Nextcloud; never reused across users."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx2.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth([REDACTED])"
