"""Prompts and argument completion against the fake Nextcloud, through the official MCP client: listing, getting
with arguments, the -32602 errors, completion values fetched from Nextcloud (filtered, bounded to 100), and the
gating of prompts and resources by MCP_APPS, the installed apps and OAuth scopes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, PromptReference, ResourceTemplateReference, TextContent
from pydantic import SecretStr

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import Identity
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.access import ContentAccess
from nextcloud_mcp.server.catalogue import build_catalogue
from nextcloud_mcp.server.policy import ToolPolicy
from nextcloud_mcp.server.prompts import PROMPTS
from nextcloud_mcp.server.resources import ResourceRegistry
from nextcloud_mcp.server.state import AppState
from support.fixtures import server_env
from support.mcp_helpers import McpFactory

pytestmark = pytest.mark.anyio

EVENTS = "nextcloud://calendars/{calendar}/events{?start,end}"


async def _seed(control: httpx2.AsyncClient, path: str, body: dict[str, Any]) -> None:
    response = await control.post(f"/__testbed__/seed/{path}", json={"user": "alice", **body})
    assert response.status_code == 201, response.text


async def _text(client: Any, name: str, arguments: dict[str, str] | None = None) -> str:
    messages = (await client.get_prompt(name, arguments)).messages
    assert len(messages) == 1 and isinstance(messages[0].content, TextContent)
    text: str = messages[0].content.text
    return text


async def _invalid(call: Any) -> str:
    with pytest.raises(MCPError) as caught:
        await call
    assert caught.value.error.code == INVALID_PARAMS, caught.value.error
    message: str = caught.value.error.message
    return message


async def test_prompts_are_listed_with_described_arguments(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"weekly_review", "meeting_notes", "deck_triage"}
    required = {name: [a.name for a in p.arguments or [] if a.required] for name, p in prompts.items()}
    assert required == {"weekly_review": [], "meeting_notes": ["notes"], "deck_triage": ["board"]}
    assert all(p.title and p.description and all(a.description for a in p.arguments or []) for p in prompts.values())


async def test_a_prompt_carries_its_arguments_into_the_tool_calls(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        review = await _text(client, "weekly_review", {"week": "2026-12-03", "calendar": "Work"})
        notes = await _text(
            client, "meeting_notes", {"notes": "Ann: ship v2 by Friday", "category": "meetings", "tasklist": "Tasks"}
        )
        triage = await _text(client, "deck_triage", {"board": "Roadmap", "stack": "Inbox"})
    assert 'nc_calendar_list_events with start="2026-11-30", end="2026-12-07", calendar="Work"' in review
    assert "nc_tasks_list_tasks" in review and "nc_deck_list_cards" in review
    assert 'nc_notes_create_note with title "<topic>' in notes and 'category="meetings"' in notes
    assert 'nc_tasks_create_task for each action item, tasklist="Tasks"' in notes
    assert "<<<\nAnn: ship v2 by Friday\n>>>" in notes
    assert 'Deck board "Roadmap"' in triage and 'the stack titled "Inbox"' in triage


async def test_prompt_errors_are_invalid_params(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        unknown = await _invalid(client.get_prompt("daily_review"))
        missing = await _invalid(client.get_prompt("deck_triage", {"stack": "Inbox"}))
        extra = await _invalid(client.get_prompt("weekly_review", {"weak": "2026-12-03"}))
        bad_date = await _invalid(client.get_prompt("weekly_review", {"week": "next week"}))
    assert "Unknown prompt 'daily_review'" in unknown and "weekly_review" in unknown
    assert "deck_triage needs the argument(s) board" in missing
    assert "has no argument(s) weak" in extra and "week, calendar, board" in extra
    assert "'next week' is not a date" in bad_date


async def test_prompts_follow_the_served_and_installed_apps(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice", mcp_apps="calendar,deck") as client:
        served = {p.name for p in (await client.list_prompts()).prompts}
        no_notes = await _invalid(client.get_prompt("meeting_notes", {"notes": "x"}))
    assert served == {"weekly_review", "deck_triage"}
    assert "not available: it needs nc_notes_create_note" in no_notes and "MCP_APPS" in no_notes
    assert (await control.post("/__testbed__/apps", json={"disable": ["deck"]})).status_code == 200
    async with mcp_as("alice") as client:
        installed = {p.name for p in (await client.list_prompts()).prompts}
        no_deck = await _invalid(client.get_prompt("deck_triage", {"board": "Roadmap"}))
        board = await client.complete(PromptReference(name="weekly_review"), {"name": "board", "value": ""})
    assert installed == {"weekly_review", "meeting_notes"}
    assert "deck app is not installed" in no_deck
    assert board.completion.values == []


async def test_tool_settings_hide_what_needs_the_excluded_tools_and_dynamic_toolsets_do_not(mcp_as: McpFactory) -> None:
    async with mcp_as("alice", mcp_read_only="true") as client:
        read_only = {p.name for p in (await client.list_prompts()).prompts}
        refused = await _invalid(client.get_prompt("deck_triage", {"board": "Roadmap"}))
        templates = len((await client.list_resource_templates()).resource_templates)
    assert read_only == {"weekly_review"} and templates == 5
    assert "it needs nc_deck_assign_card, which is not available" in refused
    async with mcp_as("alice", mcp_tools_deny="nc_notes_get_note") as client:
        uris = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        denied = await _invalid(client.read_resource("nextcloud://notes/1"))
    assert "nextcloud://notes/{note_id}" not in uris and "nextcloud://files/{+path}" in uris
    assert "nextcloud://notes/1 is not available" in denied
    async with mcp_as("alice", mcp_dynamic_toolsets="true") as client:  # the caller's tools, not the session's
        dynamic = {p.name for p in (await client.list_prompts()).prompts}
        templates = len((await client.list_resource_templates()).resource_templates)
    assert dynamic == {"weekly_review", "meeting_notes", "deck_triage"} and templates == 5


async def test_completion_values_come_from_nextcloud(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    notes = [{"title": "a", "category": "work"}, {"title": "b", "category": "Work/ideas"}, {"title": "c"}]
    await _seed(control, "notes", {"notes": [*notes, {"title": "d", "category": "home"}]})
    await _seed(control, "calendars", {"calendars": [{"uri": "team", "name": "Team Ops"}]})
    await _seed(control, "deck", {"boards": [{"title": "Roadmap"}, {"title": "Recipes"}, {"title": "Home"}]})
    await _seed(
        control, "files", {"files": [{"path": "Docs/Q1.md", "content": "x"}, {"path": "Docs/Old/a.md", "content": "y"}]}
    )

    async def complete(ref: Any, name: str, value: str, **chosen: str) -> list[str]:
        result = await client.complete(ref, {"name": name, "value": value}, chosen or None)
        values: list[str] = result.completion.values
        return values

    async with mcp_as("alice") as client:
        categories = await complete(PromptReference(name="meeting_notes"), "category", "wo")
        calendars = await complete(PromptReference(name="weekly_review"), "calendar", "t")
        boards = await complete(PromptReference(name="deck_triage"), "board", "R")
        tasklists = await complete(PromptReference(name="meeting_notes"), "tasklist", "")
        in_template = await complete(ResourceTemplateReference(uri=EVENTS), "calendar", "")
        paths = await complete(ResourceTemplateReference(uri="nextcloud://files/{+path}"), "path", "Docs/")
        books = await complete(
            ResourceTemplateReference(uri="nextcloud://contacts/{addressbook}/{contact_id}"), "addressbook", "c"
        )
        free_text = await complete(PromptReference(name="meeting_notes"), "notes", "")
    assert categories == ["Work/ideas", "work"]
    assert calendars == ["Team Ops", "team"]
    assert sorted(boards) == ["Recipes", "Roadmap"]
    assert tasklists == ["Team Ops", "team"]  # the calendars holding tasks
    assert {"Personal", "Team Ops"} <= set(in_template)
    assert paths == ["Docs/Old/", "Docs/Q1.md"]
    assert books == ["Contacts"]
    assert free_text == []


async def test_completion_is_bounded_to_100(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "deck", {"boards": [{"title": f"Board {i:03}"} for i in range(120)]})
    async with mcp_as("alice") as client:
        result = (
            await client.complete(PromptReference(name="deck_triage"), {"name": "board", "value": "b"})
        ).completion
    assert len(result.values) == 100 and result.total == 120 and result.has_more is True


async def test_completion_of_unknown_prompts_and_templates_is_invalid_params(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        prompt = await _invalid(client.complete(PromptReference(name="nope"), {"name": "x", "value": ""}))
        template = await _invalid(
            client.complete(ResourceTemplateReference(uri="nextcloud://mail/{id}"), {"name": "id", "value": ""})
        )
    assert "Unknown prompt 'nope'" in prompt
    assert "Unknown resource template 'nextcloud://mail/{id}'" in template


@contextmanager
def _caller(scopes: frozenset[str]) -> Iterator[None]:
    """Run as the SDK's auth context would after the OAuth gate validated a token with `scopes`."""
    identity = Identity(subject="alice", issuer="https://idp", client_id="c", scopes=scopes)
    reset = auth_context_var.set(AuthenticatedUser(identity.access_token("t")))
    try:
        yield
    finally:
        auth_context_var.reset(reset)


async def test_oauth_scopes_limit_resources_prompts_and_values(fake: FakeNextcloud) -> None:
    settings = load_settings(environ=server_env("alice"))
    credentials = BasicCredentials("alice", SecretStr("alice-secret"))
    state = AppState(settings, credentials, transport=httpx2.ASGITransport(app=fake))
    catalogue, _ = build_catalogue()
    policy = ToolPolicy(state, catalogue.apps, catalogue.read_only, require_scopes=True)
    access = ContentAccess(policy, catalogue.apps, {p.name: p for p in PROMPTS})
    registry = ResourceRegistry(list({app.id: app for app in catalogue.apps.values()}.values()))
    notes, files = (registry.templates[t] for t in ("nextcloud://notes/{note_id}", "nextcloud://files/{+path}"))
    meeting_notes = access.prompts["meeting_notes"]
    async with state.running():
        with _caller(frozenset({"files:read", "notes:read"})):
            assert await access.template_reason(notes) is None and await access.template_reason(files) is None
            why = await access.prompt_reason(meeting_notes)
            assert why is not None and "lacks the notes:write scope" in why
            assert await access.app_reason(notes.app) is None
        with _caller(frozenset({"notes:write"})):
            assert await access.prompt_reason(meeting_notes) is None
            assert await access.template_reason(notes) is None  # write implies read
            files_why = await access.template_reason(files)
            assert files_why is not None and "lacks the files:read scope" in files_why
            assert [app.id for app in await access.listing_apps([notes, files])] == ["notes"]
