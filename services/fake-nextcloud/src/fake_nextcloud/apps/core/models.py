"""Data of the core endpoints (no HTTP here): ``status.php``, capabilities, user details."""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.bookmarks.models import capability as bookmarks_capability
from fake_nextcloud.apps.cookbook.models import capability as cookbook_capability
from fake_nextcloud.apps.core.directory import Directory
from fake_nextcloud.apps.notes.models import API_VERSIONS, NotesBackend
from fake_nextcloud.apps.notifications.models import capability as notifications_capability
from fake_nextcloud.apps.spreed.capability import capability as spreed_capability
from fake_nextcloud.apps.tables.capability import tables_capability
from fake_nextcloud.core.php import md5_hex
from fake_nextcloud.core.state import FakeState, User

__all__ = ["SPACE_UNLIMITED", "capabilities", "status_info", "user_details"]

#: ``OCP\\Files\\FileInfo::SPACE_UNLIMITED``.
SPACE_UNLIMITED = -3

#: ``OC\\Accounts\\AccountManager::DEFAULT_SCOPES`` (profile_enabled has no scope -> ``v2-local``).
_DEFAULT_SCOPES = {
    "avatar": "v2-federated",
    "email": "v2-federated",
    "displayname": "v2-federated",
    "phone": "v2-local",
    "address": "v2-local",
    "website": "v2-local",
    "twitter": "v2-local",
    "bluesky": "v2-local",
    "fediverse": "v2-local",
    "organisation": "v2-local",
    "role": "v2-local",
    "headline": "v2-local",
    "biography": "v2-local",
    "profile_enabled": "v2-local",
    "pronouns": "v2-federated",
}
_EMPTY_PROPERTIES = (
    "phone",
    "address",
    "website",
    "twitter",
    "bluesky",
    "fediverse",
    "organisation",
    "role",
    "headline",
    "biography",
)


#: ``OCP\\IURLGenerator::URL_REGEX_NO_MODIFIERS``.
_REFERENCE_REGEX = r"(\s|\n|^)(https?:\/\/)([-A-Z0-9+_.]+(?::[0-9]+)?(?:\/[-A-Z0-9+&@#%?=~_|!:,.;()]*)*)(\s|\n|$)"


def status_info(state: FakeState) -> dict[str, Any]:
    """nextcloud/server ``status.php``."""
    return {
        "installed": True,
        "maintenance": state.maintenance,
        "needsDbUpgrade": False,
        "version": ".".join(str(p) for p in state.version),
        "versionstring": state.version_string,
        "edition": "",
        "productname": "Nextcloud",
        "extendedSupport": False,
    }


def _app_capabilities(state: FakeState, user: User) -> dict[str, Any]:
    caps: dict[str, Any] = {
        # lib/private/OCS/CoreCapabilities.php
        "core": {
            "pollinterval": 60,
            "webdav-root": "remote.php/webdav",
            "reference-api": True,
            "reference-regex": _REFERENCE_REGEX,
            "mod-rewrite-working": False,
        },
    }
    # lib/private/Security/Bruteforce/Capabilities.php (IPublicCapability)
    caps["bruteforce"] = {"delay": 0, "allow-listed": False}
    # apps/files/lib/Capabilities.php + apps/files/lib/DirectEditingCapabilities.php
    caps["files"] = {
        "$comment": '"blacklisted_files" is deprecated as of Nextcloud 30, use "forbidden_filenames" instead',
        "blacklisted_files": [".htaccess"],
        "forbidden_filenames": [".htaccess"],
        "forbidden_filename_basenames": [],
        "forbidden_filename_characters": ["\\", "/"],
        "forbidden_filename_extensions": [".filepart"],
        "bigfilechunking": True,
        "chunked_upload": {"max_size": 104857600, "max_parallel_count": 5},
        "file_conversions": [],
        "directEditing": {
            "url": "/ocs/v2.php/apps/files/api/v1/directEditing",
            "etag": md5_hex("directEditing"),
            "supportsFileId": True,
        },
    }
    # apps/dav/lib/Capabilities.php
    caps["dav"] = {"chunking": "1.0", "bulkupload": "1.0"}
    # apps/provisioning_api/lib/Capabilities.php
    caps["provisioning_api"] = {
        "version": state.apps["provisioning_api"],
        "AccountPropertyScopesVersion": 2,
        "AccountPropertyScopesFederatedEnabled": True,
        "AccountPropertyScopesPublishedEnabled": True,
    }
    if state.app_enabled("files_sharing"):
        # apps/files_sharing/lib/Capabilities.php::getCapabilities (default config: sharing API and links on,
        # no enforced passwords or expiry)
        caps["files_sharing"] = {
            "api_enabled": True,
            "public": {
                "enabled": True,
                "password": {"enforced": False, "askForOptionalPassword": False},
                "multiple_links": True,
                "expire_date": {"enabled": False},
                "expire_date_internal": {"enabled": False},
                "expire_date_remote": {"enabled": False},
                "send_mail": False,
                "upload": True,
                "upload_files_drop": True,
                "custom_tokens": False,
            },
            "resharing": True,
            "user": {"send_mail": False, "expire_date": {"enabled": True}},
            "group_sharing": True,
            "group": {"enabled": True, "expire_date": {"enabled": True}},
            "default_permissions": 31,
            "federation": {
                "outgoing": True,
                "incoming": True,
                "expire_date": {"enabled": True},
                "expire_date_supported": {"enabled": True},
            },
            "sharee": {"query_lookup_default": False, "always_show_unique": True},
        }
    if state.app_enabled("notes"):
        # nextcloud/notes lib/AppInfo/Capabilities.php, Application::$API_VERSIONS
        caps["notes"] = {
            "api_version": list(API_VERSIONS),
            "version": state.apps["notes"],
            "notes_path": NotesBackend.of(state).settings(user.uid)["notesPath"],
        }
    if state.app_enabled("notifications"):
        caps["notifications"] = notifications_capability()
    if state.app_enabled("activity"):  # nextcloud/activity v34.0.2 lib/Capabilities.php
        caps["activity"] = {"apiv2": ["filters", "filters-api", "previews", "rich-strings"]}
    if state.app_enabled("deck"):
        # nextcloud/deck lib/Capabilities.php (canCreateBoards: PermissionService::canCreate, no group limit)
        caps["deck"] = {"version": state.apps["deck"], "canCreateBoards": True, "apiVersions": ["1.0", "1.1"]}
    if state.app_enabled("tables"):
        caps["tables"] = tables_capability(state)
    if state.app_enabled("cookbook") and (cookbook := cookbook_capability(state)) is not None:
        caps["cookbook"] = cookbook  # nextcloud/cookbook lib/AppInfo/Capabilities.php (0.11.5 and later)
    if (spreed := spreed_capability(state)) is not None:
        caps["spreed"] = spreed  # apps/spreed/capability.py
    if state.app_enabled("bookmarks"):
        caps["bookmarks"] = bookmarks_capability()  # nextcloud/bookmarks lib/Capabilities.php
    return caps


def capabilities(state: FakeState, user: User | None) -> dict[str, Any]:
    """``core/Controller/OCSController.php::getCapabilities``: version + capabilities; anonymous callers
    only get ``IPublicCapability`` providers (``lib/private/CapabilitiesManager.php``; here: ``bruteforce``)."""
    major, minor, micro, _ = state.version
    if user is None:
        caps: dict[str, Any] = {"bruteforce": {"delay": 0, "allow-listed": False}}
    else:
        caps = _app_capabilities(state, user)
    return {
        "version": {
            "major": major,
            "minor": minor,
            "micro": micro,
            "string": state.version_string,
            "edition": "",
            "extendedSupport": False,
        },
        "capabilities": caps,
    }


def _quota(state: FakeState, user: User) -> dict[str, Any]:
    """``AUserDataOCSController::fillStorageInfo`` (without external storages)."""
    used = state.storage_used(user.uid)
    if user.quota is not None and user.quota > 0:
        return {
            "free": user.quota - used,
            "used": used,
            "total": user.quota,
            "relative": round((used / user.quota) * 10000) / 100,
            "quota": user.quota,
        }
    quota = SPACE_UNLIMITED if user.quota is None else user.quota
    return {"free": SPACE_UNLIMITED, "used": used, "total": SPACE_UNLIMITED, "relative": 0, "quota": quota}


def user_details(state: FakeState, target: User, *, viewer: User, include_scopes: bool) -> dict[str, Any]:
    """``AUserDataOCSController::getUserData``: ``enabled`` for an admin or a sub-admin of one of the account's
    groups (``SubAdmin::isUserAccessible``), ``storageLocation`` for admins only; ``subadmin`` lists the
    account's ``group_admin`` groups; the account properties, ``manager`` and additional e-mails are those the
    provisioning API set (``Directory``)."""
    directory = Directory.of(state)
    profile = directory.profiles.get(target.uid)
    props = profile.properties if profile is not None else {}
    scopes = {**_DEFAULT_SCOPES, **(profile.scopes if profile is not None else {})}
    data: dict[str, Any] = {}
    if viewer.is_admin or (viewer.uid != target.uid and directory.user_accessible(viewer, target)):
        data["enabled"] = target.enabled
    if viewer.is_admin:
        data["storageLocation"] = f"/var/www/html/data/{target.uid}"
    data["id"] = target.uid
    data["firstLoginTimestamp"] = target.first_login
    data["lastLoginTimestamp"] = target.last_login
    data["lastLogin"] = target.last_login * 1000
    data["backend"] = target.backend
    data["subadmin"] = directory.subadmin_groups(target)
    data["quota"] = _quota(state, target)
    data["manager"] = profile.manager if profile is not None else ""
    if include_scopes:
        data["avatarScope"] = scopes["avatar"]
    data["email"] = target.email
    if include_scopes:
        data["emailScope"] = scopes["email"]
    data["additional_mail"] = list(profile.additional_mail) if profile is not None else []
    if include_scopes:
        data["additional_mailScope"] = ["v2-local" for _ in data["additional_mail"]]
    data["displayname"] = target.display_name
    data["display-name"] = target.display_name
    if include_scopes:
        data["displaynameScope"] = scopes["displayname"]
    for name in (*_EMPTY_PROPERTIES, "profile_enabled", "pronouns"):
        data[name] = props.get(name, "1" if name == "profile_enabled" else "")
        if include_scopes:
            data[name + "Scope"] = scopes[name]
    data["groups"] = list(target.groups)
    data["language"] = target.language
    data["locale"] = target.locale
    data["timezone"] = target.timezone
    data["notify_email"] = target.email
    data["backendCapabilities"] = {"setDisplayName": True, "setPassword": True}
    return data
