"""`compact_schema` keeps what a schema accepts: a compacted schema accepts exactly the values pydantic does."""

from __future__ import annotations

from typing import Any, Literal

import jsonschema  # type: ignore[import-untyped]  # the validator the SDK's client uses
import pytest
from pydantic import BaseModel

from nextcloud_mcp.server.schema import compact_schema


class _Result(BaseModel):
    by: Literal["user", "argument"] | None
    count: int | None
    name: str


def _output() -> dict[str, Any]:
    return compact_schema(_Result.model_json_schema(), input_schema=False)


def test_a_nullable_value_is_a_type_list_without_titles() -> None:
    schema = _output()
    assert schema["properties"]["count"] == {"type": ["integer", "null"]}
    assert "title" not in schema and "required" not in schema


@pytest.mark.parametrize("value", ["user", "argument", None])
def test_a_nullable_enum_accepts_null_and_its_values(value: str | None) -> None:
    jsonschema.validate({"by": value, "count": None, "name": "x"}, _output())


def test_a_nullable_enum_still_refuses_other_values() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"by": "model", "count": 1, "name": "x"}, _output())
