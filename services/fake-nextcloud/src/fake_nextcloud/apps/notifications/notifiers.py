"""Rendering a stored notification for its reader: ``IManager::prepare`` and the notifiers the fake reproduces.

nextcloud/server ``lib/private/Notification/Manager.php::prepare`` asks every registered notifier; one that does not
know the notification throws ``UnknownNotificationException`` (the next is asked), one whose object is gone throws
``AlreadyProcessedException`` (the Manager then calls ``markProcessed``, deleting the row, and the caller skips it).
A notification no notifier parsed (its app disabled or unknown) is ``IncompleteParsedNotificationException``:
``EndpointController::listNotifications`` skips it (the row stays), ``getNotification`` answers 404.

``lib/private/Notification/Notification.php::setRichSubject``/``setRichMessage`` fill an empty parsed text with
``RichTextFormatter::richToParsed`` (``{key}`` → the parameter's ``name``; ``@name`` for users; a file's ``path``).

Notifiers here: ``admin_notifications`` (nextcloud/notifications ``lib/Notifier/AdminNotifications.php``, subjects
``cli``/``ocs``/``self``), ``files_sharing`` (nextcloud/server ``apps/files_sharing/lib/Notification/Notifier.php::
parseShareInvitation``, ``incoming_user_share``), ``deck`` (nextcloud/deck ``lib/Notification/Notifier.php``,
``card-assigned``, ``board-shared``). Rows seeded with ``prepared`` stand for any other app's notifier and are
rendered as given, while that app (when the fake knows it) is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.files_sharing.models import SharingBackend
from fake_nextcloud.apps.notifications.models import Row, mark_processed
from fake_nextcloud.core.context import NcContext

__all__ = ["AlreadyProcessed", "Parsed", "Unparsed", "prepare", "to_array"]


class AlreadyProcessed(Exception):
    """``AlreadyProcessedException``: the row was deleted."""


class Unparsed(Exception):
    """``IncompleteParsedNotificationException``: no notifier parsed it (the row stays)."""


@dataclass
class Parsed:
    """What ``prepare`` leaves on the notification (``INotification::getParsed*``/``getRich*``)."""

    subject: str = ""
    message: str = ""
    subject_rich: str = ""
    subject_rich_parameters: dict[str, Any] = field(default_factory=dict)
    message_rich: str = ""
    message_rich_parameters: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    icon: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)

    def rich_subject(self, text: str, parameters: dict[str, Any]) -> None:
        self.subject_rich, self.subject_rich_parameters = text, parameters
        if not self.subject:
            self.subject = rich_to_parsed(text, parameters)

    def rich_message(self, text: str, parameters: dict[str, Any]) -> None:
        self.message_rich, self.message_rich_parameters = text, parameters
        if not self.message:
            self.message = rich_to_parsed(text, parameters)


def rich_to_parsed(text: str, parameters: dict[str, Any]) -> str:
    """nextcloud/server ``lib/private/RichObjectStrings/RichTextFormatter.php::richToParsed``."""
    for key, param in parameters.items():
        kind, name = param.get("type"), str(param.get("name", ""))
        value = "@" + name if kind == "user" else str(param.get("path", name)) if kind == "file" else name
        text = text.replace("{" + key + "}", value)
    return text


def _admin(ctx: NcContext, row: Row) -> Parsed:
    """``AdminNotifications::prepare`` for ``cli``/``ocs``/``self`` (Nextcloud 30+ parameters, or the legacy list)."""
    if row.subject not in ("cli", "ocs", "self"):
        raise Unparsed()
    parsed = Parsed(icon=ctx.absolute_url("/apps/notifications/img/notifications-dark.svg"))
    params = row.subject_parameters
    if isinstance(params, dict) and "subject" in params:
        parsed.rich_subject(str(params["subject"]), dict(params.get("parameters") or {}))
    else:
        parsed.subject = str(params[0]) if params else ""
    message = row.message_parameters
    if isinstance(message, dict) and message.get("message"):
        parsed.rich_message(str(message["message"]), dict(message.get("parameters") or {}))
    elif isinstance(message, list) and message and message[0]:
        parsed.message = str(message[0])
    return parsed


def _share_invitation(ctx: NcContext, row: Row) -> Parsed:
    """``Notifier::parseShareInvitation`` for ``incoming_user_share`` (object ``share``, id ``ocinternal:<id>``)."""
    if row.object_type != "share" or row.subject != "incoming_user_share":
        raise Unparsed()
    share = SharingBackend.of(ctx.state).shares.get(int(row.object_id.rpartition(":")[2] or 0))
    if share is None or share.share_type != 0 or share.accepted or share.share_with != row.user:
        raise AlreadyProcessed()  # ShareNotFound, not pending, or no longer shared with this user
    sharer = ctx.state.user(share.owner)
    if sharer is None:
        raise Unparsed()  # \InvalidArgumentException('Temporary failure')
    node = DavBackend.of(ctx.state).find_by_id(share.owner, share.file_id)
    if node is None:
        raise AlreadyProcessed()  # "Node is already deleted, so discard the notification"
    parsed = Parsed(icon=ctx.absolute_url("/core/img/actions/share.svg"))
    parsed.rich_subject(
        "You received {share} as a share by {user}",
        {
            "share": {"type": "highlight", "id": row.object_id, "name": f"/{node.name}"},
            "user": {"type": "user", "id": sharer.uid, "name": sharer.display_name},
        },
    )
    ocs = ctx.absolute_url("/ocs/v2.php/apps/files_sharing/api/v1/shares")
    parsed.actions = [
        {"label": "Accept", "link": f"{ocs}/pending/{share.id}", "type": "POST", "primary": True},
        {"label": "Decline", "link": f"{ocs}/{share.id}", "type": "DELETE", "primary": False},
    ]
    return parsed


def _deck(ctx: NcContext, row: Row) -> Parsed:
    """nextcloud/deck ``Notifier::prepare``: ``card-assigned`` and ``board-shared`` (ids sent as strings)."""
    deck = DeckBackend.of(ctx.state)
    params = row.subject_parameters if isinstance(row.subject_parameters, list) else []
    page = ctx.absolute_url("/index.php/apps/deck/")
    parsed = Parsed(icon=ctx.absolute_url("/apps/deck/img/deck-dark.svg"))
    if row.subject == "card-assigned":
        card = deck.cards.get(int(row.object_id or 0))
        stack = deck.stacks.get(card.stack_id) if card is not None else None
        if card is None or stack is None:
            raise AlreadyProcessed()  # findStackFromCardId: no board
        initiator = ctx.state.user(str(params[2]))
        name = initiator.display_name if initiator is not None else str(params[2])
        parsed.subject = f'The card "{params[0]}" on "{params[1]}" has been assigned to you by {name}.'
        link = f"{page}#/board/{stack.board_id}/card/{card.id}"
        parsed.rich_subject(
            "{user} has assigned the card {deck-card} on {deck-board} to you.",
            {
                "deck-card": {
                    "type": "deck-card",
                    "id": row.object_id,
                    "name": str(params[0]),
                    "boardname": str(params[1]),
                    "stackname": stack.title,
                    "link": link,
                },
                "deck-board": {
                    "type": "deck-board",
                    "id": str(stack.board_id),
                    "name": str(params[1]),
                    "link": f"{page}#/board/{stack.board_id}",
                },
                "user": {"type": "user", "id": str(params[2]), "name": name},
            },
        )
        parsed.link = link
        return parsed
    if row.subject == "board-shared":
        initiator = ctx.state.user(str(params[1]))
        name = initiator.display_name if initiator is not None else str(params[1])
        parsed.subject = f'The board "{params[0]}" has been shared with you by {name}.'
        parsed.rich_subject(
            "{user} has shared {deck-board} with you.",
            {
                "deck-board": {
                    "type": "deck-board",
                    "id": row.object_id,
                    "name": str(params[0]),
                    "link": f"{page}#/board/{row.object_id}",
                },
                "user": {"type": "user", "id": str(params[1]), "name": name},
            },
        )
        parsed.link = f"{page}#/board/{row.object_id}/"
        return parsed
    raise Unparsed()  # Deck's notifier returns other subjects unparsed


def _given(row: Row) -> Parsed:
    """A seeded notification of an app whose notifier the fake does not reproduce: rendered as seeded."""
    given = row.prepared or {}
    parsed = Parsed(
        subject=str(given.get("subject", "")),
        message=str(given.get("message", "")),
        link=row.link,
        icon=row.icon,
        actions=[dict(a) for a in row.actions],
    )
    if given.get("subjectRich"):
        parsed.rich_subject(str(given["subjectRich"]), dict(given.get("subjectRichParameters") or {}))
    if given.get("messageRich"):
        parsed.rich_message(str(given["messageRich"]), dict(given.get("messageRichParameters") or {}))
    return parsed


def prepare(ctx: NcContext, row: Row) -> Parsed:
    """``IManager::prepare``: the parsed notification, or ``AlreadyProcessed`` (row deleted) / ``Unparsed``."""
    state = ctx.state
    try:
        if row.app in ("admin_notifications", "admin_notification_talk"):
            parsed = _admin(ctx, row)
        elif row.app in state.apps and not state.app_enabled(row.app):
            raise Unparsed()  # a disabled app registers no notifier
        elif row.prepared is not None:
            parsed = _given(row)
        elif row.app == "files_sharing":
            parsed = _share_invitation(ctx, row)
        elif row.app == "deck":
            parsed = _deck(ctx, row)
        else:
            raise Unparsed()
    except AlreadyProcessed:
        mark_processed(
            state, app=row.app, user=row.user, timestamp=row.timestamp, object_type=row.object_type,
            object_id=row.object_id, subject=row.subject,
        )  # fmt: skip
        raise
    if not parsed.subject:  # Notification::isValidParsed
        raise Unparsed()
    return parsed


def _rich_parameters(parameters: dict[str, Any]) -> Any:
    """PHP's ``json_encode`` of an empty array is ``[]``, not ``{}`` (the spec's object type notwithstanding)."""
    return parameters if parameters else []


def to_array(row: Row, parsed: Parsed, api_version: str) -> dict[str, Any]:
    """``EndpointController::notificationToArray`` (v2 adds the rich fields, ``icon``, ``shouldNotify``)."""
    data: dict[str, Any] = {
        "notification_id": row.id,
        "app": row.app,
        "user": row.user,
        "datetime": datetime.fromtimestamp(row.timestamp, UTC).isoformat(timespec="seconds"),  # format('c'), UTC
        "object_type": row.object_type,
        "object_id": row.object_id,
        "subject": parsed.subject,
        "message": parsed.message,
        "link": parsed.link,
    }
    if api_version != "v1":
        data |= {
            "subjectRich": parsed.subject_rich,
            "subjectRichParameters": _rich_parameters(parsed.subject_rich_parameters),
            "messageRich": parsed.message_rich,
            "messageRichParameters": _rich_parameters(parsed.message_rich_parameters),
            "icon": parsed.icon,
            "shouldNotify": True,  # no Talk Desktop client is modelled (ClientService::hasTalkDesktop)
        }
    data["actions"] = [
        {"label": a["label"], "link": a["link"], "type": a["type"], "primary": bool(a.get("primary", False))}
        for a in parsed.actions
    ]
    return data
