"""Groups, sub-admins and account properties of the instance (no HTTP): nextcloud/server
``lib/private/Group/Manager.php``, ``lib/private/SubAdmin.php``, ``lib/private/Accounts/AccountManager.php``.

Group membership lives on the accounts (``User.groups``); ``Directory`` adds what an account cannot hold: groups
that exist without members (``IGroupManager::createGroup``; the ``admin`` group always exists, it is created at
install), group display names, the ``group_admin`` table (``SubAdmin``: who administers which group) and the
account properties the provisioning API edits (profile fields, scopes, additional e-mails, manager).
A group is known once it was created here or any account is in it; removing the last member keeps it.

``SubAdmin::isSubAdmin`` is true for admins and for anyone with a ``group_admin`` row; ``isSubAdminOfGroup``
and ``getSubAdminsGroups`` read the rows only (an admin has none unless given); ``isUserAccessible``: the
account itself, else a sub-admin of one of the account's groups, never an admin account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fake_nextcloud.core.state import FakeState, User

__all__ = ["Directory", "Profile"]

ADMIN_GROUP = "admin"


@dataclass
class Profile:
    """``IAccount`` properties beyond what ``User`` holds (``AccountManager``)."""

    properties: dict[str, str] = field(default_factory=dict)
    scopes: dict[str, str] = field(default_factory=dict)
    additional_mail: list[str] = field(default_factory=list)
    manager: str = ""


class Directory:
    """The instance's groups, sub-admins and account properties (``FakeState.backend("directory")``)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self._groups: set[str] = {ADMIN_GROUP}
        self.display_names: dict[str, str] = {}
        self.subadmins: set[tuple[str, str]] = set()  # (uid, gid) rows of ``group_admin``
        self.profiles: dict[str, Profile] = {}

    @classmethod
    def of(cls, state: FakeState) -> Directory:
        return state.backend("directory", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    # -- groups -------------------------------------------------------------------------------------------

    def groups(self) -> list[str]:
        """Every group id, sorted case-insensitively (``Database::getGroups`` orders by ``gid``)."""
        known = self._groups | {g for u in self.state.users.values() for g in u.groups}
        return sorted(known, key=str.lower)

    def exists(self, gid: str) -> bool:
        """``IGroupManager::groupExists`` (the Database backend compares group ids exactly)."""
        return gid in self.groups()

    def display_name(self, gid: str) -> str:
        return self.display_names.get(gid, gid)

    def members(self, gid: str) -> list[User]:
        return sorted((u for u in self.state.users.values() if gid in u.groups), key=lambda u: u.uid.lower())

    def create(self, gid: str, display_name: str = "") -> None:
        self._groups.add(gid)
        if display_name:
            self.display_names[gid] = display_name

    def delete(self, gid: str) -> None:
        """``Group::delete``: members leave it, its ``group_admin`` rows go."""
        self._groups.discard(gid)
        self.display_names.pop(gid, None)
        for user in self.state.users.values():
            user.groups = [g for g in user.groups if g != gid]
        self.subadmins = {row for row in self.subadmins if row[1] != gid}

    def add_member(self, user: User, gid: str) -> None:
        self._groups.add(gid)
        if gid not in user.groups:
            user.groups.append(gid)

    def remove_member(self, user: User, gid: str) -> None:
        self._groups.add(gid)  # the group outlives its last member
        user.groups = [g for g in user.groups if g != gid]

    # -- sub-admins ---------------------------------------------------------------------------------------

    def is_subadmin(self, user: User) -> bool:
        """``SubAdmin::isSubAdmin``: admins count as sub-admins."""
        return user.is_admin or any(row[0] == user.uid for row in self.subadmins)

    def is_subadmin_of(self, user: User, gid: str) -> bool:
        """``SubAdmin::isSubAdminOfGroup`` (a ``group_admin`` row; callers test ``isAdmin`` themselves)."""
        return (user.uid, gid) in self.subadmins

    def subadmin_groups(self, user: User) -> list[str]:
        """``SubAdmin::getSubAdminsGroups``."""
        return sorted((gid for uid, gid in self.subadmins if uid == user.uid), key=str.lower)

    def user_accessible(self, viewer: User, target: User) -> bool:
        """``SubAdmin::isUserAccessible``."""
        if viewer.uid == target.uid:
            return True
        if not self.is_subadmin(viewer) or target.is_admin:
            return False
        return bool(set(self.subadmin_groups(viewer)) & set(target.groups))

    def can_administer(self, viewer: User, target: User) -> bool:
        """``isAdmin($viewer) || isUserAccessible($viewer, $target)``, the check of the user endpoints."""
        return viewer.is_admin or self.user_accessible(viewer, target)

    # -- accounts -----------------------------------------------------------------------------------------

    def profile(self, uid: str) -> Profile:
        return self.profiles.setdefault(uid, Profile())

    def forget_user(self, uid: str) -> None:
        """``User::delete``: the account, its ``group_admin`` rows and account data go."""
        self.state.users.pop(uid, None)
        self.subadmins = {row for row in self.subadmins if row[0] != uid}
        self.profiles.pop(uid, None)
