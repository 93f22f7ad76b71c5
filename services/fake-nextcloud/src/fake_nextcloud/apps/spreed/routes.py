"""Talk (``spreed``) OCS routes, mounted under ``/ocs/v{1,2}.php`` (see rooms.py, chat.py, polls.py)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from fake_nextcloud.apps.spreed.chat import CHAT_ROUTES
from fake_nextcloud.apps.spreed.polls import POLL_ROUTES
from fake_nextcloud.apps.spreed.rooms import ROOM_ROUTES

__all__ = ["SPREED_ROUTES"]

SPREED_ROUTES: list[BaseRoute] = [*ROOM_ROUTES, *CHAT_ROUTES, *POLL_ROUTES]
