"""Notification tools (`nc_notifications_*`): list, get, dismiss one, dismiss all.

"Dismiss" is Nextcloud's delete (the notification is gone for this user on every device); the contract's verb
is `delete`. Dismissing all is a bulk delete, confirmed first (`core/confirm.py`: the user is asked when the client
can elicit, else `confirm=true`), naming what would be lost (how many, and their subjects). A notification's
actions (Accept, Decline, Open…) are listed with their HTTP method and link; they are not performed here, since a
link may do anything the app behind it does: the app's own tools do the same safely (e.g. nc_shares_accept_share
for a pending share).

Each notification: `id`, `app`, `time` (ISO 8601), `subject` and `message` (placeholders filled in), `link`,
`object` (`{type, id}` of what it is about), `refs` (the rich objects by placeholder: `{type, id, name, link?,
path?}`) and `actions` (`{label, method, link, primary}`); empty fields are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.notifications.client import LIST_LIMIT, NotificationsClient, notifications_client
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed
from nextcloud_mcp.core.contract import Cursor, Limit, Page, iso, page
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

NotificationId = Annotated[int, Field(ge=1, le=2**53, description="id from nc_notifications_list_notifications.")]
_REF_KEYS = ("type", "id", "name", "link", "path")


def _time(value: Any) -> str | None:
    try:
        return iso(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _refs(*groups: Any) -> dict[str, Any]:
    refs: dict[str, Any] = {}
    for group in groups:
        if isinstance(group, dict):  # `[]` when empty (PHP's json_encode of an empty array)
            for key, obj in group.items():
                if isinstance(obj, dict):
                    refs[str(key)] = {k: obj[k] for k in _REF_KEYS if obj.get(k) not in (None, "")}
    return refs


def _item(n: dict[str, Any]) -> Item:
    """A notification as the tools return it (empty fields left out)."""
    actions = [
        {
            "label": a.get("label", ""),
            "method": a.get("type", ""),
            "link": a.get("link", ""),
            "primary": bool(a.get("primary")),
        }
        for a in n.get("actions") or []
        if isinstance(a, dict)
    ]
    item: Item = {
        "id": n["notification_id"],
        "app": n.get("app", ""),
        "time": _time(n.get("datetime")),
        "subject": n.get("subject", ""),
        "message": n.get("message", ""),
        "link": n.get("link", ""),
        "object": {"type": n.get("object_type", ""), "id": n.get("object_id", "")} if n.get("object_type") else None,
        "refs": _refs(n.get("subjectRichParameters"), n.get("messageRichParameters")),
        "actions": actions,
    }
    return {k: v for k, v in item.items() if v not in (None, "", [], {})}


def _client(ctx: Context) -> NotificationsClient:
    return notifications_client(session(ctx))


@tool(
    "nc_notifications_list_notifications",
    "List notifications",
    f"My notifications, newest first, with their actions; Nextcloud shows only the {LIST_LIMIT} newest.",
    app="notifications",
    read_only=True,
    idempotent=True,
)
async def list_notifications(ctx: Context, limit: Limit = 25, cursor: Cursor = None) -> Page[Item]:
    items = [_item(n) for n in await _client(ctx).list()]
    result = page(items, limit, cursor)
    if len(items) >= LIST_LIMIT:  # there may be older ones Nextcloud does not list
        result.total = None
    return result


@tool(
    "nc_notifications_get_notification",
    "Get a notification",
    "One notification with its link, the objects it refers to and its actions.",
    app="notifications",
    read_only=True,
    idempotent=True,
)
async def get_notification(ctx: Context, notification_id: NotificationId) -> Item:
    found = await _client(ctx).require(notification_id)
    if found is None:
        raise InvalidInput(
            f"Notification {notification_id} exists, but Nextcloud cannot show it now (the app that sent it is "
            "disabled); dismiss it with nc_notifications_delete_notification if it is no longer wanted."
        )
    return _item(found)


@tool(
    "nc_notifications_delete_notification",
    "Dismiss a notification",
    "Dismiss (delete) one notification, for this user on every device.",
    app="notifications",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_notification(ctx: Context, notification_id: NotificationId) -> Item:
    client = _client(ctx)
    found = await client.require(notification_id)
    await client.delete(notification_id)
    return {"id": notification_id, "subject": (found or {}).get("subject", ""), "result": "dismissed"}


async def _all_loss(ctx: Context) -> Loss:
    """Every notification Nextcloud lists (it lists the newest only; those it cannot show now go too)."""
    current = await _client(ctx).list()
    if not current:
        what = "all your notifications (none is listed now; any Nextcloud cannot show go too)"
    else:
        what = f"all {'at least ' if len(current) >= LIST_LIMIT else ''}{len(current)} of your notifications"
    return Loss(
        what,
        names=tuple(repr(str(n.get("subject", ""))[:80]) for n in current),
        undo="They cannot be brought back; nc_notifications_delete_notification dismisses single ones.",
    )


_CONFIRM_ALL = confirmed("nc_notifications_delete_all_notifications", _all_loss)


@tool(
    "nc_notifications_delete_all_notifications",
    "Dismiss all notifications",
    "Dismiss (delete) all my notifications at once; they cannot be brought back.",
    app="notifications",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_all_notifications(
    ctx: Context, confirmation: Annotated[Confirmation, _CONFIRM_ALL], confirm: Confirm = False
) -> Deletion:
    done = confirmation.require(confirm)
    await _client(ctx).delete_all()
    return done


TOOLS: list[ToolSpec] = [list_notifications, get_notification, delete_notification, delete_all_notifications]
