"""Tables row versions (lastEditAt as the etag), column names, and Tables' own error messages."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.tables.client import Row, _error
from nextcloud_mcp.apps.tables.models import check_etag, encode_values, row_etag
from nextcloud_mcp.apps.tables.values import Column
from nextcloud_mcp.core.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound, Unavailable


def row(last_edit_at: str | None = "2024-03-01 10:00:05", by: str | None = "bob") -> Row:
    return Row.model_validate({"id": 5, "tableId": 1, "data": [], "lastEditAt": last_edit_at, "lastEditBy": by})


def test_the_etag_is_last_edit_at_in_iso_utc() -> None:
    assert row_etag(row()) == "2024-03-01T10:00:05+00:00"
    assert row_etag(row(None)) is None  # a create answer: Row2Mapper::insert sets no metadata on it


@pytest.mark.parametrize("etag", ["2024-03-01T10:00:05+00:00", "2024-03-01 10:00:05", "2024-03-01T12:00:05+02:00"])
def test_the_same_instant_passes(etag: str) -> None:
    check_etag(row(), etag)


def test_a_changed_row_is_a_conflict_naming_the_get_tool() -> None:
    with pytest.raises(Conflict) as error:
        check_etag(row(), "2024-03-01T10:00:04+00:00")
    text = str(error.value)
    assert "Row 5 changed since you read it" in text and "edited by bob" in text
    assert "nc_tables_get_row" in text and "force=true" in text and "nothing was written" in text
    assert error.value.current == "2024-03-01T10:00:05+00:00"


def test_an_etag_that_is_no_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="is not a row etag"):
        check_etag(row(), '"abc"')


COLUMNS = [
    Column.model_validate({"id": 1, "title": "Title", "type": "text", "subtype": "line", "mandatory": True}),
    Column.model_validate({"id": 2, "title": "Pages", "type": "number"}),
]


def test_column_names_are_matched_in_any_case_and_unknown_ones_listed() -> None:
    assert encode_values(COLUMNS, {"title": "Dune", " PAGES": 3}, creating=True) == {1: "Dune", 2: 3}
    with pytest.raises(InvalidInput, match="Unknown column\\(s\\) 'Colour'; the columns are: 'Title', 'Pages'"):
        encode_values(COLUMNS, {"Colour": "red"}, creating=False)
    with pytest.raises(InvalidInput, match="Required column\\(s\\) missing: 'Title'"):
        encode_values(COLUMNS, {"Pages": 3}, creating=True)


def _response(status: int, body: Any, path: str = "/index.php/apps/tables/api/1/rows/5") -> httpx2.Response:
    return httpx2.Response(status, json=body, request=httpx2.Request("PUT", f"http://nc.test{path}"))


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (400, {"message": "Value for column Pages exceeds maximum"}, BadRequest, "refused the request: Value for"),
        (403, {"message": "User bob cannot update rows on node 1 (type 0)"}, Forbidden, "(Tables: User bob cannot"),
        (
            404,
            {"message": "OCA\\Tables\\Service\\RowService - updateSet: OCA\\Tables\\Service\\RowService - find: x"},
            NotFound,
            "Row 5 does not exist or is not visible to this user (Tables: x). Next.",
        ),
        (404, {"message": ""}, NotFound, "not visible to this user. Next."),
        (
            500,
            {"message": "OCA\\Tables\\Service\\RowService - updateSet: Update row is not allowed."},
            Unavailable,
            "Tables failed (Tables: Update row is not allowed). Check the ids and values given. Next.",
        ),
    ],
)
def test_tables_messages_are_kept_without_class_prefixes(
    status: int, body: Any, kind: type[Exception], text: str
) -> None:
    error = _error(_response(status, body), "Row 5", "Next.")
    assert isinstance(error, kind) and text in str(error), str(error)
    assert "try again later" not in str(error)


def test_ocs_messages_come_from_data_or_meta() -> None:
    path = "/ocs/v2.php/apps/tables/api/2/tables"
    data = {"ocs": {"meta": {"message": ""}, "data": {"message": "Title is missing"}}}
    assert "Title is missing" in str(_error(_response(400, data, path), "The Tables app", "Fix it."))
    meta = {"ocs": {"meta": {"message": "create row at the table id = 1 is not allowed."}, "data": []}}
    assert "create row at the table id = 1 is not allowed" in str(_error(_response(403, meta, path), "T", "F"))


def test_an_unknown_row_in_a_delete_is_not_found() -> None:
    """RowService::getRowById rethrows the DoesNotExistException of the row sleeve as InternalError: a 500 whose
    message is QBMapper's query text."""
    message = (
        "OCA\\Tables\\Service\\RowService - delete: OCA\\Tables\\Service\\RowService - getRowById: Did expect one "
        'result but found none when executing: query "SELECT * FROM `*PREFIX*tables_row_sleeves` '
        'WHERE `id` = :dcValue1"; '
    )
    error = _error(_response(500, {"message": message}), "Row 5", "Next.")
    assert isinstance(error, NotFound) and str(error).startswith("Row 5 does not exist. Next."), str(error)
    assert "SELECT" not in str(error)


def test_a_500_without_a_message_is_the_generic_one() -> None:
    response = httpx2.Response(500, text="<html>", request=httpx2.Request("GET", "http://nc.test/x"))
    assert "try again later" in str(_error(response, "Row 5", "Next."))
