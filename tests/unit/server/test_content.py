"""The resource and prompt declarations hold together: every template's reader takes exactly the template's
variables, every named function exists, every template is gated by a real read-only tool of its app, every value
source a template or prompt names is offered by an app, and every tool a prompt names exists."""

from __future__ import annotations

import inspect
import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from mcp.shared.uri_template import UriTemplate

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.core.resource import Template
from nextcloud_mcp.server.catalogue import build_catalogue
from nextcloud_mcp.server.completion import matching
from nextcloud_mcp.server.prompts import PROMPTS, PromptSpec
from nextcloud_mcp.server.readers import function_of
from nextcloud_mcp.server.resources import Registered, ResourceRegistry

CATALOGUE, _ = build_catalogue()
REGISTRY = ResourceRegistry(APPS)
TEMPLATES = list(REGISTRY.templates.values())
SOURCES = {name for app in APPS if app.resources for name in app.resources.values}


def test_the_expected_templates_are_declared() -> None:
    assert set(REGISTRY.templates) == {
        "nextcloud://notes/{note_id}",
        "nextcloud://files/{+path}",
        "nextcloud://calendars/{calendar}/events{?start,end}",
        "nextcloud://contacts/{addressbook}/{contact_id}",
        "nextcloud://deck/boards/{board}",
    }


@pytest.mark.parametrize("registered", TEMPLATES, ids=lambda r: r.template.name)
def test_a_reader_takes_the_template_variables(registered: Registered) -> None:
    template = registered.template
    parsed = UriTemplate.parse(template.uri_template)
    params = inspect.signature(function_of(registered.module, template.reader)).parameters
    assert next(iter(params)) == "ctx"
    assert set(params) - {"ctx"} == set(parsed.variable_names)
    for name in parsed.variable_names:
        optional = params[name].default is not inspect.Parameter.empty
        assert optional == (name in parsed.query_variable_names), name
    assert template.uri_template.startswith(f"nextcloud://{template.uri_template.split('/')[2]}/")


@pytest.mark.parametrize("registered", TEMPLATES, ids=lambda r: r.template.name)
def test_a_template_is_gated_by_a_read_only_tool_of_its_app(registered: Registered) -> None:
    tool = registered.template.tool
    assert CATALOGUE.apps[tool].id == registered.app.id
    assert CATALOGUE.read_only[tool]
    assert set(registered.template.complete.values()) <= SOURCES


def test_every_declared_function_exists() -> None:
    for app in APPS:
        if app.resources is None:
            continue
        names = [app.resources.listing] if app.resources.listing else []
        for name in [*names, *app.resources.values.values()]:
            assert inspect.iscoroutinefunction(function_of(app.resources.module, name)), (app.id, name)


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("nextcloud://files/{+path}", {"path": "Docs/Q1 report (final).md"}),
        ("nextcloud://calendars/{calendar}/events{?start,end}", {"calendar": "Team / Ops", "start": "2026-12-01"}),
        ("nextcloud://contacts/{addressbook}/{contact_id}", {"addressbook": "Büro", "contact_id": "a@b.example"}),
    ],
)
def test_uris_made_for_listings_match_their_template(template: str, values: dict[str, str]) -> None:
    uri = REGISTRY.templates[template].template.uri(**values)
    assert UriTemplate.parse(template).match(uri) == values
    assert REGISTRY.template_of(uri) is REGISTRY.templates[template]


def test_a_file_uri_keeps_hash_and_question_marks_once_quoted() -> None:
    template = REGISTRY.templates["nextcloud://files/{+path}"].template
    uri = template.uri(path=quote("Docs/a b#1?.txt", safe="/"))
    assert uri == "nextcloud://files/Docs/a%20b%231%3F.txt"
    assert UriTemplate.parse(template.uri_template).match(uri) == {"path": "Docs/a b#1?.txt"}


def test_a_uri_of_no_template_belongs_to_none() -> None:
    assert REGISTRY.template_of("nextcloud://mail/1") is None
    assert REGISTRY.template_of("file:///etc/passwd") is None


def test_two_apps_cannot_declare_the_same_template() -> None:
    notes = next(app for app in APPS if app.id == "notes")
    assert notes.resources is not None
    clash = replace(notes, id="other", resources=replace(notes.resources, values={}))
    with pytest.raises(ValueError, match="resource template"):
        ResourceRegistry([notes, clash])


def _tool_names_in(text: str) -> set[str]:
    return set(re.findall(r"\bnc_[a-z]+_[a-z_]+[a-z]\b", text))


@pytest.mark.parametrize("spec", PROMPTS, ids=lambda s: s.name)
def test_a_prompt_names_only_real_tools_and_needs_some_it_names(spec: PromptSpec) -> None:
    required = {name: "x" for name, needed in spec.arguments().items() if needed}
    everything = {name: "2026-12-02" if name == "week" else "x" for name in spec.arguments()}
    named = _tool_names_in(spec.fn(**required)) | _tool_names_in(spec.fn(**everything))
    assert named <= set(CATALOGUE.apps), sorted(named - set(CATALOGUE.apps))
    assert set(spec.tools) <= named
    assert set(spec.complete) <= set(spec.arguments())
    assert set(spec.complete.values()) <= SOURCES
    prompt = spec.prompt()
    assert all(arg.description for arg in prompt.arguments or [])


def test_the_weekly_review_covers_monday_to_sunday() -> None:
    text = PROMPTS[0].fn(week="2026-12-03")
    assert 'start="2026-11-30", end="2026-12-07"' in text and "2026-12-06" in text


def test_completion_keeps_prefix_matches_in_order_without_repeats() -> None:
    values = ["Work", "personal", "Workshop", "work", "Work", "Home"]
    assert matching(values, "wo") == ["Work", "Workshop", "work"]
    assert matching(values, "") == ["Work", "personal", "Workshop", "work", "Home"]
    assert matching(values, "x") == []


def test_a_template_expands_without_its_unset_query_variables() -> None:
    events = Template("nextcloud://calendars/{calendar}/events{?start,end}", "e", "E", "", None, "t", "r")
    assert events.uri(calendar="personal") == "nextcloud://calendars/personal/events"
