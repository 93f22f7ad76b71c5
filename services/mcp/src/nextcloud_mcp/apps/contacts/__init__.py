"""Contacts (`contacts` app over CardDAV): address books, contacts (vCard) and groups."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always

__all__ = ["APP"]

APP = App("contacts", "contacts", always, ("nextcloud_mcp.apps.contacts.tools",))
