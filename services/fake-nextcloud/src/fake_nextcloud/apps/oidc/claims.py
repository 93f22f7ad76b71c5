"""Token and UserInfo claims (H2CK/oidc ``lib/Util/JwtGenerator.php``, ``lib/Controller/UserInfoController.php``).

* JWT access token (RFC 9068, clients with ``token_type=jwt``): header ``typ: at+JWT``; claims ``iss, sub,
  aud, exp, auth_time, iat, acr ("0"), client_id, azp, preferred_username, scope, jti`` - no ``nbf`` - then
  ``roles``/``groups``/profile/email claims by scope. ``aud`` = the row's ``resource`` (the ``resource``
  authorization parameter, else the client's ``resource_url``), else the client id. ``jti`` is the row id
  as a string (``""`` while the row is not stored yet, i.e. for the token minted at authorization time).
* ID token: header ``typ: JWT``; ``iss, sub, aud (= client id), exp, auth_time, iat, acr, azp, nbf, jti``,
  ``at_hash``/``c_hash`` only from the authorization endpoint (implicit/hybrid), ``nonce`` when one was sent.
  Since 2.0.0 scope claims are only included when ``$includeScopeClaims`` (the authorization endpoint for
  implicit flows) or ``always_include_scope_claims`` is set - the token endpoint passes ``false``.
* UserInfo: ``sub``, ``preferred_username``, ``scope`` then the same scope claims.
* Profile: ``updated_at`` (last login), ``name`` and its ``Converter::splitFullName`` parts (last word =
  family name, first = given name, the rest = middle name), ``picture`` = issuer + ``/avatar/<uid>/64``
  (unless ``restrict_user_information`` contains ``avatar``), ``quota`` unless ``none``. ``website``,
  ``phone_number`` and ``address`` are not modelled (the fake's accounts have none). Email:
  ``email_verified`` is ``false`` unless ``overwrite_email_verified`` is ``'true'``.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from fake_nextcloud.apps.oidc.keys import b64url, sign_jwt
from fake_nextcloud.apps.oidc.models import ALNUM, AccessToken, Client
from fake_nextcloud.core.session import random_string
from fake_nextcloud.core.state import FakeState, User

__all__ = [
    "access_token_jwt",
    "human_file_size",
    "id_token",
    "mint_access_token",
    "scope_claims",
    "split_full_name",
    "userinfo",
]


def split_full_name(name: str) -> list[str]:
    """``OCA\\DAV\\CardDAV\\Converter::splitFullName``: [family, given, middle, '', '']."""
    elements = name.split(" ")
    result = ["", "", "", "", ""]
    if len(elements) > 2:
        result[0] = elements[-1]
        result[1] = elements[0]
        result[2] = " ".join(elements[1:-1])
    elif len(elements) == 2:
        result[0], result[1] = elements[1], elements[0]
    else:
        result[0] = elements[0]
    return result


def _php_number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def human_file_size(size: int) -> str:
    """``OCP\\Util::humanFileSize`` (what ``IUser::getQuota`` returns for a set quota)."""
    if size < 1024:
        return f"{size} B"
    value = round(size / 1024)
    if value < 1024:
        return f"{value} KB"
    fvalue = round(value / 1024, 1)
    for unit in ("MB", "GB", "TB"):
        if fvalue < 1024:
            return f"{_php_number(fvalue)} {unit}"
        fvalue = round(fvalue / 1024, 1)
    return f"{_php_number(fvalue)} PB"


def _scopes(row: AccessToken) -> list[str]:
    return [s for s in row.scope.split(" ") if s != ""] if row.scope else [""]


def scope_claims(state: FakeState, user: User, row: AccessToken, issuer: str, *, username: bool) -> dict[str, Any]:
    """``roles``, ``groups``, profile and email claims for the row's scopes (``preferred_username`` inside the
    profile block only for ID tokens: ``username``)."""
    config = state.config
    scopes = _scopes(row)
    claims: dict[str, Any] = {}
    gids = list(user.groups)
    if "roles" in scopes:
        claims["roles"] = gids
    if "groups" in scopes:
        claims["groups"] = gids
    restricted = config.oidc("restrict_user_information").strip().lower().split(" ")
    if "profile" in scopes:
        profile: dict[str, Any] = {"updated_at": user.last_login}
        if username:
            profile["preferred_username"] = user.uid
        profile["name"] = user.display_name
        for index, claim in enumerate(("family_name", "given_name", "middle_name")):
            part = split_full_name(user.display_name)[index]
            if part.strip() != "":
                profile[claim] = part
        if "avatar" not in restricted:
            profile["picture"] = f"{issuer}/avatar/{quote(user.uid, safe='')}/64"
        if user.quota is not None:
            profile["quota"] = human_file_size(user.quota)
        claims.update(profile)
    if "email" in scopes and user.email is not None:
        claims["email"] = user.email
        claims["email_verified"] = config.oidc("overwrite_email_verified") == "true"
    return claims


def access_token_jwt(state: FakeState, row: AccessToken, client: Client, issuer: str, user: User) -> str:
    """``JwtGenerator::generateAccessToken`` for a ``jwt`` client."""
    now = state.time()
    aud = row.resource if row.resource is not None and row.resource.strip() != "" else client.client_id
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": row.user_id,
        "aud": aud,
        "exp": now + state.config.oidc_int("expire_time"),
        "auth_time": row.created,
        "iat": now,
        "acr": "0",
        "client_id": client.client_id,
        "azp": client.client_id,
        "preferred_username": row.user_id,
        "scope": row.scope,
        "jti": str(row.id) if row.id else "",
    }
    payload.update(scope_claims(state, user, row, issuer, username=False))
    return sign_jwt(state, payload, typ="at+JWT", algorithm=client.signing_alg, secret=client.secret)


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8")).digest()
    return b64url(digest[: len(digest) // 2])


def id_token(
    state: FakeState,
    row: AccessToken,
    client: Client,
    issuer: str,
    user: User,
    *,
    at_hash: bool,
    include_scope_claims: bool,
    code: str | None = None,
) -> str:
    """``JwtGenerator::generateIdToken``."""
    now = state.time()
    if state.config.oidc_bool("always_include_scope_claims"):
        include_scope_claims = True
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": row.user_id,
        "aud": client.client_id,
        "exp": now + state.config.oidc_int("expire_time"),
        "auth_time": row.created,
        "iat": now,
        "acr": "0",
        "azp": client.client_id,
        "nbf": now,
        "jti": str(row.id),
    }
    if at_hash:
        payload["at_hash"] = _half_hash(row.access_token)
    if code:
        payload["c_hash"] = _half_hash(code)
    if row.nonce:
        payload["nonce"] = row.nonce
    if include_scope_claims:
        payload.update(scope_claims(state, user, row, issuer, username=True))
    return sign_jwt(state, payload, typ="JWT", algorithm=client.signing_alg, secret=client.secret)


def userinfo(state: FakeState, row: AccessToken, user: User, issuer: str) -> dict[str, Any]:
    """``UserInfoController::getInfoFromRequest`` payload."""
    payload: dict[str, Any] = {"sub": row.user_id, "preferred_username": row.user_id}
    if row.scope:
        payload["scope"] = row.scope
    payload.update(scope_claims(state, user, row, issuer, username=False))
    return payload


def mint_access_token(state: FakeState, row: AccessToken, client: Client, issuer: str, user: User) -> str:
    """``JwtGenerator::generateAccessToken``: 72 random alphanumerics unless the client's ``token_type`` is
    ``jwt`` (case-insensitive)."""
    if client.token_type.lower() != "jwt":
        return random_string(72, ALNUM)
    return access_token_jwt(state, row, client, issuer, user)
