"""Events one app publishes and others listen to, as Nextcloud's ``IEventDispatcher`` and the legacy hooks
(``OC_Hook::emit``, e.g. the ``\\OC\\Files`` write/rename/delete hooks the activity app's ``FilesHooksStatic``
listens to, nextcloud/activity lib/AppInfo/Application.php::registerFilesActivity).

The core only carries them: an app publishes an ``Event`` through ``FakeState.events`` and the listeners that
``app.py`` subscribed hear it, so no app imports another to tell it something happened (and the core imports no
app). The bus survives ``FakeState.reset()`` (listeners are wiring, not data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Event", "EventBus", "Listener"]


@dataclass(frozen=True)
class Event:
    """Something that happened: ``app`` published it, ``name`` says what (``file_created``, ``share_created``,
    ``card_created``…), ``actor`` is the user id who did it (``None`` for a guest or the system), ``data`` the
    details the publisher documents next to the ``publish`` call."""

    app: str
    name: str
    actor: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]


class EventBus:
    """Listeners by key (subscribing twice under one key replaces, so building two apps over one state does not
    double every event)."""

    def __init__(self) -> None:
        self._listeners: dict[str, Listener] = {}

    def subscribe(self, key: str, listener: Listener) -> None:
        self._listeners[key] = listener

    def publish(self, event: Event) -> None:
        for listener in list(self._listeners.values()):
            listener(event)
