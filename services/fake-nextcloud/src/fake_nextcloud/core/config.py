"""Instance configuration: what ``config.php`` (system config) and ``oc_appconfig`` (app config) hold in a real
server, plus the testbed's own switches. Restored by ``FakeState.reset()``.

* ``system``: ``overwritehost``, ``overwriteprotocol`` (``lib/private/AppFramework/Http/Request.php``
  ``getServerHost``/``getServerProtocol``) and the ``user_oidc`` array (nextcloud/user_oidc ``README.md``
  "Bearer token validation": ``oidc_provider_bearer_validation``, ``selfencoded_bearer_validation``,
  ``selfencoded_bearer_validation_audience_check``, ``auto_provision``, ``soft_auto_provision`` ...).
* ``apps``: ``IAppConfig`` string values per app id; H2CK/oidc reads them with ``getAppValueString`` and
  compares strings (``'true'``), so they are stored as strings here too.
* ``bearer_patch``: whether the server carries cbcoutinho's ``cors-bearer-token.patch`` (an early return in
  ``CORSMiddleware::beforeController`` for ``Authorization: Bearer``; nextcloud/server#44365, PR #55878).
* ``oidc_providers``: user_oidc providers as ``occ user_oidc:provider`` creates them (rows of
  ``oidc_providers`` + their settings in a real server; here configuration, so they survive ``reset()``).
* ``webroot``: the path the instance is served under (``""`` or e.g. ``/nextcloud``), i.e. ``OC::$WEBROOT``:
  nextcloud/server ``lib/base.php`` ``OC::initPaths`` derives it from ``SCRIPT_NAME`` (a server installed in a
  sub-directory) or, behind a proxy, from the ``overwritewebroot`` system value (``Request::getScriptName``;
  ``config/config.sample.php``). What the web server and ``lib/base.php`` do with it is ``core.front``'s
  ``WebrootMiddleware``; the URLs built from it are ``core.urls``.

The testbed default mirrors the self-hosting stack: oidc with dynamic client registration, user_oidc bearer
validation against the oidc app, and the Bearer patch applied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OIDC_APP_DEFAULTS", "InstanceConfig", "ProviderSpec"]

#: ``OCA\\OIDCIdentityProvider\\AppInfo\\Application`` defaults (H2CK/oidc ``lib/AppInfo/Application.php``);
#: ``expire_time`` is written as ``900`` by the ``CreateKeys`` repair step (``lib/Migration/CreateKeys.php``).
OIDC_APP_DEFAULTS: dict[str, str] = {
    "expire_time": "900",
    "refresh_expire_time": "900",
    "client_expire_time": "3600",
    "dynamic_client_registration": "false",
    "allow_user_settings": "no",
    "restrict_user_information": "no",
    "default_token_type": "opaque",
    "provide_refresh_token_always": "false",
    "always_include_scope_claims": "false",
    "allow_subdomain_wildcards": "false",
    "disable_auth_client_secret_basic": "false",
    "overwrite_email_verified": "",
    "group_claim_type": "gid",
    "role_claim_type": "null",
}

#: user_oidc system-config defaults (``lib/User/Backend.php``, ``SelfEncodedValidator.php``).
USER_OIDC_DEFAULTS: dict[str, Any] = {
    "oidc_provider_bearer_validation": False,
    "selfencoded_bearer_validation": True,
    "selfencoded_bearer_validation_audience_check": True,
    "userinfo_bearer_validation": False,
    "auto_provision": True,
    "soft_auto_provision": True,
}


@dataclass
class ProviderSpec:
    """An ``occ user_oidc:provider <identifier> --clientid --discoveryuri --check-bearer ...`` row
    (``lib/Command/UpsertProvider.php``; setting defaults from ``lib/Service/ProviderService.php``, except
    ``check_bearer``/``bearer_provisioning`` which the testbed turns on and ``unique_uid`` off)."""

    identifier: str
    discovery_uri: str
    client_id: str = ""
    client_secret: str = ""
    check_bearer: bool = True
    bearer_provisioning: bool = True
    unique_uid: bool = False
    mapping_uid: str = "sub"
    mapping_display_name: str = "name"
    mapping_email: str = "email"

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "discovery_uri": self.discovery_uri,
            "client_id": self.client_id,
            "check_bearer": self.check_bearer,
            "bearer_provisioning": self.bearer_provisioning,
            "unique_uid": self.unique_uid,
            "mapping_uid": self.mapping_uid,
        }


@dataclass
class InstanceConfig:
    """System config, app config and testbed switches of one instance."""

    system: dict[str, Any] = field(default_factory=dict)
    apps: dict[str, dict[str, str]] = field(default_factory=dict)
    bearer_patch: bool = True
    oidc_providers: list[ProviderSpec] = field(default_factory=list)
    logout_redirect_uris: list[str] = field(default_factory=list)
    webroot: str = ""

    @classmethod
    def testbed(cls) -> InstanceConfig:
        """The self-hosting stack's configuration (``occ config:app:set oidc dynamic_client_registration
        --value=true``; ``occ config:system:set user_oidc oidc_provider_bearer_validation --value=true``;
        ``allow_local_remote_servers`` so user_oidc may fetch a loopback IdP's JWKS)."""
        return cls(
            system={"user_oidc": {"oidc_provider_bearer_validation": True}, "allow_local_remote_servers": True},
            apps={"oidc": {"dynamic_client_registration": "true", "expire_time": "900"}},
            bearer_patch=True,
        )

    def copy(self) -> InstanceConfig:
        return copy.deepcopy(self)

    # -- system config -------------------------------------------------------------------------------------

    def system_value(self, key: str, default: Any = None) -> Any:
        return self.system.get(key, default)

    def user_oidc(self, key: str) -> Any:
        """``$config->getSystemValue('user_oidc', [])[key]`` with user_oidc's defaults."""
        values = self.system.get("user_oidc")
        if isinstance(values, dict) and key in values:
            return values[key]
        return USER_OIDC_DEFAULTS.get(key)

    def set_user_oidc(self, key: str, value: Any) -> None:
        values = self.system.setdefault("user_oidc", {})
        values[key] = value

    # -- app config ----------------------------------------------------------------------------------------

    def app_value(self, app: str, key: str, default: str | None = None) -> str:
        """``IAppConfig::getAppValueString``: the stored string, else the app's default, else ``''``."""
        stored = self.apps.get(app, {}).get(key)
        if stored is not None:
            return stored
        if default is not None:
            return default
        if app == "oidc":
            return OIDC_APP_DEFAULTS.get(key, "")
        return ""

    def set_app_value(self, app: str, key: str, value: str) -> None:
        self.apps.setdefault(app, {})[key] = value

    def oidc(self, key: str) -> str:
        return self.app_value("oidc", key)

    def oidc_int(self, key: str) -> int:
        """``(int)`` of an oidc app value (PHP casts a non-numeric string to 0)."""
        text = self.oidc(key).strip()
        digits = ""
        for index, char in enumerate(text):
            if char.isdigit() or (index == 0 and char in "+-"):
                digits += char
            else:
                break
        try:
            return int(digits)
        except ValueError:
            return 0

    def oidc_bool(self, key: str) -> bool:
        """``IAppConfig::getAppValueBool``: ``'1'``, ``'true'``, ``'yes'``, ``'on'`` are true."""
        return self.oidc(key).strip().lower() in ("1", "true", "yes", "on")
