"""Control API for the oidc and user_oidc apps (relative to ``/__testbed__``). JSON in, JSON out.

==================================  =================================================================================
``POST /oidc/clients``              like ``occ oidc:create``: ``{"name", "redirect_uris": [...], "type"?:
                                    "confidential"|"public", "token_type"?: "opaque"|"jwt" (default: app config
                                    ``default_token_type``), "resource_url"?, "allowed_scopes"?: "a b",
                                    "client_id"?, "client_secret"? (32-64 printable ASCII, no ``:``),
                                    "algorithm"?: "RS256"|"HS256", "flow"?: "code"|"code id_token",
                                    "groups"?: [...]}`` -> 201 client (``client_id``, ``client_secret``, ...)
``GET /oidc/clients``               ``{"clients": [client...]}`` (secrets included, like ``occ oidc:list``)
``DELETE /oidc/clients/{id}``       ``occ oidc:remove`` (``deleteByIdentifier``: its access tokens stay)
``GET|POST /oidc/config``           POST any oidc app-config key (``expire_time``, ``refresh_expire_time``,
                                    ``client_expire_time``, ``dynamic_client_registration``,
                                    ``allow_user_settings``, ``default_token_type``,
                                    ``provide_refresh_token_always``, ...; booleans become ``"true"``/``"false"``)
                                    and ``bearer_validation``, ``bearer_patch``, ``overwritehost``,
                                    ``overwriteprotocol`` (``null`` clears), ``user_oidc``: {system keys},
                                    ``logout_redirect_uris``: [...] -> the resulting configuration
``GET /oidc/tokens``                ``{"tokens": [{"id", "client_id", "user", "scope", "resource", "created",
                                    "refreshed", "expires_at"}]}`` (no token values)
``POST /oidc/tokens/revoke``        ``{"user", "client_id"?}``: consent revoked, the user's tokens deleted ->
                                    ``{"revoked_tokens": n}``
``GET|POST /user_oidc/providers``   like ``occ user_oidc:provider``: ``{"identifier", "discovery_uri",
                                    "client_id"?, "client_secret"?, "check_bearer"?: true,
                                    "bearer_provisioning"?: true, "unique_uid"?: false, "mapping_uid"?: "sub"}``
                                    (upsert; drops cached discovery/JWKS) -> ``{"providers": [...]}``
``DELETE /user_oidc/providers/{id}``  remove a provider
==================================  =================================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.oidc.models import OidcBackend
from fake_nextcloud.apps.user_oidc.models import UserOidcBackend
from fake_nextcloud.core.config import OIDC_APP_DEFAULTS, ProviderSpec
from fake_nextcloud.core.state import FakeState

__all__ = ["build_oidc_control_routes"]

_CLIENT_CREDENTIAL = re.compile(r"^[\x21-\x39\x3B-\x7E]{32,64}$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$")


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    data = json.loads(body) if body else {}
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except LookupError as exc:
            return JSONResponse({"error": str(exc).strip("'\"")}, status_code=404)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)

    return endpoint


def _app_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_oidc_control_routes(state: FakeState) -> list[BaseRoute]:
    def config_json() -> dict[str, Any]:
        config = state.config
        user_oidc = {k: config.user_oidc(k) for k in ("oidc_provider_bearer_validation", "auto_provision")}
        user_oidc |= dict(config.system.get("user_oidc", {}))
        return {
            "oidc": {k: config.oidc(k) for k in {**OIDC_APP_DEFAULTS, **config.apps.get("oidc", {})}},
            "bearer_validation": config.user_oidc("oidc_provider_bearer_validation") is True,
            "bearer_patch": config.bearer_patch,
            "overwritehost": config.system_value("overwritehost"),
            "overwriteprotocol": config.system_value("overwriteprotocol"),
            "user_oidc": user_oidc,
            "logout_redirect_uris": list(config.logout_redirect_uris),
            "providers": [p.to_json() for p in config.oidc_providers],
        }

    async def set_config(request: Request) -> Response:
        data = await _json(request)
        config = state.config
        for key, value in data.items():
            if key == "bearer_validation":
                config.set_user_oidc("oidc_provider_bearer_validation", bool(value))
            elif key == "bearer_patch":
                config.bearer_patch = bool(value)
            elif key in ("overwritehost", "overwriteprotocol"):
                if value in (None, ""):
                    config.system.pop(key, None)
                else:
                    config.system[key] = str(value)
            elif key == "user_oidc":
                for name, setting in dict(value).items():
                    config.set_user_oidc(str(name), setting)
            elif key == "logout_redirect_uris":
                config.logout_redirect_uris = [str(u) for u in value]
            elif key == "allow_local_remote_servers":
                config.system[key] = bool(value)
            else:
                config.set_app_value("oidc", key, _app_string(value))
        return JSONResponse(config_json())

    async def get_config(request: Request) -> Response:
        return JSONResponse(config_json())

    async def create_client(request: Request) -> Response:
        data = await _json(request)
        uris = data.get("redirect_uris", [])
        if isinstance(uris, str):
            uris = [uris]
        if not uris or not all(isinstance(u, str) and u for u in uris):
            raise ValueError("redirect_uris: at least one URI is required")
        for key in ("client_id", "client_secret"):
            if data.get(key) and not _CLIENT_CREDENTIAL.match(str(data[key])):
                raise ValueError(f"{key} must be 32-64 printable ASCII characters without ':'")
        resource_url = data.get("resource_url") or None
        if resource_url is not None and (len(str(resource_url)) > 512 or not _URL.match(str(resource_url).strip())):
            raise ValueError(f"resource_url {resource_url!r} is not a valid URL")
        client = OidcBackend.of(state).create_client(
            str(data["name"]),
            [str(u) for u in uris],
            algorithm=str(data.get("algorithm", "RS256")),
            type=str(data.get("type", "confidential")),
            flow=str(data.get("flow", "code")),
            token_type=str(data.get("token_type") or state.config.oidc("default_token_type")),
            allowed_scopes=str(data.get("allowed_scopes", "")),
            client_id=str(data.get("client_id") or ""),
            client_secret=str(data.get("client_secret") or ""),
            resource_url=str(resource_url).strip() if resource_url is not None else None,
            groups=[str(g) for g in data.get("groups", [])],
        )
        return JSONResponse(client.to_json(), status_code=201)

    async def list_clients(request: Request) -> Response:
        return JSONResponse({"clients": [c.to_json() for c in OidcBackend.of(state).clients.values()]})

    async def delete_client(request: Request) -> Response:
        backend = OidcBackend.of(state)
        client = backend.client_by_identifier(request.path_params["client_id"])
        if client is None:
            raise LookupError(f"unknown client {request.path_params['client_id']}")
        backend.delete_client(client)
        return JSONResponse({"deleted": client.client_id})

    async def list_tokens(request: Request) -> Response:
        backend = OidcBackend.of(state)
        expire = state.config.oidc_int("expire_time")
        rows = [
            {
                "id": row.id,
                "client_id": backend.clients[row.client_id].client_id if row.client_id in backend.clients else None,
                "user": row.user_id,
                "scope": row.scope,
                "resource": row.resource,
                "created": row.created,
                "refreshed": row.refreshed,
                "expires_at": row.refreshed + expire,
            }
            for row in backend.tokens.values()
        ]
        return JSONResponse({"tokens": rows})

    async def revoke_tokens(request: Request) -> Response:
        data = await _json(request)
        users = state.users_for_name(str(data["user"]))
        if len(users) != 1:
            raise LookupError(f"unknown user {data['user']!r}")
        backend = OidcBackend.of(state)
        client = None
        if data.get("client_id"):
            client = backend.client_by_identifier(str(data["client_id"]))
            if client is None:
                raise LookupError(f"unknown client {data['client_id']}")
        uid = users[0].uid
        before = len(backend.tokens)
        if client is not None:
            backend.revoke_consents(uid, client)
        else:
            for key in [k for k in backend.consents if k[0] == uid]:
                del backend.consents[key]
            backend.delete_user_tokens(uid)
        return JSONResponse({"revoked_tokens": before - len(backend.tokens)})

    def providers_json() -> dict[str, Any]:
        return {"providers": [p.to_json() for p in state.config.oidc_providers]}

    async def upsert_provider(request: Request) -> Response:
        data = await _json(request)
        spec = ProviderSpec(
            identifier=str(data["identifier"]),
            discovery_uri=str(data["discovery_uri"]),
            client_id=str(data.get("client_id", "")),
            client_secret=str(data.get("client_secret", "")),
            check_bearer=bool(data.get("check_bearer", True)),
            bearer_provisioning=bool(data.get("bearer_provisioning", True)),
            unique_uid=bool(data.get("unique_uid", False)),
            mapping_uid=str(data.get("mapping_uid", "sub")),
        )
        providers = state.config.oidc_providers
        for index, existing in enumerate(providers):
            if existing.identifier == spec.identifier:
                providers[index] = spec
                break
        else:
            providers.append(spec)
        backend = UserOidcBackend.of(state)
        backend.discovery_cache.clear()
        backend.jwks_cache.clear()
        return JSONResponse(providers_json(), status_code=201)

    async def list_providers(request: Request) -> Response:
        return JSONResponse(providers_json())

    async def delete_provider(request: Request) -> Response:
        identifier = request.path_params["identifier"]
        providers = state.config.oidc_providers
        if not any(p.identifier == identifier for p in providers):
            raise LookupError(f"unknown provider {identifier}")
        state.config.oidc_providers = [p for p in providers if p.identifier != identifier]
        return JSONResponse(providers_json())

    table: list[tuple[str, Callable[[Request], Awaitable[Response]], str]] = [
        ("/oidc/clients", create_client, "POST"),
        ("/oidc/clients", list_clients, "GET"),
        ("/oidc/clients/{client_id}", delete_client, "DELETE"),
        ("/oidc/config", set_config, "POST"),
        ("/oidc/config", get_config, "GET"),
        ("/oidc/tokens", list_tokens, "GET"),
        ("/oidc/tokens/revoke", revoke_tokens, "POST"),
        ("/user_oidc/providers", upsert_provider, "POST"),
        ("/user_oidc/providers", list_providers, "GET"),
        ("/user_oidc/providers/{identifier}", delete_provider, "DELETE"),
    ]
    return [Route(path, _endpoint(handler), methods=[method]) for path, handler, method in table]
