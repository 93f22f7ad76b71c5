"""Resources, prompts and completion over a real stdio connection (the JSON-RPC wire, not the in-memory client):
an unknown prompt or resource is error -32602 on the wire, where the SDK alone answers code 0."""

from __future__ import annotations

import os

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, PromptReference, TextResourceContents

from e2e.conftest import server_argv, server_env

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


async def test_stdio_reads_a_note_and_answers_unknown_names_with_invalid_params(
    fake_url: str, fake: httpx2.Client
) -> None:
    seeded = fake.post(
        "/__testbed__/seed/notes", json={"user": "bob", "notes": [{"title": "Plan", "category": "work"}]}
    )
    assert seeded.status_code == 201, seeded.text
    note = seeded.json()["notes"][0]
    argv = server_argv()
    params = StdioServerParameters(command=argv[0], args=argv[1:], env={**os.environ, **server_env(fake_url, "bob")})
    async with Client(stdio_client(params)) as client:
        listed = [r.uri for r in (await client.list_resources()).resources]
        read = (await client.read_resource(f"nextcloud://notes/{note['id']}")).contents[0]
        category = await client.complete(PromptReference(name="meeting_notes"), {"name": "category", "value": "w"})
        errors = []
        for call in (client.get_prompt("no_such_prompt"), client.read_resource("nextcloud://notes/999999")):
            with pytest.raises(MCPError) as caught:
                await call
            errors.append((caught.value.error.code, caught.value.error.message))
    assert f"nextcloud://notes/{note['id']}" in listed
    assert isinstance(read, TextResourceContents) and read.mime_type == "text/markdown"
    assert category.completion.values == ["work"]
    assert [code for code, _ in errors] == [INVALID_PARAMS, INVALID_PARAMS]
    assert "Unknown prompt 'no_such_prompt'" in errors[0][1] and "999999" in errors[1][1]
