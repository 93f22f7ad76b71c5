"""State of the ``oidc`` app (H2CK/oidc 2.0.9) without HTTP: the tables ``oidc_clients``,
``oidc_redirect_uris``, ``oidc_access_tokens``, ``oidc_authorization_codes``, ``oidc_user_consents`` and
``oidc_registration_tokens`` (``lib/Db/*``), and the operations the controllers share.

* Client ids and secrets are 64 alphanumerics (``ClientMapper::insert``), opaque access tokens 72, codes and
  refresh tokens 128 (``ISecureRandom::generate``); registration access tokens 64
  (``RegistrationTokenService::TOKEN_LENGTH``).
* An access-token row holds the *hashed* current code: first the authorization code, after each token
  response the refresh token (``hash('sha512', $code)``, ``AccessTokenMapper::getByCode``). Access tokens are
  stored in clear and looked up by exact string (``getByAccessToken``), JWT or opaque alike.
* Validity of a row is ``now <= refreshed + expire_time`` everywhere (UserInfo, introspection,
  ``TokenValidationRequestListener``); the token endpoint sets ``refreshed = now + expire_time`` when it
  issues a token - so an issued access token stays valid for twice ``expire_time``.
* ``ClientMapper::cleanUp`` deletes dynamically registered clients older than ``client_expire_time`` (with
  their redirect URIs and consents, not their tokens); it runs on every registration and authorization.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.session import random_string
from fake_nextcloud.core.state import FakeState

__all__ = [
    "AccessToken",
    "AuthorizationCode",
    "Client",
    "Consent",
    "OidcBackend",
    "hash_code",
]

ALNUM = string.ascii_uppercase + string.ascii_lowercase + string.digits
#: ``ConsentController::grant``: consents expire after 90 days.
CONSENT_LIFETIME = 7_776_000


def hash_code(code: str) -> str:
    """``hash('sha512', $code)``."""
    return hashlib.sha512(code.encode("utf-8")).hexdigest()


@dataclass
class Client:
    """An ``oidc_clients`` row (``lib/Db/Client.php``); ``id`` is the row id, ``client_id`` the identifier."""

    id: int
    name: str
    client_id: str
    secret: str
    redirect_uris: list[str]
    signing_alg: str = "RS256"
    type: str = "confidential"
    flow_type: str = "code"
    token_type: str = "opaque"  # noqa: S105 - a token *kind*, not a secret
    allowed_scopes: str = ""
    email_regex: str = ""
    resource_url: str | None = None
    dcr: bool = False
    issued_at: int = 0
    groups: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """``Client::jsonSerialize`` (what ``occ oidc:create`` prints), plus the group restriction."""
        return {
            "name": self.name,
            "redirect_uris": list(self.redirect_uris),
            "jwt_alg": self.signing_alg,
            "type": self.type,
            "client_id": self.client_id,
            "client_secret": self.secret,
            "flow_type": self.flow_type,
            "dcr": self.dcr,
            "issued_at": self.issued_at,
            "token_type": self.token_type,
            "allowed_scopes": self.allowed_scopes,
            "email_regex": self.email_regex,
            "resource_url": self.resource_url,
            "groups": list(self.groups),
        }


@dataclass
class AccessToken:
    """An ``oidc_access_tokens`` row (``lib/Db/AccessToken.php``)."""

    id: int
    client_id: int
    user_id: str
    hashed_code: str
    scope: str
    resource: str | None
    created: int
    refreshed: int
    nonce: str = ""
    access_token: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""


@dataclass
class AuthorizationCode:
    """An ``oidc_authorization_codes`` row: single use (``markUsed`` only updates ``used_at = 0`` rows)."""

    id: int
    access_token_id: int
    hashed_code: str
    created: int
    used_at: int = 0


@dataclass
class Consent:
    """An ``oidc_user_consents`` row."""

    user_id: str
    client_id: int
    scopes_granted: str
    created_at: int
    updated_at: int
    expires_at: int | None = None


class OidcBackend:
    """All oidc app rows of one instance."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.clients: dict[int, Client] = {}
        self.tokens: dict[int, AccessToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.consents: dict[tuple[str, int], Consent] = {}
        self.registration_tokens: dict[str, int] = {}
        self._next_id = 1

    @classmethod
    def of(cls, state: FakeState) -> OidcBackend:
        return state.backend("oidc", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    # -- clients -------------------------------------------------------------------------------------------

    def create_client(
        self,
        name: str,
        redirect_uris: list[str],
        *,
        algorithm: str = "RS256",
        type: str = "confidential",
        flow: str = "code",
        token_type: str = "opaque",  # noqa: S107 - a token kind
        allowed_scopes: str = "",
        client_id: str = "",
        client_secret: str = "",
        resource_url: str | None = None,
        dcr: bool = False,
        groups: list[str] | None = None,
    ) -> Client:
        """``new Client(...)`` + ``ClientMapper::insert`` (identifier/secret generated when empty)."""
        if client_id and any(c.client_id == client_id for c in self.clients.values()):
            raise ValueError(f"client id {client_id!r} already exists")
        client = Client(
            id=self._id(),
            name=name,
            client_id=client_id or random_string(64, ALNUM),
            secret=client_secret or random_string(64, ALNUM),
            redirect_uris=list(redirect_uris),
            signing_alg="RS256" if algorithm == "RS256" else "HS256",
            type="public" if type == "public" else "confidential",
            flow_type="code" if flow == "code" else "code id_token",
            token_type=token_type,
            allowed_scopes=allowed_scopes,
            resource_url=resource_url,
            dcr=dcr,
            issued_at=self.state.time(),
            groups=list(groups or []),
        )
        self.clients[client.id] = client
        return client

    def client_by_identifier(self, client_id: str) -> Client | None:
        for client in self.clients.values():
            if client.client_id == client_id:
                return client
        return None

    def client_expired(self, client: Client) -> bool:
        """``$client->isDcr() && now > issued_at + client_expire_time``."""
        return client.dcr and self.state.time() > client.issued_at + self.state.config.oidc_int("client_expire_time")

    def delete_client(self, client: Client, *, with_tokens: bool = False) -> None:
        self.clients.pop(client.id, None)
        for key in [k for k in self.consents if k[1] == client.id]:
            del self.consents[key]
        for token in [t for t, cid in self.registration_tokens.items() if cid == client.id]:
            del self.registration_tokens[token]
        if with_tokens:
            for row in [t for t in self.tokens.values() if t.client_id == client.id]:
                self.delete_token(row)

    def clean_up_clients(self) -> None:
        """``ClientMapper::cleanUp``: DCR clients with ``issued_at < now - client_expire_time``."""
        limit = self.state.time() - self.state.config.oidc_int("client_expire_time")
        for client in [c for c in self.clients.values() if c.dcr and c.issued_at < limit]:
            self.delete_client(client)

    def num_dcr_clients(self) -> int:
        return sum(1 for c in self.clients.values() if c.dcr)

    def aggregated_scopes(self) -> list[str]:
        """``DiscoveryGenerator::getAggregatedScopes``."""
        scopes: list[str] = []
        for client in self.clients.values():
            for scope in client.allowed_scopes.strip().lower().split(" "):
                if scope.strip() and scope not in scopes:
                    scopes.append(scope)
        return scopes

    def new_registration_token(self, client: Client) -> str:
        """``RegistrationTokenService::generateToken`` / ``rotateToken`` (old tokens of the client go)."""
        for token in [t for t, cid in self.registration_tokens.items() if cid == client.id]:
            del self.registration_tokens[token]
        token = random_string(64, ALNUM)
        self.registration_tokens[token] = client.id
        return token

    # -- tokens, codes ---------------------------------------------------------------------------------------

    def insert_token(self, row: AccessToken) -> AccessToken:
        row.id = self._id()
        self.tokens[row.id] = row
        return row

    def token_by_code(self, code: str) -> AccessToken | None:
        hashed = hash_code(code)
        for row in self.tokens.values():
            if row.hashed_code == hashed:
                return row
        return None

    def token_by_access_token(self, token: str) -> AccessToken | None:
        for row in self.tokens.values():
            if row.access_token == token:
                return row
        return None

    def delete_token(self, row: AccessToken) -> None:
        self.tokens.pop(row.id, None)

    def token_expired(self, row: AccessToken) -> bool:
        return self.state.time() > row.refreshed + self.state.config.oidc_int("expire_time")

    def create_code(self, row: AccessToken, code: str) -> AuthorizationCode:
        entry = AuthorizationCode(self._id(), row.id, hash_code(code), self.state.time())
        self.codes[entry.hashed_code] = entry
        return entry

    def find_code(self, code: str) -> AuthorizationCode | None:
        return self.codes.get(hash_code(code))

    def delete_user_tokens(self, uid: str, client: Client | None = None) -> int:
        rows = [t for t in self.tokens.values() if t.user_id == uid and (client is None or t.client_id == client.id)]
        for row in rows:
            self.delete_token(row)
        return len(rows)

    # -- consents --------------------------------------------------------------------------------------------

    def consent(self, uid: str, client: Client) -> Consent | None:
        return self.consents.get((uid, client.id))

    def save_consent(self, uid: str, client: Client, scopes: str, *, expires: bool) -> Consent:
        """``UserConsentMapper::createOrUpdate`` (``ConsentController::grant`` sets a 90-day expiry; the
        automatic consent of ``allow_user_settings=no`` has none)."""
        now = self.state.time()
        existing = self.consents.get((uid, client.id))
        consent = Consent(uid, client.id, scopes, existing.created_at if existing else now, now)
        consent.expires_at = now + CONSENT_LIFETIME if expires else None
        self.consents[(uid, client.id)] = consent
        return consent

    def revoke_consents(self, uid: str, client: Client | None = None) -> int:
        """``ConsentController::revokeConsent``: the consent and the user's tokens of that client go."""
        clients = [client] if client is not None else list(self.clients.values())
        revoked = 0
        for entry in clients:
            if self.consents.pop((uid, entry.id), None) is not None:
                revoked += 1
            self.delete_user_tokens(uid, entry)
        return revoked
