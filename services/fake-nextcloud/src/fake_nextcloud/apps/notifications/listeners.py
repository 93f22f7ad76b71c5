"""Notifications other apps create, from the events they publish (``core.events``; subscribed in ``app.py``).

* files_sharing ``share_created`` → nextcloud/server ``apps/files_sharing/lib/Notification/Listener.php::
  shareNotification`` (registered for ``ShareCreatedEvent`` in ``lib/AppInfo/Application.php``): a user share
  notifies its recipient (``incoming_user_share``, object ``share``/``ocinternal:<id>``, the share time). The
  notifier shows it only while the share is pending (``sharing.enable_share_accept``); otherwise the first read
  marks it processed (``notifiers.py``). Group shares are never pending in the fake, so they are not notified.
* deck ``card_assigned`` → nextcloud/deck ``lib/Service/AssignmentService.php::assignUser``: ``if ($type ===
  Assignment::TYPE_USER && $userId !== $this->currentUser) sendCardAssigned`` (``NotificationHelper``: subject
  ``card-assigned`` ``[card title, board title, current user]``, object ``card``). ``card_unassigned`` →
  ``markCardAssignedAsRead`` (``markProcessed`` of app/user/object/subject).
* deck ``board_shared`` → ``NotificationHelper::sendBoardShared``: a user ACL notifies the participant, a group
  ACL every member but the current user (subject ``board-shared`` ``[board title, current user]``, object
  ``board``).
"""

from __future__ import annotations

from fake_nextcloud.apps.notifications.models import mark_processed, notify
from fake_nextcloud.core.events import Event, Listener
from fake_nextcloud.core.state import FakeState

__all__ = ["notifications_listener"]


def notifications_listener(state: FakeState) -> Listener:
    """The listener ``app.py`` subscribes for the notifications app."""

    def on_event(event: Event) -> None:
        data, actor = event.data, event.actor or ""
        if (event.app, event.name) == ("files_sharing", "share_created") and data.get("share_type") == 0:
            notify(
                state, app="files_sharing", user=str(data["share_with"]), object_type="share",
                object_id=f"ocinternal:{data['share_id']}", subject="incoming_user_share",
            )  # fmt: skip
        elif (event.app, event.name) == ("deck", "card_assigned"):
            if data.get("type") == 0 and data["user"] != actor:
                params = [data["card"], data["board"], actor]
                notify(
                    state, app="deck", user=str(data["user"]), object_type="card", object_id=str(data["card_id"]),
                    subject="card-assigned", subject_parameters=params,
                )  # fmt: skip
        elif (event.app, event.name) == ("deck", "card_unassigned"):
            mark_processed(
                state, app="deck", user=str(data["user"]), object_type="card", object_id=str(data["card_id"]),
                subject="card-assigned",
            )  # fmt: skip
        elif (event.app, event.name) == ("deck", "board_shared"):
            if data.get("type") == 0:
                users = [str(data["participant"])]
            elif data.get("type") == 1:
                users = [u.uid for u in state.users.values() if data["participant"] in u.groups and u.uid != actor]
            else:
                users = []
            for uid in users:
                notify(
                    state, app="deck", user=uid, object_type="board", object_id=str(data["board_id"]),
                    subject="board-shared", subject_parameters=[data["board"], actor],
                )  # fmt: skip

    return on_event
