"""Control API for the Tables app (``/__testbed__/seed/tables``).

``POST /seed/tables`` ``{"user": login|uid, "tables": [{"title", "emoji"?, "description"?, "columns": [{"title",
"type", "subtype"?, "mandatory"?, "options"?: [label, …] (selection ids 1..n), "min"?, "max"?, "max_length"?}],
"rows": [{column title: stored value}], "views": [{"title", "columns"?: [title, …], "filter"?: [[{"column": title,
"operator", "value"}]]}], "shares": [{"user": login|uid, "read"?, "create"?, "update"?, "delete"?, "manage"?}]}]}``
-> 201 ``{"tables": [{"id", "columns": {title: id}, "rows": [id, …], "views": {title: id}}]}``.
Row values are stored as given (the stored forms: selection ``"1"``, multi ``[1, 2]``, check ``"true"``, number
``5.0``, datetime ``"2024-01-31 10:00"``), bypassing the app's parsing, so tests can seed any state.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.tables.models import Row, TablesBackend
from fake_nextcloud.core.state import FakeState, User

__all__ = ["build_tables_control_routes"]


def _user(state: FakeState, name: str) -> User:
    users = state.users_for_name(name)
    if len(users) != 1:
        raise LookupError(f"unknown user {name!r}")
    return users[0]


def _seed_table(state: FakeState, backend: TablesBackend, uid: str, spec: dict[str, Any]) -> dict[str, Any]:
    table = backend.create_table(uid, str(spec["title"]), spec.get("emoji"), str(spec.get("description", "")))
    ids: dict[str, int] = {}
    for col in spec.get("columns", []):
        attrs: dict[str, Any] = {"mandatory": bool(col.get("mandatory", False))}
        if "options" in col:
            attrs["selection_options"] = [{"id": i + 1, "label": str(o)} for i, o in enumerate(col["options"])]
        for key, attr in (("min", "number_min"), ("max", "number_max")):
            if key in col:
                attrs[attr] = float(col[key])
        if "max_length" in col:
            attrs["text_max_length"] = int(col["max_length"])
        if "decimals" in col:
            attrs["number_decimals"] = int(col["decimals"])
        column = backend.add_column(
            uid, table, str(col["title"]), str(col["type"]), str(col.get("subtype", "")), **attrs
        )
        ids[column.title] = column.id
    rows = []
    for values in spec.get("rows", []):
        now = backend.now()
        row = Row(backend.next_id("row"), table.id, uid, now, uid, now, {ids[k]: v for k, v in values.items()})
        table.rows[row.id] = row
        rows.append(row.id)
    views: dict[str, int] = {}
    for view_spec in spec.get("views", []):
        columns = [ids[c] for c in view_spec.get("columns", list(ids))]
        filt = [
            [
                {"columnId": ids[f["column"]], "operator": f.get("operator", "is-equal"), "value": f["value"]}
                for f in group
            ]
            for group in view_spec.get("filter", [])
        ]
        views[str(view_spec["title"])] = backend.create_view(uid, table, str(view_spec["title"]), columns, filt).id
    for share in spec.get("shares", []):
        backend.share(table, _user(state, str(share["user"])).uid, share)
    return {"id": table.id, "columns": ids, "rows": rows, "views": views}


def build_tables_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_tables(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            user = _user(state, str(data["user"]))
            backend = TablesBackend.of(state)
            out = [_seed_table(state, backend, user.uid, spec) for spec in data.get("tables", [])]
        except LookupError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404 if "user" in str(exc) else 400)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"tables": out}, status_code=201)

    return [Route("/seed/tables", seed_tables, methods=["POST"])]
