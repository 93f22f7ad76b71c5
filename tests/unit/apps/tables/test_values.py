"""Tables cell values: typed model values <-> stored API values, and the checks done before sending."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextcloud_mcp.apps.tables.values import Column, InvalidValue, decode, encode


def col(type_: str, subtype: str = "", **extra: Any) -> Column:
    return Column.model_validate({"id": 7, "title": "C", "type": type_, "subtype": subtype, **extra})


OPTIONS = [{"id": 1, "label": "Low"}, {"id": 2, "label": "High"}]


@pytest.mark.parametrize(
    ("column", "value", "sent", "back"),
    [
        (col("text", "line"), "hi", "hi", "hi"),
        (col("text", ""), "plain", "plain", "plain"),
        (col("text", "link"), "https://example.org/a", "https://example.org/a", "https://example.org/a"),
        (col("number"), 3, 3, 3),
        (col("number"), 2.5, 2.5, 2.5),
        (col("number", "stars"), 4, 4, 4),
        (col("number", "progress"), 100, 100, 100),
        (col("selection", selectionOptions=OPTIONS), "High", 2, "High"),
        (col("selection", selectionOptions=OPTIONS), "high", 2, "High"),
        (col("selection", "multi", selectionOptions=OPTIONS), ["High", "Low"], [1, 2], ["Low", "High"]),
        (col("selection", "check"), True, "true", True),
        (col("selection", "check"), False, "false", False),
        (col("datetime"), "2024-01-31T10:05:59", "2024-01-31 10:05", "2024-01-31T10:05"),
        (col("datetime", "date"), "2024-02-29", "2024-02-29", "2024-02-29"),
        (col("datetime", "time"), "07:30", "07:30", "07:30"),
        (col("usergroup"), ["bob", "group:staff"], [{"id": "bob", "type": 0}, {"id": "staff", "type": 1}], None),
    ],
)
def test_values_are_encoded_and_decoded(column: Column, value: Any, sent: Any, back: Any) -> None:
    assert encode(column, value) == sent
    stored = str(sent) if column.kind == "selection" else sent  # the app stores a selection id as a string
    assert decode(column, stored) == (value if back is None else back)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (col("number"), "5", "expects a number"),
        (col("number"), True, "expects a number"),
        (col("number", numberMin=1, numberMax=10), 11, "between 1 and 10"),
        (col("number", "stars"), 5.5, "between 0 and 5"),
        (col("text", "line"), 5, "expects text"),
        (col("text", "line", textMaxLength=3), "long", "of at most 3 characters"),
        (col("text", "link"), "not a url", "expects a URL"),
        (col("selection", selectionOptions=OPTIONS), "Medium", "options: 'Low', 'High'"),
        (col("selection", selectionOptions=OPTIONS), 2, "expects one option label"),
        (col("selection", "multi", selectionOptions=OPTIONS), "Low", "a list of option labels"),
        (col("selection", "check"), "yes", "true or false"),
        (col("datetime", "date"), "2024-02-30", "an ISO date"),
        (col("datetime", "date"), "2024-02-01T10:00", "an ISO date"),
        (col("datetime"), "yesterday", "an ISO date-time"),
        (col("datetime", "time"), "25:00", "a time"),
        (col("usergroup"), [1], "a list of user ids"),
        (col("text", "line", mandatory=True), None, "is required"),
    ],
)
def test_wrong_values_name_the_column_and_the_type(column: Column, value: Any, message: str) -> None:
    with pytest.raises(InvalidValue, match="'C'") as error:
        encode(column, value)
    assert message in str(error.value)


def test_options_may_arrive_as_a_json_string_and_unknown_ids_decode_to_none() -> None:
    column = col("selection", selectionOptions='[{"id": 3, "label": "Three"}]')
    assert [o.label for o in column.options] == ["Three"]
    assert decode(column, "9") is None and decode(column, "") is None
    assert decode(col("selection", "check"), None) is False
    assert decode(col("number"), "12.0") == 12


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_numbers_round_trip(value: float) -> None:
    column = col("number")
    assert decode(column, float(encode(column, value))) == (int(value) if value.is_integer() else value)
