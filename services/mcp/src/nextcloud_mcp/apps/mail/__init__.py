"""Mail (`mail` app): accounts, mailboxes, messages (list, search, read, thread), send, flag, move, delete, drafts.

Mail publishes no capability, so the app is found by a GET of its public account list (404 when the app is not
installed or enabled for the caller)."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, Probe, publishes

__all__ = ["APP"]

APP = App(
    "mail",
    "mail",
    publishes("mail"),
    ("nextcloud_mcp.apps.mail.tools", "nextcloud_mcp.apps.mail.attachment_tools"),
    probe=Probe("/ocs/v2.php/apps/mail/account/list?format=json", "version"),
    summary="Mail: accounts, mailboxes, messages (search, read, thread), send/reply, drafts, flag, move, delete.",
)
