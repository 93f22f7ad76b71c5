"""Users (`provisioning_api` app, OCS): who am I, and looking up other users."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "provisioning_api",
    "users",
    publishes("provisioning_api"),
    ("nextcloud_mcp.apps.provisioning_api.tools",),
    summary="The current user and other users of the instance: profiles and search.",
)
