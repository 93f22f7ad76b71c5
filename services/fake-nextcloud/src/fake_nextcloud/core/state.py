"""All mutable state of one fake Nextcloud instance.

``FakeState`` holds users (with login names, passwords and app passwords), installed/enabled apps, the
server version, the instance configuration (system + app config, ``core.config``), browser sessions, an
injectable clock, the global file-id counter, the request log and fault rules. App data lives in per-app
backends (``backend(key, factory)``), each partitioned per user id, as moto partitions per account/region.
Long-lived key material (the oidc app's RSA key) is kept in ``keys`` and survives ``reset()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

import httpx2

from fake_nextcloud.core.clock import Clock, SystemClock
from fake_nextcloud.core.config import InstanceConfig
from fake_nextcloud.core.events import EventBus
from fake_nextcloud.core.faults import FaultSet
from fake_nextcloud.core.requestlog import RequestLog
from fake_nextcloud.core.session import SessionStore

__all__ = ["DEFAULT_APPS", "Backend", "FakeState", "User", "parse_quota"]

#: Apps installed and enabled by default, with the versions reported by ``IAppManager::getAppVersion``.
#: ``notes`` 6.0.2 is nextcloud/notes ``appinfo/info.xml`` at 06709937 (NC 33-35); ``oidc`` 2.0.9 is
#: H2CK/oidc at 4d066371; ``user_oidc`` 8.10.1 is the last nextcloud/user_oidc tag before 46ae8fda.
DEFAULT_APPS: dict[str, str] = {
    "activity": "7.0.0",  # nextcloud/activity v34.0.2 (a4d79fb1, NC 34) appinfo/info.xml
    "dav": "1.36.0",
    "deck": "1.18.3",  # nextcloud/deck v1.18.3 (a480d8d5, NC 34); 1.19 routes when set to "1.19.0"
    "files": "2.5.0",
    "files_sharing": "1.25.0",  # shipped app (apps/files_sharing); the number itself is not checked by clients
    "mail": "5.11.2",  # nextcloud/mail v5.11.2 appinfo/info.xml (NC 32-35)
    "notes": "6.0.2",
    "notifications": "7.0.0-dev.1",  # nextcloud/notifications v34.0.2 (78f9e81c) appinfo/info.xml
    "oidc": "2.0.9",
    "provisioning_api": "1.23.0",
    "tables": "2.2.2",  # nextcloud/tables appinfo/info.xml at ed46be1f
    "cookbook": "0.11.10-alpha1",  # nextcloud/cookbook appinfo/info.xml at 24348cdf
    "spreed": "21.1.9",  # nextcloud/spreed v21.1.9: the API of the vendored openapi/spreed.json
    "bookmarks": "16.2.6",  # nextcloud/bookmarks v16.2.6 (9ea1f624, NC 32-34)
    "collectives": "4.4.3",  # nextcloud/collectives v4.4.3 (f361bdf0, NC 32-34)
    "news": "28.7.0",  # nextcloud/news 28.7.0 (d615f01f, NC 32-34)
    "text": "7.0.0",
    "user_oidc": "8.10.1",
}

#: Apps that cannot be disabled (shipped "always enabled" apps in a real server).
ALWAYS_ENABLED = frozenset({"dav", "files", "provisioning_api"})

_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
_SIZE_UNITS |= {"t": 1024**4, "tb": 1024**4, "p": 1024**5, "pb": 1024**5}


def parse_quota(value: int | str | None) -> int | None:
    """Quota in bytes, ``None`` for unlimited (``'none'``), like ``OCP\\Util::computerFileSize``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = value.strip().lower()
    if text in ("", "none", "default"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    if match is None or match.group(2) not in _SIZE_UNITS:
        raise ValueError(f"invalid quota {value!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


@dataclass
class User:
    """A Nextcloud account. ``login`` is the name typed at login; ``uid`` the internal user id (they differ
    e.g. for LDAP users). Secrets (``password``, ``app_passwords``) never leave through ``to_json``."""

    uid: str
    login: str
    password: str
    display_name: str
    email: str | None = None
    app_passwords: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    quota: int | None = None
    language: str = "en"
    locale: str = ""
    timezone: str = ""
    enabled: bool = True
    first_login: int = 0
    last_login: int = 0
    backend: str = "Database"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.groups

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "login": self.login,
            "display_name": self.display_name,
            "email": self.email,
            "groups": list(self.groups),
            "quota": self.quota,
            "language": self.language,
            "app_passwords": len(self.app_passwords),
        }


def _copy(user: User) -> User:
    return replace(user, app_passwords=list(user.app_passwords), groups=list(user.groups))


class Backend(Protocol):
    """Per-app state container. ``storage_used`` feeds the quota in ``/cloud/user``."""

    def storage_used(self, uid: str) -> int: ...


B = TypeVar("B", bound=Backend)


class FakeState:
    """State of one fake instance.

    Parameters:
        users: initial accounts (restored by ``reset()``).
        version: server version ``MAJOR.MINOR.MICRO[.BUILD]`` (``status.php`` reports four parts).
        disabled_apps: apps from ``DEFAULT_APPS`` to start disabled (e.g. ``["notes"]``).
        clock: time source for mtimes, ``lastUpdate``, cursors and token expiry (default: wall clock).
        first_file_id: first id handed out by ``next_file_id()`` (file ids are global, not per user).
        config: system/app configuration (default: ``InstanceConfig.testbed()``: oidc with dynamic client
            registration, user_oidc bearer validation, the Bearer patch applied); restored by ``reset()``.
    """

    def __init__(
        self,
        users: Iterable[User] = (),
        *,
        version: str = "34.0.2",
        disabled_apps: Iterable[str] = (),
        clock: Clock | None = None,
        first_file_id: int = 1,
        config: InstanceConfig | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._initial_config = (config if config is not None else InstanceConfig.testbed()).copy()
        self.config = self._initial_config.copy()
        self.sessions = SessionStore()
        self.keys: dict[str, Any] = {}
        #: Transport for the instance's own outgoing HTTP requests (user_oidc fetching a provider's discovery
        #: document and JWKS); ``None`` = real network. Tests may put an ``httpx2.MockTransport`` here.
        self.http_transport: httpx2.AsyncBaseTransport | None = None
        self._initial_users = [_copy(u) for u in users]
        self._initial_version = version
        self._initial_disabled = frozenset(disabled_apps)
        unknown = self._initial_disabled - set(DEFAULT_APPS)
        if unknown or self._initial_disabled & ALWAYS_ENABLED:
            raise ValueError(f"cannot disable apps {sorted(unknown | (self._initial_disabled & ALWAYS_ENABLED))}")
        self._first_file_id = first_file_id
        self.request_log = RequestLog()
        #: what apps tell each other (``core.events``); listeners are wiring and survive ``reset()``
        self.events = EventBus()
        #: ``IMountProvider``s by app: uid -> storages to mount in that user's tree, asked whenever the tree is
        #: read (``apps/dav/models.py::DavBackend.tree``); wiring, like the listeners, so they survive ``reset()``
        self.mount_providers: dict[str, Callable[[str], list[Any]]] = {}
        self.faults = FaultSet()
        self._backends: dict[str, Any] = {}
        self.users: dict[str, User] = {}
        self.apps: dict[str, str] = {}
        self.enabled_apps: set[str] = set()
        self.version: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.maintenance = False
        self._next_file_id = first_file_id
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the constructor's configuration: initial users, apps, version and ``config``; no app
        data, no sessions, no faults, empty request log. The clock and key material are kept."""
        self.users = {}
        for user in self._initial_users:
            self._store(_copy(user))
        self.apps = dict(DEFAULT_APPS)
        self.enabled_apps = set(self.apps) - set(self._initial_disabled)
        self.set_version(self._initial_version)
        self.maintenance = False
        self._next_file_id = self._first_file_id
        self._backends.clear()
        self.config = self._initial_config.copy()
        self.sessions.clear()
        self.faults.clear()
        self.request_log.clear()

    # -- time, ids ---------------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def time(self) -> int:
        """PHP ``time()``."""
        return int(self.clock.now())

    def next_file_id(self) -> int:
        file_id = self._next_file_id
        self._next_file_id += 1
        return file_id

    # -- version, apps -----------------------------------------------------------------------------------

    def set_version(self, version: str) -> None:
        try:
            parts = [int(p) for p in version.split(".")]
        except ValueError:
            raise ValueError(f"invalid version {version!r}") from None
        if len(parts) not in (3, 4):
            raise ValueError(f"invalid version {version!r}: expected MAJOR.MINOR.MICRO[.BUILD]")
        if len(parts) == 3:
            parts.append(1)
        self.version = (parts[0], parts[1], parts[2], parts[3])

    @property
    def version_string(self) -> str:
        """``ServerVersion::getVersionString`` (three parts)."""
        return ".".join(str(p) for p in self.version[:3])

    def app_enabled(self, app_id: str) -> bool:
        return app_id in self.enabled_apps

    def enable_app(self, app_id: str) -> None:
        if app_id not in self.apps:
            raise KeyError(app_id)
        self.enabled_apps.add(app_id)

    def disable_app(self, app_id: str) -> None:
        if app_id not in self.apps:
            raise KeyError(app_id)
        if app_id in ALWAYS_ENABLED:
            raise ValueError(f"app {app_id!r} cannot be disabled")
        self.enabled_apps.discard(app_id)

    # -- users -------------------------------------------------------------------------------------------

    def add_user(
        self,
        login: str,
        password: str,
        *,
        uid: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        app_passwords: Iterable[str] = (),
        groups: Iterable[str] = (),
        quota: int | str | None = None,
        language: str = "en",
        persistent: bool = True,
    ) -> User:
        """Create (or replace) an account. ``uid`` defaults to ``login``. Persistent accounts are part of
        the configuration and survive ``reset()``; the control API adds non-persistent ones."""
        user_id = uid or login
        user = User(
            uid=user_id,
            login=login,
            password=password,
            display_name=display_name or user_id,
            email=email,
            app_passwords=list(app_passwords),
            groups=list(groups),
            quota=parse_quota(quota),
            language=language,
        )
        self._store(user)
        if persistent:
            self._initial_users = [u for u in self._initial_users if u.uid != user.uid] + [_copy(user)]
        return user

    def _store(self, user: User) -> User:
        if not user.uid or not user.login:
            raise ValueError("uid and login must not be empty")
        for other in self.users.values():
            if other.uid != user.uid and other.login.lower() == user.login.lower():
                raise ValueError(f"login name {user.login!r} is already taken")
        self.users[user.uid] = user
        return user

    def user(self, uid: str) -> User | None:
        return self.users.get(uid)

    def users_for_name(self, name: str) -> list[User]:
        """Accounts a Basic-auth user name may refer to: login name, then user id, then e-mail
        (all case-insensitive, as the Database backend and ``Session::logClientIn`` do)."""
        lowered = name.lower()
        by_login = [u for u in self.users.values() if u.login.lower() == lowered]
        if by_login:
            return by_login
        by_uid = [u for u in self.users.values() if u.uid.lower() == lowered]
        if by_uid:
            return by_uid
        return [u for u in self.users.values() if u.email is not None and u.email.lower() == lowered]

    def storage_used(self, uid: str) -> int:
        return sum(backend.storage_used(uid) for backend in self._backends.values())

    # -- app backends ------------------------------------------------------------------------------------

    def backend(self, key: str, factory: Callable[[FakeState], B]) -> B:
        """The backend registered under ``key``, created on first use (and again after ``reset()``)."""
        backend = self._backends.get(key)
        if backend is None:
            backend = factory(self)
            self._backends[key] = backend
        return backend
