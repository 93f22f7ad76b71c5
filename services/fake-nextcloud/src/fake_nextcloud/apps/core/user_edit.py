"""``UsersController::editUser`` (``PUT /cloud/users/{userId}``, ``key``/``value``): which keys a caller may set
and what each does (nextcloud/server ``apps/provisioning_api/lib/Controller/UsersController.php``).

Keys: the account itself may set ``display``/``displayname``, ``email``, ``additional_mail``, ``password``,
``notify_email``, ``language``, ``locale``, the profile properties and their ``…Scope`` keys (``quota`` and
``manager`` only if an admin); an admin, or a sub-admin of one of the account's groups (never of an admin
account), may set the same without the scopes but with ``quota`` and ``manager``; anyone else gets
998 ``''``. A key outside the caller's list: 113 ``''``.

Not modelled: ``IAccountManager`` scope rules beyond ``AccountProperty::setScope`` (display name and e-mail may
not be private), the phone number library (a number must start with ``+`` since ``default_phone_region`` is not
set; it is kept with spaces and dashes removed), the twitter/fediverse/bluesky format checks, and the language
and locale catalogues (``IFactory::findAvailableLanguages``/``localeExists``: an approximation below).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fake_nextcloud.apps.core.directory import Directory
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND
from fake_nextcloud.core.state import User, parse_quota

__all__ = ["MAX_PASSWORD_LENGTH", "PROFILE_PROPERTIES", "apply_edit", "permitted_keys", "valid_email"]

#: ``IUserManager::MAX_PASSWORD_LENGTH``.
MAX_PASSWORD_LENGTH = 469
#: The free-text ``IAccountManager::PROPERTY_*`` the endpoint edits (stored in the account, shown by ``/cloud/users``).
PROFILE_PROPERTIES = (
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
    "pronouns",
)
_SCOPED = ("displayname", "email", *PROFILE_PROPERTIES, "profile_enabled", "avatar")
#: Language codes of the server's ``core/l10n`` (a subset; ``findAvailableLanguages``).
_LANGUAGE_LIST = (
    "ar ast az be bg bn_BD br bs ca cs cy_GB da de de_DE el en en_GB eo es es_AR es_CL es_CO es_EC es_MX et_EE eu "
    "fa fi fr ga gd gl he hr hu hy ia id is it ja ka_GE kab km kn ko lb lo lt_LT lv mk mn ms_MY my nb nl nn_NO oc "
    "pl ps pt_BR pt_PT ro ru sc si sk sl sq sr sr@latin sv sw ta th tk tr ug uk ur_PK uz vi zh_CN zh_HK zh_TW"
)
_LANGUAGES = frozenset(_LANGUAGE_LIST.split(" "))
_LOCALE = re.compile(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|\d{3}))?(@[a-z]+)?")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_SCOPES = ("v2-local", "v2-federated", "v2-private", "v2-published")
_LEGACY_SCOPES = {"private": "v2-local", "contacts": "v2-federated", "public": "v2-published"}


def valid_email(value: str) -> bool:
    """``filter_var($value, FILTER_VALIDATE_EMAIL)`` (approximated)."""
    return _EMAIL.fullmatch(value) is not None


def permitted_keys(directory: Directory, viewer: User, target: User) -> list[str]:
    """The ``$permittedFields`` of ``editUser``; 998 when the caller may not edit the account at all."""
    if viewer.uid == target.uid:
        keys = ["display", "displayname", "email"]
        keys += [f"{name}Scope" for name in ("displayname", "email")]
        keys += ["additional_mail", "password", "notify_email", "language", "locale"]
        keys += [*PROFILE_PROPERTIES, "profile_enabled"]
        keys += [f"{name}Scope" for name in (*PROFILE_PROPERTIES, "profile_enabled", "avatar")]
        if viewer.is_admin:
            keys += ["quota", "manager"]
        return keys
    if not directory.can_administer(viewer, target):
        raise OcsError(RESPOND_NOT_FOUND, "")
    keys = ["display", "displayname", "email", "additional_mail", "password", "language", "locale"]
    return [*keys, *PROFILE_PROPERTIES, "profile_enabled", "quota", "notify_email", "manager"]


def _property(directory: Directory, target: User, key: str, value: str) -> None:
    """``IAccountManager::updateAccount`` validation of the changed property."""
    if key == "phone" and value != "":
        digits = re.sub(r"[\s\-/().]", "", value)
        if not re.fullmatch(r"\+\d{4,15}", digits):  # no default_phone_region: only international numbers
            raise OcsError(101, "Invalid phone")
        value = digits
    if key == "website" and value != "":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise OcsError(101, "Invalid website")
    directory.profile(target.uid).properties[key] = value


def _quota(target: User, value: str) -> None:
    """``USER_FIELD_QUOTA``: ``none``/``default``, a number of bytes or ``OCP\\Util::computerFileSize``."""
    if value in ("none", "default"):
        target.quota = None
        return
    try:
        quota = parse_quota(int(float(value)) if re.fullmatch(r"\d+(\.\d+)?", value) else value)
    except ValueError:
        raise OcsError(102, "Invalid quota value " + value) from None
    target.quota = quota


def apply_edit(directory: Directory, target: User, key: str, value: str) -> None:
    """The ``switch ($key)`` of ``editUser`` (after the permission check)."""
    profile = directory.profile(target.uid)
    if key in ("display", "displayname"):
        if len(value) > 64:  # Database::setDisplayName
            raise OcsError(101, "Invalid displayname")
        target.display_name = value
    elif key == "quota":
        _quota(target, value)
    elif key == "manager":
        profile.manager = value  # setManagerUids([$value]): not checked
    elif key == "password":
        if len(value) > MAX_PASSWORD_LENGTH:
            raise OcsError(102, "Invalid password value")
        target.password = value
    elif key == "language":
        if value not in _LANGUAGES and value != "en":
            raise OcsError(102, "Invalid language")
        target.language = value
    elif key == "locale":
        if not _LOCALE.fullmatch(value):
            raise OcsError(102, "Invalid locale")
        target.locale = value
    elif key == "notify_email":
        if value != "":  # setPrimaryEMailAddress: only a verified additional address, which this API cannot add
            raise OcsError(101, "")
    elif key == "email":
        if value != "" and not valid_email(value):
            raise OcsError(101, "")
        target.email = value.strip().lower() or None  # IUser::setSystemEMailAddress
    elif key == "additional_mail":
        if not valid_email(value) or value == (target.email or "") or value in profile.additional_mail:
            raise OcsError(101, "")
        profile.additional_mail.append(value)
    elif key in PROFILE_PROPERTIES:
        if profile.properties.get(key, "") != value:
            _property(directory, target, key, value)
    elif key == "profile_enabled":
        profile.properties[key] = value
    elif key.endswith("Scope") and key[: -len("Scope")] in _SCOPED:
        scope = value if value.startswith("v2-") else _LEGACY_SCOPES.get(value, value)
        if scope not in _SCOPES:  # AccountProperty::setScope -> "Invalid " . $e->getMessage()
            raise OcsError(101, "Invalid Invalid scope")
        profile.scopes[key[: -len("Scope")]] = scope
    else:
        raise OcsError(113, "")
