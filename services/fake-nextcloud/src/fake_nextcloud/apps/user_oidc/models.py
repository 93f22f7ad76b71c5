"""user_oidc's Bearer-token login (nextcloud/user_oidc 8.x ``lib/User/Backend.php::getCurrentUserId``,
``lib/User/Validator/SelfEncodedValidator.php``, ``lib/Service/DiscoveryService.php``, ``LocalIdService.php``).

``Backend::getCurrentUserId`` (reached through ``OC_User::handleApacheAuth`` before any other login method):

1. nothing to do unless a provider exists or ``oidc_provider_bearer_validation`` is true;
2. the ``Authorization`` header must start with ``Bearer `` / ``bearer ``;
3. with ``oidc_provider_bearer_validation`` and the oidc app present, the oidc app's
   ``TokenValidationRequestListener`` decides first (``apps.oidc.validation.validate_token``);
4. then every provider with ``checkBearer`` tries ``SelfEncodedValidator`` (unless
   ``selfencoded_bearer_validation`` is false): the provider's JWKS (via its discovery document, both cached
   for an hour), key chosen by ``kid`` (RSA keys under 2048 bits are refused), signature, ``exp`` (no leeway;
   a token without ``exp`` is refused), ``nbf``/``iat`` with 60 s leeway, ``iss`` == the discovery ``issuer``,
   ``aud`` equal to / containing the provider's client id unless
   ``selfencoded_bearer_validation_audience_check`` is false (a token *without* ``aud`` passes), the user id from
   the mapped claim (``sub`` by default). ``UserInfoValidator`` is not modelled.
5. ``auto_provision`` (default true): an existing account whose uid equals the claim value is used (refused when
   ``soft_auto_provision`` is false and it belongs to another backend); otherwise the account is created in the
   user_oidc backend with uid = the claim value, or ``sha256("<provider id>_0_<sub>")`` with ``uniqueUid``
   (``LocalIdService::getId``). ``bearerProvisioning`` then copies ``name``/``email`` claims to the account
   (``SelfEncodedTokenProvisioning``). Without ``auto_provision`` only existing accounts log in.

Discovery and JWKS are fetched with httpx2 (through ``FakeState.http_transport`` when a test sets one); like
Nextcloud's HTTP client, loopback and private addresses are refused unless system config
``allow_local_remote_servers`` is true (the testbed sets it). Failures mean "not authenticated", never an error
response.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx2
import jwt
from jwt.utils import base64url_decode

from fake_nextcloud.apps.oidc.validation import validate_token
from fake_nextcloud.core.auth import AuthRequest, AuthResult
from fake_nextcloud.core.config import ProviderSpec
from fake_nextcloud.core.state import FakeState, User

__all__ = ["UserOidcAuthenticator", "UserOidcBackend"]

CACHE_SECONDS = 3600
_KTY = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "ES256": "EC", "ES384": "EC", "ES512": "EC", "EdDSA": "OKP"}
_LEEWAY = 60


class FetchError(Exception):
    """Discovery or JWKS could not be obtained."""


def _local_host(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class UserOidcBackend:
    """Per-instance caches (discovery documents, JWKS) and the provider ids (``oidc_providers.id``)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.discovery_cache: dict[str, tuple[int, dict[str, Any]]] = {}
        self.jwks_cache: dict[str, tuple[int, dict[str, Any]]] = {}

    @classmethod
    def of(cls, state: FakeState) -> UserOidcBackend:
        return state.backend("user_oidc", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def provider_id(self, provider: ProviderSpec) -> int:
        return self.state.config.oidc_providers.index(provider) + 1

    async def _get_json(self, url: str) -> dict[str, Any]:
        host = urlsplit(url).hostname or ""
        if _local_host(host) and self.state.config.system_value("allow_local_remote_servers") is not True:
            raise FetchError(f"host {host} is a local address (allow_local_remote_servers is off)")
        try:
            async with httpx2.AsyncClient(transport=self.state.http_transport, trust_env=False, timeout=10.0) as http:
                response = await http.get(url)
            data = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise FetchError(str(exc)) from None
        if response.status_code >= 400 or not isinstance(data, dict):
            raise FetchError(f"{url}: HTTP {response.status_code}")
        return data

    async def discovery(self, provider: ProviderSpec) -> dict[str, Any]:
        now = self.state.time()
        cached = self.discovery_cache.get(provider.discovery_uri)
        if cached is not None and cached[0] > now - CACHE_SECONDS:
            return cached[1]
        document = await self._get_json(provider.discovery_uri)
        self.discovery_cache[provider.discovery_uri] = (now, document)
        return document

    async def jwks(self, provider: ProviderSpec) -> dict[str, Any]:
        now = self.state.time()
        cached = self.jwks_cache.get(provider.identifier)
        if cached is not None and cached[0] > now - CACHE_SECONDS:
            return cached[1]
        document = await self._get_json(str((await self.discovery(provider)).get("jwks_uri", "")))
        self.jwks_cache[provider.identifier] = (now, document)
        return document


def _pick_key(state: FakeState, jwks: dict[str, Any], header: dict[str, Any]) -> dict[str, Any] | None:
    """``DiscoveryService::fixJwksAlg`` + firebase ``JWT::getKey`` (a ``kid`` is needed to pick from a set)."""
    alg, kid = header.get("alg"), header.get("kid")
    kty = _KTY.get(str(alg))
    keys = jwks.get("keys")
    if kty is None or not isinstance(keys, list) or not kid:
        return None
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") != kty or key.get("use", "sig") != "sig":
            continue
        strength_check = state.config.user_oidc("validate_jwk_strength") not in (False, "false", 0, "0")
        if strength_check and kty == "RSA" and len(base64url_decode(str(key.get("n", "")))) * 8 < 2048:
            continue
        if key.get("kid") == kid:
            return {**key, "alg": key.get("alg") or alg}
    return None


async def self_encoded_user(state: FakeState, provider: ProviderSpec, token: str) -> tuple[str, dict[str, Any]] | None:
    """``SelfEncodedValidator::isValidBearerToken``: (user id claim, payload) or ``None``."""
    backend = UserOidcBackend.of(state)
    try:
        header = jwt.get_unverified_header(token)
        key = _pick_key(state, await backend.jwks(provider), header)
        if key is None:
            return None
        payload = jwt.decode(
            token, jwt.PyJWK(key).key, algorithms=[str(header["alg"])], options={"verify_exp": False,
            "verify_nbf": False, "verify_iat": False, "verify_aud": False, "verify_iss": False},
        )  # fmt: skip
        issuer = (await backend.discovery(provider)).get("issuer")
    except (jwt.PyJWTError, FetchError, KeyError, TypeError, ValueError):
        return None
    now = state.time()
    exp, nbf, iat = payload.get("exp"), payload.get("nbf"), payload.get("iat")
    if not isinstance(exp, int | float) or exp < now:
        return None
    if (isinstance(nbf, int | float) and nbf > now + _LEEWAY) or (isinstance(iat, int | float) and iat > now + _LEEWAY):
        return None
    if payload.get("iss") != issuer:
        return None
    if state.config.user_oidc("selfencoded_bearer_validation_audience_check") not in (False, "false", 0, "0"):
        aud = payload.get("aud")
        if (isinstance(aud, str) and aud != provider.client_id) or (
            isinstance(aud, list) and provider.client_id not in aud
        ):
            return None
    uid = payload.get(provider.mapping_uid)
    if not uid or not isinstance(uid, str | int):
        return None
    return str(uid), payload


def _provision(state: FakeState, provider: ProviderSpec, claim_uid: str, payload: dict[str, Any]) -> User | None:
    """The ``auto_provision`` branch of ``getCurrentUserId``."""
    config = state.config
    existing = state.user(claim_uid)
    if existing is not None and config.user_oidc("soft_auto_provision") is False and existing.backend != "user_oidc":
        return None
    user = existing
    if user is None:
        uid = claim_uid
        if provider.unique_uid:
            uid = hashlib.sha256(
                f"{UserOidcBackend.of(state).provider_id(provider)}_0_{claim_uid}".encode()
            ).hexdigest()
        elif len(uid) > 64:
            uid = hashlib.sha256(uid.encode()).hexdigest()
        user = state.user(uid)
        if user is None:
            user = state.add_user(uid, secrets.token_urlsafe(32), uid=uid, persistent=False)
            user.backend = "user_oidc"
    if provider.bearer_provisioning:
        name, email = payload.get(provider.mapping_display_name), payload.get(provider.mapping_email)
        if isinstance(name, str) and name:
            user.display_name = name
        if isinstance(email, str) and email:
            user.email = email
    return user


class UserOidcAuthenticator:
    """``OC_User::handleApacheAuth`` with user_oidc's backend."""

    name = "bearer"

    async def authenticate(self, state: FakeState, request: AuthRequest) -> AuthResult:
        if not state.app_enabled("user_oidc"):
            return None
        config = state.config
        nc_validation = config.user_oidc("oidc_provider_bearer_validation") is True
        if not config.oidc_providers and not nc_validation:
            return None
        header = request.headers.get("authorization", "")
        if not header.startswith(("Bearer ", "bearer ")):
            return None
        token = re.sub(r"^bearer\s+", "", header, flags=re.IGNORECASE)
        if token == "":
            return None
        user: User | None = None
        if nc_validation and state.app_enabled("oidc"):
            uid = validate_token(state, token)
            if uid is not None:
                user = state.user(uid)
        if user is None and config.user_oidc("selfencoded_bearer_validation") is not False:
            user = await self._providers(state, token)
        if user is None or not user.enabled:
            return None
        user.last_login = state.time()  # checkFirstLogin -> updateLastLoginTimestamp
        if not user.first_login:
            user.first_login = user.last_login
        return user

    @staticmethod
    async def _providers(state: FakeState, token: str) -> User | None:
        config = state.config
        for provider in config.oidc_providers:
            if not provider.check_bearer:
                continue
            found = await self_encoded_user(state, provider, token)
            if found is None:
                continue
            claim_uid, payload = found
            if config.user_oidc("auto_provision") is not False:
                return _provision(state, provider, claim_uid, payload)
            return state.user(claim_uid)
        return None
