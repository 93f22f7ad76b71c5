"""The ``spreed`` capability: nextcloud/spreed ``lib/Capabilities.php::getCapabilities`` with the default
configuration, reduced to the features the fake implements (``features`` lists what the API can do;
``config.chat.max-length`` is ``ChatManager::MAX_CHAT_LENGTH``). Published only while the app is enabled."""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.spreed.models import MAX_CHAT_LENGTH
from fake_nextcloud.core.state import FakeState

__all__ = ["capability"]

_FEATURES = [
    "audio", "video", "chat-v2", "conversation-v4", "chat-read-marker", "chat-read-last", "chat-read-status",
    "chat-replies", "chat-reference-id", "rich-object-sharing", "delete-messages", "edit-messages", "silent-send",
    "reactions", "talk-polls", "unified-search", "chat-get-context", "rich-object-list-media",
]  # fmt: skip


def capability(state: FakeState) -> dict[str, Any] | None:
    if not state.app_enabled("spreed"):
        return None
    return {
        "features": list(_FEATURES),
        "features-local": [],
        "config": {
            "attachments": {"allowed": True, "folder": "/Talk"},
            "call": {
                "enabled": True, "breakout-rooms": False, "recording": False, "recording-consent": 0,
                "supported-reactions": ["❤️", "🎉", "👏", "👍", "👎", "😂", "🤩", "🤔", "😲", "😥"],
                "predefined-backgrounds": [], "can-upload-background": False, "sip-enabled": False,
                "sip-dialout-enabled": False, "can-enable-sip": False, "start-without-media": False,
                "max-duration": 0, "blur-virtual-background": False,
            },
            "chat": {
                "max-length": MAX_CHAT_LENGTH, "read-privacy": 0, "has-translation-providers": False,
                "typing-privacy": 0, "summary-threshold": 100,
            },
            "conversations": {"can-create": True},
            "federation": {
                "enabled": False, "incoming-enabled": False, "outgoing-enabled": False, "only-trusted-servers": True,
            },
            "previews": {"max-gif-size": 3145728},
            "signaling": {"session-ping-limit": 200},
        },
        "config-local": {},
        "version": state.apps["spreed"],
    }  # fmt: skip
