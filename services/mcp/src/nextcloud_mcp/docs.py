"""Generate docs/configuration.md (from `Settings`) and docs/tools.md (from the tool catalogue).

Run `scripts/gen-docs`; tests fail when the files are stale.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.fields import FieldInfo

from nextcloud_mcp.config import Settings

__all__ = ["render_configuration", "render_tools"]

HEADER = """# Configuration

Every setting is an environment variable (names are case-insensitive). Command-line options override
them: `--transport`, `--host`, `--port`, `--oauth` / `--no-oauth`, `--read-only`, `--dynamic-toolsets`,
`--log-level`, `--log-format`.
Unknown `MCP_*` variables and misspelt `NEXTCLOUD_*` ones stop the server with an error naming them; the
variables Kubernetes injects for a Service (`MCP_SERVICE_HOST`, `MCP_PORT=tcp://…`, …) and those MCP clients
export (`MCP_TIMEOUT`, `MCP_TOOL_TIMEOUT`) are ignored. What each start-up message means, and its fix:
[troubleshooting.md](troubleshooting.md).

This file is generated from `services/mcp/src/nextcloud_mcp/config.py` by `scripts/gen-docs`.

| Variable | Default | Description |
|---|---|---|
"""

FOOTER = """
## Auth mode

- **BasicAuth**: set `NEXTCLOUD_USERNAME` and `NEXTCLOUD_PASSWORD` (use an app password: Nextcloud →
  Settings → Security → Devices & sessions → *Create new app password*). The server acts as that one user.
- **OAuth2/OIDC** (default when the two are not both set; streamable HTTP only): the server is a resource
  server for Nextcloud's `oidc` app or an external IdP, with a Redis-shared token cache; see
  [authentication.md](authentication.md). `--oauth` / `--no-oauth` force the mode.
- `MCP_APPS` limits which apps' tools are offered (a smaller `tools/list`); `MCP_TOOLS_ALLOW` / `MCP_TOOLS_DENY`
  pick tools by name or glob, `MCP_READ_ONLY` keeps only read-only tools, and `MCP_DYNAMIC_TOOLSETS` lets the
  model enable toolsets as it needs them: [tools.md](tools.md#what-the-model-sees), including what dynamic
  toolsets do in stateless HTTP mode (no sessions: the tools are called through `nc_toolsets_call_tool`).

## Behind a reverse proxy or in a container

Streamable HTTP always checks the `Host` header against `MCP_ALLOWED_HOSTS` (DNS-rebinding
protection). The default allows only loopback names; when you publish the server under another
name, list it, e.g. `MCP_ALLOWED_HOSTS=mcp.example.com,mcp:8000`.
"""


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "*required*"
    value: Any = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, list):
        return ",".join(value) if value else "empty"
    return f"`{json.dumps(value) if isinstance(value, bool) else value}`"


def render_configuration() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {_default(field)} | {description} |")
    return HEADER + "\n".join(rows) + "\n" + FOOTER


TOOLS_HEADER = """# Tools

Generated from the tool definitions by `scripts/gen-docs`. Every tool returns structured output
(its JSON schema is in `tools/list`) and carries MCP annotations: **RO** read-only, **D** destructive
(changes or removes existing data), **I** idempotent (repeating it changes nothing more).
A toolset is listed only when the user's Nextcloud offers the app (checked through its capabilities).

## What the model sees

- `MCP_APPS` picks apps; `MCP_TOOLS_ALLOW` and `MCP_TOOLS_DENY` pick tools by name or glob (`nc_deck_*`), and
  deny wins over allow. An entry that names no tool stops the server with an error naming the closest valid
  names (a typo would otherwise expose or hide tools silently).
- **Read-only mode** (`MCP_READ_ONLY=true`, `--read-only`): only the tools marked **RO** below are listed, and a
  call to any other tool, even by a client that knows its name, is refused with an error saying the server is
  read-only. `nc_files_download_file` is not RO: it writes a file on the server's machine.
- These settings, the apps the user's Nextcloud offers and, in OAuth mode, the token's scopes make one decision
  (`server/policy.py`) for `tools/list` and `tools/call` alike. A tool the settings exclude needs no scope, so a
  call to it gets the refusal rather than a scope step-up that would not help.

### Dynamic toolsets

With `MCP_DYNAMIC_TOOLSETS=true` (`--dynamic-toolsets`) the server starts with the `nc_toolsets_*` tools
(table below; about 2.2 kB of `tools/list` instead of over 90 kB, [performance.md](performance.md)). The model
lists the toolsets the user can use (installed apps, scopes and the settings above applied, with a one-line
summary and a tool count each), describes one if it wants, and enables what a task needs. What a session is
decides the rest:

- **stdio**: the process's one client. Enabling sends `notifications/tools/list_changed` (protocol 2025-11-25 and
  earlier; the server declares `tools.listChanged`) or, on 2026-07-28 connections, a tools-changed event on the
  client's `subscriptions/listen` stream; the client lists the tools again and sees the new ones. Enabled
  toolsets last as long as the process.
- **Stateful streamable HTTP** (the default) with a 2025-11-25-era client: the `Mcp-Session-Id`. Every session of
  every user has its own set, never shared; the notification rides the enable call's SSE response (or, with
  `MCP_JSON_RESPONSE=true`, the session's GET stream). A set is forgotten with its session
  (`MCP_SESSION_IDLE_TIMEOUT`); replicas need sticky sessions, as for any stateful MCP session.
- **Stateless HTTP** (`MCP_STATELESS_HTTP=true`), and any client speaking 2026-07-28 over HTTP (that revision has
  no sessions): the server keeps nothing between requests, so nothing can be enabled. `tools/list` shows
  `nc_toolsets_list_toolsets`, `nc_toolsets_get_toolset` (which then returns each tool's input schema) and
  `nc_toolsets_call_tool`, which calls a tool by name through the same checks as a direct call (a direct
  `tools/call` by name works too). `nc_toolsets_enable_toolsets` is not listed, and a call to it says why.

In a session, calling a tool whose toolset is not enabled is refused with an error naming the enable call. With
`MCP_READ_ONLY` the toolsets hold only read-only tools and `nc_toolsets_call_tool` is read-only too; with OAuth, a
tool called through it whose scope the token lacks gets a tool error naming the scope (no step-up).

## The tool contract

Every tool follows these rules; `tests/unit/server/test_contract.py` checks them over the whole `tools/list`,
so a new app inherits them.

- **Names**: `nc_<toolset>_<verb>_<object>`, lowercase, e.g. `nc_calendar_create_event`, `nc_tables_delete_row`.
  The object is always named (singular for one item, plural for lists and searches). Verbs come from one set:
  `list get search create update delete append move copy restore upload download read write set add remove
  accept import clone complete reopen assign query enable call`. Tools named list, get, search, read or query
  are read-only; tools that create, update, delete, move or otherwise write are not. No two names differ by a
  single character. Renames are listed in CHANGELOG.md.
- **Lists**: every list or search tool takes `limit` and `cursor` and returns `{"items": [...], "next_cursor":
  "…" | null, "total": n | null}`; pass `next_cursor` back as `cursor` for the next page.
- **Objects**: create and update return the same full object as the matching get, with its `etag` where the item
  has one. Times are ISO 8601 with an offset (`2026-12-05T09:30:00+00:00`); dates `YYYY-MM-DD`. Booleans are
  booleans; absent values are `null`. File paths are absolute within the user's files (`/Documents/a.txt`).
  Permissions are lists of named flags (`read`, `update`, `create`, `delete`, `share`). One spelling per concept
  (`favorite`).
- **Parameters**: every parameter has a description: its format, where its value comes from (the tool that lists
  it), an example where it is not obvious. Identifiers people naturally give are accepted (a calendar's display
  name, an event's UID, a user's display name or e-mail), or refused with the valid values listed.
- **Writes that replace content** take the `etag` the caller read (from get, list or the previous write). Without
  it they refuse, unless `force=true` says to overwrite whatever is there now. A changed item is a conflict error
  that names the get tool to re-read.
- **Destructive bulk actions** ask first: `nc_files_delete_trash` with `all=true`, `nc_calendar_delete_calendar`,
  `nc_calendar_delete_trash`, `nc_contacts_delete_addressbook`, `nc_deck_delete_board`, `nc_deck_delete_stack`,
  `nc_notifications_delete_all_notifications`. The tool works out what would be lost (counts and names). A client
  that declared the elicitation capability is asked, and the user decides: only an accepted answer with "Delete"
  ticked deletes; a decline or a cancel deletes nothing, even with `confirm=true` (the model cannot answer for the
  user). Any other client (and a 2025-11-25 client on stateless HTTP, which cannot be asked mid-call) passes
  `confirm=true`; without it nothing is deleted and the error names the loss. The result says what went and who
  agreed: `{"deleted": "the board 'Project' (id 3) with 2 stacks and 17 cards (To do, Done)", "confirmed_by":
  "user"}` (`"argument"` for `confirm=true`). One mechanism (`core/confirm.py`) serves every such tool, and sending
  an e-mail (`nc_mail_create_message`), which cannot be taken back either, asks the same way with a "Send" box;
  its result carries `confirmed_by` too.
- **Errors** are one message: what happened, then what to do next, naming a real tool. Nextcloud's own message is
  kept when it gives one. "Already exists", "changed since you read it", "not found" and "not allowed" are never
  confused. Argument errors name the argument and the rule it broke. 4xx errors never say "try again later".
- **Results** are sent once as structured content; the text copy is compact JSON.

"""

NOTES_GUIDE = """
### Notes: how writes stay safe

- `nc_notes_update_note` needs the `etag` returned by `nc_notes_get_note` (or by the previous write), or
  `force=true`. The etag is sent as a quoted `If-Match`; if the note changed meanwhile, Nextcloud answers 412
  and the tool returns a conflict error with the server's current etag, title and a diff of the content.
  Nothing is overwritten.
- `nc_notes_append_note` re-reads and retries by itself (up to 3 times) when the note changes under it.
- Read-only notes (shared read-only) give a clear "read-only" error; missing notes a "does not exist" one.
- Listing and search keep a per-user copy of the notes and refresh it with the Notes API's
  `pruneBefore`, so after the first call only changed notes are transferred.
"""


def _arguments(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    parts = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "any")
        parts.append(f"`{name}`" + ("" if name in required else "?") + f" ({kind})")
    return ", ".join(parts) or "none"


def _table(title: str, tools: list[Any]) -> str:
    from nextcloud_mcp.core.tool import hints

    rows = [f"## {title}\n\n| Tool | Hints | Arguments | What it does |\n|---|---|---|---|"]
    for tool in tools:
        effective = hints(tool.annotations)
        flags = (("RO", effective.read_only), ("D", effective.destructive), ("I", effective.idempotent))
        shown = " ".join(flag for flag, on in flags if on)
        rows.append(f"| `{tool.name}` | {shown or '-'} | {_arguments(tool.parameters)} | {tool.description} |")
    return "\n".join(rows)


def _meta_tools(catalogue: Any) -> list[Any]:
    """The `nc_toolsets_*` tools, as a server in dynamic mode registers them."""
    from nextcloud_mcp.config import load_settings
    from nextcloud_mcp.server.offer import tool_offer
    from nextcloud_mcp.server.state import AppState

    environ = {"NEXTCLOUD_HOST": "http://nc.invalid", "MCP_DYNAMIC_TOOLSETS": "true", "MCP_AUTH_MODE": "oauth"}
    settings = load_settings(environ=environ)
    _, tools = tool_offer(settings, AppState(settings, None), catalogue)
    return [tool for tool in tools if tool.name not in catalogue.apps]


def render_tools() -> str:
    from nextcloud_mcp.apps import APPS
    from nextcloud_mcp.server.catalogue import build_catalogue

    catalogue, _ = build_catalogue(APPS)
    out = [TOOLS_HEADER, _table("Toolsets (`MCP_DYNAMIC_TOOLSETS` only)", _meta_tools(catalogue))]
    for app in APPS:
        out.append(_table(app.toolset.capitalize(), [t for t in catalogue.tools if catalogue.apps[t.name] is app]))
        if app.toolset == "notes":
            out.append(NOTES_GUIDE)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    target = sys.argv[1] if len(sys.argv) > 1 else "configuration"
    print(render_configuration() if target == "configuration" else render_tools(), end="")
