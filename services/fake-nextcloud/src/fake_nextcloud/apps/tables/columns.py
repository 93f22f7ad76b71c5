"""A Tables column and its JSON form (nextcloud/tables 2.2.2 ``lib/Db/Column.php``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Column"]


@dataclass
class Column:
    id: int
    table_id: int
    title: str
    type: str  # text | number | selection | datetime | usergroup
    subtype: str  # "" or line/long/rich/link, stars/progress, multi/check, date/time
    created_by: str
    created_at: str
    mandatory: bool = False
    description: str = ""
    number_default: float | None = None
    number_min: float | None = None
    number_max: float | None = None
    number_decimals: int | None = None
    number_prefix: str = ""
    number_suffix: str = ""
    text_default: str = ""
    text_allowed_pattern: str = ""
    text_max_length: int | None = None
    text_unique: bool = False
    selection_options: list[dict[str, Any]] = field(default_factory=list)
    selection_default: str = ""
    datetime_default: str = ""
    usergroup_default: str = ""
    usergroup_multiple_items: bool = False
    usergroup_select_users: bool = True
    usergroup_select_groups: bool = False
    technical_name: str | None = None  # ColumnService::create: buildDefaultTechnicalName(id) when none is given

    @property
    def kind(self) -> str:
        """``type-subtype`` as in the capability's ``column_types`` (plain ``number``/``selection``/...)."""
        return f"{self.type}-{self.subtype}" if self.subtype else self.type

    def to_json(self, created_name: str) -> dict[str, Any]:
        """``Column::jsonSerialize``. tables.json is wrong here: it types ``selectionOptions`` as a string (the
        code sends ``getSelectionOptionsArray()``) and the number/text limits as non-nullable (they are null
        when unset), so column answers are not spec-validated."""
        return {
            "id": self.id,
            "uuid": f"col-{self.id}",
            "title": self.title,
            "technicalName": self.technical_name or f"column_{self.id}",
            "tableId": self.table_id,
            "createdBy": self.created_by,
            "createdByDisplayName": created_name,
            "createdAt": self.created_at,
            "lastEditBy": self.created_by,
            "lastEditByDisplayName": created_name,
            "lastEditAt": self.created_at,
            "type": self.type,
            "subtype": self.subtype,
            "mandatory": self.mandatory,
            "description": self.description,
            "orderWeight": 0,
            "numberDefault": self.number_default,
            "numberMin": self.number_min,
            "numberMax": self.number_max,
            "numberDecimals": self.number_decimals,
            "numberPrefix": self.number_prefix,
            "numberSuffix": self.number_suffix,
            "textDefault": self.text_default,
            "textAllowedPattern": self.text_allowed_pattern,
            "textMaxLength": self.text_max_length,
            "textUnique": self.text_unique,
            "selectionOptions": self.selection_options,
            "selectionDefault": self.selection_default,
            "datetimeDefault": self.datetime_default,
            "usergroupDefault": self.usergroup_default,
            "usergroupMultipleItems": self.usergroup_multiple_items,
            "usergroupSelectUsers": self.usergroup_select_users,
            "usergroupSelectGroups": self.usergroup_select_groups,
            "usergroupSelectTeams": False,
            "showUserStatus": False,
            "viewColumnInformation": None,
            "customSettings": {},  # getCustomSettingsArray() ?: new \stdClass()
        }
