"""Tables app state: tables, views, columns, rows and shares of every user.

Sources (nextcloud/tables 2.2.2, ed46be1f): ``lib/Db/{Table,View,Column,Row2}.php::jsonSerialize`` (shapes),
``lib/Service/{TableService,ColumnService,RowService,PermissionsService}.php`` (behaviour),
``lib/Middleware/PermissionMiddleware.php`` (a node the user cannot access is a ``NotFoundError``, not a
permission error: "if the node is not accessible in first place, we do not have to reveal it").
Ids are global per instance (database sequences), as in the real app.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fake_nextcloud.apps.tables.columns import Column
from fake_nextcloud.apps.tables.values import TablesBadRequest, parse_cell
from fake_nextcloud.core.state import FakeState

__all__ = ["Column", "Row", "Share", "Table", "TablesBackend", "TablesError", "View"]

PERMS = ("read", "create", "update", "delete", "manage")


class TablesError(Exception):
    """``NotFoundError`` (404), ``PermissionError`` (403), ``InternalError`` (500); ``BadRequestError`` is
    ``values.TablesBadRequest`` (400)."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)  # status 403 PermissionError, 404 NotFoundError, else InternalError
        self.status = status
        self.message = message


@dataclass
class Row:
    id: int
    table_id: int
    created_by: str | None
    created_at: str | None
    last_edit_by: str | None
    last_edit_at: str | None
    data: dict[int, Any] = field(default_factory=dict)

    def to_json(self, columns: list[int] | None = None) -> dict[str, Any]:
        """``Row2::jsonSerialize``: ``data`` is a list of ``{columnId, value}`` (a view shows its columns only)."""
        cells = [{"columnId": c, "value": v} for c, v in self.data.items() if columns is None or c in columns]
        return {
            "id": self.id,
            "tableId": self.table_id,
            "createdBy": self.created_by,
            "createdAt": self.created_at,
            "lastEditBy": self.last_edit_by,
            "lastEditAt": self.last_edit_at,
            "data": cells,
            "dataByAlias": {},
        }


def _loosely_equal(old: Any, new: Any) -> bool:
    """PHP's loose ``==`` for the values a cell holds (``Row2::insertOrUpdateCell``: "yes, no type safety here"):
    null equals the empty values, numeric strings compare as numbers, other scalars as strings, arrays element by
    element."""
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_loosely_equal(a, b) for a, b in zip(old, new, strict=True))
    if old is None or new is None:  # null == x: x converted to bool (or "" for strings)
        other = new if old is None else old
        return other is None or other in ("", 0, [], {}) or other is False
    if isinstance(old, list | dict) or isinstance(new, list | dict):
        return bool(old == new)
    try:
        return float(old) == float(new)
    except (TypeError, ValueError):
        return str(old) == str(new)


@dataclass
class View:
    id: int
    table_id: int
    title: str
    owner: str
    created_at: str
    columns: list[int] = field(default_factory=list)
    #: ``filter``: OR of AND groups of ``{columnId, operator, value}`` (only ``is-equal``/``contains`` here)
    filter: list[list[dict[str, Any]]] = field(default_factory=list)
    emoji: str | None = None
    description: str = ""

    def shows(self, row: Row) -> bool:
        if not self.filter:
            return True
        return any(all(_matches(row.data.get(int(f["columnId"])), f) for f in group) for group in self.filter)


def _matches(value: Any, rule: dict[str, Any]) -> bool:
    wanted = rule.get("value")
    if rule.get("operator") == "contains":
        return str(wanted).lower() in str(value if value is not None else "").lower()
    if rule.get("operator") == "is-empty":
        return value in (None, "", [])
    return str(value) == str(wanted)


@dataclass
class Share:
    """A table shared with a user (``oc_tables_shares``); the owner has every permission."""

    id: int
    node_type: str  # "table" | "view"
    node_id: int
    receiver: str
    perms: dict[str, bool]


@dataclass
class Table:
    id: int
    title: str
    owner: str
    created_at: str
    emoji: str | None = None
    description: str = ""
    last_edit_at: str = ""
    columns: dict[int, Column] = field(default_factory=dict)
    rows: dict[int, Row] = field(default_factory=dict)
    views: list[int] = field(default_factory=list)


class TablesBackend:
    """All users' tables. Operations are named after the service methods they mirror."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.tables: dict[int, Table] = {}
        self.views: dict[int, View] = {}
        self.shares: list[Share] = []
        self._ids: dict[str, int] = {}

    @classmethod
    def of(cls, state: FakeState) -> TablesBackend:
        return state.backend("tables", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def now(self) -> str:
        """``Y-m-d H:i:s`` in UTC (``ITimeFactory::getDateTime()->format``)."""
        return datetime.fromtimestamp(self.state.time(), UTC).strftime("%Y-%m-%d %H:%M:%S")

    # -- permissions ----------------------------------------------------------------------------------

    def perms(self, uid: str, table: Table, view: View | None = None) -> dict[str, bool] | None:
        """``PermissionsService::getSharedPermissionsIfSharedWithMe``; None = not accessible at all."""
        if table.owner == uid:
            return dict.fromkeys(PERMS, True)
        for share in self.shares:
            if share.receiver != uid:
                continue
            if (share.node_type, share.node_id) == ("table", table.id) or (
                view is not None and (share.node_type, share.node_id) == ("view", view.id)
            ):
                return dict(share.perms)
        return None

    def table(self, uid: str, table_id: int) -> Table:
        table = self.tables.get(table_id)
        if table is None or self.perms(uid, table) is None:
            raise TablesError(404, "")  # PermissionMiddleware: NotFoundError() without message
        return table

    def view(self, uid: str, view_id: int) -> tuple[Table, View]:
        view = self.views.get(view_id)
        if view is None:
            raise TablesError(404, "")
        table = self.tables[view.table_id]
        if self.perms(uid, table, view) is None:
            raise TablesError(404, "")
        return table, view

    def require(self, uid: str, table: Table, what: str, view: View | None = None) -> None:
        """``PermissionMiddleware::assert{Create,Update,Delete}Permissions`` -> ``PermissionError``."""
        perms = self.perms(uid, table, view)
        node_id, node_type = (view.id, 1) if view is not None else (table.id, 0)
        if not perms or not perms.get(what):
            verb = {"create": "create rows on", "update": "update rows on", "delete": "delete rows on"}.get(what, what)
            raise TablesError(403, f"User {uid} cannot {verb} node {node_id} (type {node_type})")

    def visible_tables(self, uid: str) -> list[Table]:
        return [t for t in self.tables.values() if self.perms(uid, t) is not None]

    def row(self, uid: str, row_id: int) -> tuple[Table, Row]:
        for table in self.tables.values():
            if row_id in table.rows:
                if self.perms(uid, table) is None:
                    raise TablesError(403, f"PermissionError: can not read row with id {row_id}")
                return table, table.rows[row_id]
        # RowService::find: Row2Mapper::getTableIdForRow's DoesNotExistException -> NotFoundError (query abbreviated)
        raise TablesError(
            404, "OCA\\Tables\\Service\\RowService - find: Did expect one result but found none when executing: query …"
        )

    # -- serialisation --------------------------------------------------------------------------------

    def _name(self, uid: str) -> str:
        user = self.state.user(uid)
        return user.display_name if user is not None else uid

    def view_json(self, uid: str, view: View) -> dict[str, Any]:
        """``View::jsonSerialize``."""
        table = self.tables[view.table_id]
        mine = table.owner == uid
        return {
            "id": view.id,
            "title": view.title,
            "technicalName": None,
            "emoji": view.emoji,
            "tableId": view.table_id,
            "ownership": view.owner,
            "ownerDisplayName": self._name(view.owner),
            "createdBy": view.owner,
            "dataByAlias": {},
            "createdAt": view.created_at,
            "lastEditBy": view.owner,
            "lastEditAt": view.created_at,
            "description": view.description,
            "columns": list(view.columns),
            "columnSettings": [{"columnId": c, "order": i, "readonly": False} for i, c in enumerate(view.columns)],
            "sort": [],
            "filter": view.filter,
            "isShared": not mine,
            "favorite": False,
            "onSharePermissions": None if mine else self.perms(uid, table, view),
            "hasShares": any(s.node_type == "view" and s.node_id == view.id for s in self.shares),
            "rowsCount": sum(1 for r in table.rows.values() if view.shows(r)),
        }

    def table_json(self, uid: str, table: Table) -> dict[str, Any]:
        """``Table::jsonSerialize`` (views only for the owner, as ``TableService::enhanceTable``)."""
        mine = table.owner == uid
        views = [self.view_json(uid, self.views[v]) for v in table.views] if mine else []
        return {
            "id": table.id,
            "title": table.title,
            "emoji": table.emoji,
            "ownership": table.owner,
            "ownerDisplayName": self._name(table.owner),
            "createdBy": table.owner,
            "createdAt": table.created_at,
            "lastEditBy": table.owner,
            "lastEditAt": table.last_edit_at or table.created_at,
            "archived": False,
            "favorite": False,
            "isShared": not mine,
            "onSharePermissions": None if mine else self.perms(uid, table),
            "hasShares": any(s.node_type == "table" and s.node_id == table.id for s in self.shares),
            "rowsCount": len(table.rows),
            "description": table.description if table.description != "0" else "",  # `description ?: ''`
            "views": views,
            "columnsCount": len(table.columns),
            "columnOrder": [],
            "sort": [],
        }

    def column_json(self, column: Column) -> dict[str, Any]:
        return column.to_json(self._name(column.created_by))

    # -- mutations ------------------------------------------------------------------------------------

    def create_table(self, uid: str, title: str, emoji: str | None = None, description: str = "") -> Table:
        """``TableService::create``: the emoji is set only ``if ($emoji)``, so ``""``/``"0"`` leave it null."""
        now = self.now()
        emoji = emoji if emoji not in (None, "", "0") else None
        table = Table(self.next_id("table"), title, uid, now, emoji, description, now)
        self.tables[table.id] = table
        return table

    def create_view(self, uid: str, table: Table, title: str, columns: list[int], filt: list[Any]) -> View:
        view = View(self.next_id("view"), table.id, title, uid, self.now(), list(columns), list(filt))
        self.views[view.id] = view
        table.views.append(view.id)
        return view

    def add_column(self, uid: str, table: Table, title: str, type_: str, subtype: str, **attrs: Any) -> Column:
        column = Column(self.next_id("column"), table.id, title, type_, subtype, uid, self.now(), **attrs)
        table.columns[column.id] = column
        return column

    def _clean(self, table: Table, data: dict[int, Any], view: View | None) -> dict[int, Any]:
        """``RowService::cleanupData`` + ``validateMandatoryColumns`` (create)."""
        users = set(self.state.users)
        groups = {g for u in self.state.users.values() for g in u.groups}
        out: dict[int, Any] = {}
        allowed = view.columns if view is not None else list(table.columns)
        for column_id, value in data.items():
            if column_id not in table.columns or column_id not in allowed:
                node = f"view with id {view.id}" if view is not None else f"table with id {table.id}"
                raise TablesError(500, f"Column with id {column_id} is not part of {node}")
            out[column_id] = parse_cell(table.columns[column_id], value, users, groups)
        return out

    def create_row(self, uid: str, table: Table, data: dict[int, Any], view: View | None = None) -> Row:
        """``RowService::create``. The answer is the ``Row2`` the service built, whose metadata was never set:
        ``Row2Mapper::insert`` writes ``createdAt``/``lastEditAt`` into the new row sleeve only and returns the given
        ``Row2`` (only ``setId``), so ``createdBy``, ``createdAt``, ``lastEditBy`` and ``lastEditAt`` answer null."""
        cells = self._clean(table, data, view)
        for column in table.columns.values():
            if column.mandatory and column.subtype != "check" and cells.get(column.id) in (None, "", []):
                if column.id not in cells:
                    raise TablesBadRequest(f'Mandatory column "{column.title}" cannot be empty.')
                raise TablesBadRequest(f'Mandatory column "{column.title}" cannot be empty or invalid.')
        now = self.now()
        row = Row(self.next_id("row"), table.id, uid, now, uid, now, cells)
        table.rows[row.id] = row
        return replace(row, created_by=None, created_at=None, last_edit_by=None, last_edit_at=None, data=dict(cells))

    def update_row(self, uid: str, row_id: int, data: dict[int, Any], view_id: int | None) -> Row:
        """``RowService::updateSet``: only the given cells change. ``Row2::insertOrUpdateCell`` marks a cell changed
        only when its value differs (loose ``!=``) and ``Row2Mapper::update`` returns at once when none did, so an
        update that changes nothing keeps ``lastEditAt``. Otherwise the mapper sets ``lastEditBy``/``lastEditAt`` on
        the row *sleeve* and returns the loaded ``Row2`` itself: the answer carries the new cells with the
        metadata as it was before the update (lib/Db/Row2Mapper.php::update, lib/Db/Row2.php)."""
        table, row, view = self._guard("updateSet", uid, row_id, view_id, "update")
        before = replace(row, data=dict(row.data))
        cleaned = self._clean(table, data, view)
        changed = {c: v for c, v in cleaned.items() if c not in row.data or not _loosely_equal(row.data[c], v)}
        if not changed:
            return before
        row.data.update(changed)
        row.last_edit_by, row.last_edit_at = uid, self.now()
        return replace(before, data=dict(row.data))

    def delete_row(self, uid: str, row_id: int) -> Row:
        """``RowService::delete`` (without a view, as ``Api1Controller::deleteRow`` calls it)."""
        table, row, _ = self._guard("delete", uid, row_id, None, "delete")
        del table.rows[row_id]
        return row

    def _guard(
        self, method: str, uid: str, row_id: int, view_id: int | None, what: str
    ) -> tuple[Table, Row, View | None]:
        """The checks of ``RowService::updateSet``/``delete`` before the change: ``getRowById`` (an unknown row is the
        row sleeve's ``DoesNotExistException``, rethrown as ``InternalError`` - its query text abbreviated here), then
        read (``NotFoundError`` "Row not found.") and update/delete permission (``PermissionError`` "Update row is not
        allowed.") on the view when one is given (``if ($viewId)``; the row must be in it: ``InternalError``), else on
        the row's table."""
        prefix = f"OCA\\Tables\\Service\\RowService - {method}: "
        found = next(((t, t.rows[row_id]) for t in self.tables.values() if row_id in t.rows), None)
        if found is None:
            raise TablesError(
                500,
                f"{prefix}OCA\\Tables\\Service\\RowService - getRowById: Did expect one result but found none when"
                " executing: query …",
            )
        table, row = found
        view = self.views.get(view_id) if view_id else None
        if view_id and view is None:
            raise TablesError(404, prefix + "Row not found.")
        perms = self.perms(uid, self.tables[view.table_id] if view is not None else table, view)
        if perms is None:
            raise TablesError(404, prefix + "Row not found.")
        if not perms.get(what):
            raise TablesError(403, prefix + "Update row is not allowed.")
        if view is not None and (view.table_id != table.id or not view.shows(row)):  # isRowInViewPresent
            raise TablesError(500, prefix + "Update row is not allowed.")
        return table, row, view

    def share(self, table: Table, receiver: str, perms: dict[str, bool]) -> Share:
        share = Share(self.next_id("share"), "table", table.id, receiver, {p: bool(perms.get(p)) for p in PERMS})
        self.shares.append(share)
        return share
