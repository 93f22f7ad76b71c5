"""Bad-input fuzzing of every tool, generically from the input schema that tools/list publishes.

For each tool (all registered toolsets, so new tools are covered without changes here) hypothesis
generates `FUZZ_EXAMPLES` argument objects inside and outside the schema (`security.schema_fuzz`), and
each call must end in a clear tool error or a correct result:
- never a crash (the SDK's bare "Error executing tool X", a logged unexpected exception, a traceback),
- never a 5xx from the fake Nextcloud (a request our server should not have sent),
- never a request outside the calling user's own space (path escapes reaching another user's files),
- never a secret in an error message.
The server runs as alice with data seeded for alice and bob; transport settings are HTTP-like, so the
local-file transfer tools refuse instead of touching this machine's files.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.server.catalogue import build_catalogue
from security.schema_fuzz import arguments
from support.mcp_helpers import McpFactory, error_text

pytestmark = pytest.mark.anyio
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
TOOL_NAMES = sorted(tool.name for tool in build_catalogue()[0].tools)
SECRETS = ("alice-secret", "bob-secret")
#: 500s that are how Nextcloud itself answers a request any client must be able to send, with the source that
#: decides it. nextcloud/tables ed46be1f lib/Service/RowService.php::getRowById catches the DoesNotExistException of
#: RowSleeveMapper::find and rethrows InternalError, which Api1Controller::getRow/updateRow/deleteRow answer with
#: 500: an unknown row id cannot be told apart any other way (the server says "Row N does not exist").
UPSTREAM_500 = re.compile(r"^(GET|PUT|DELETE) /index\.php/apps/tables/api/1/rows/\d+$")
USER_SPACE = re.compile(r"^/remote\.php/dav/(?:files|trashbin|versions|uploads|calendars|addressbooks/users)/([^/]+)")


class CrashLog(logging.Handler):
    """Collects the SDK's "raised an unexpected exception" records (a tool crashed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            cause = exc.__cause__ or exc
            self.crashes.append(f"{type(cause).__name__}: {str(cause)[:200]}")


async def _seed(control: httpx2.AsyncClient) -> None:
    for user in ("alice", "bob"):
        notes = [{"title": f"{user} note {i}", "content": f"{user} text {i}", "category": "Work"} for i in range(3)]
        assert (await control.post("/__testbed__/seed/notes", json={"user": user, "notes": notes})).status_code == 201
        files = [
            {"path": "Documents/report.txt", "content": f"{user} report"},
            {"path": "Photos", "folder": True},
            {"path": "Notes/a.md", "content": "# a"},
        ]
        seeded = await control.post("/__testbed__/seed/files", json={"user": user, "files": files})
        assert seeded.status_code == 201, seeded.text


def _examples(schema: dict[str, Any]) -> list[dict[str, Any]]:
    collected: list[dict[str, Any]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(arguments(schema))
    def collect(args: dict[str, Any]) -> None:
        collected.append(args)

    collect()
    return collected


@pytest.mark.parametrize("name", TOOL_NAMES)
async def test_tool_survives_hostile_arguments(
    name: str, mcp_as: McpFactory, fake: FakeNextcloud, control: httpx2.AsyncClient
) -> None:
    await _seed(control)
    crash_log = CrashLog()
    logging.getLogger().addHandler(crash_log)
    failures: list[str] = []
    async with mcp_as("alice", all_tools=True, mcp_transport="streamable-http") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    if name not in tools:
        pytest.skip(f"{name} is not offered by the fake Nextcloud (capability-gated)")
    examples = _examples(tools[name].input_schema)
    try:
        async with mcp_as("alice", all_tools=True, mcp_transport="streamable-http") as client:
            log = fake.fake_state.request_log
            for args in examples:
                log.clear()
                crash_log.crashes.clear()
                try:
                    result = await client.call_tool(name, args)
                except Exception as exc:  # a JSON-RPC error instead of a tool result
                    failures.append(f"{args!r:.300}: raised {type(exc).__name__}: {exc!s:.200}")
                    continue
                text = error_text(result) if result.is_error else ""
                problems = []
                if crash_log.crashes:
                    problems.append(f"crash {crash_log.crashes[0]}")
                if result.is_error and (text.strip() == f"Error executing tool {name}" or "Traceback" in text):
                    problems.append(f"unclear error {text!r:.200}")
                if any(secret in text for secret in SECRETS):
                    problems.append("secret in error message")
                for record in log.records():
                    failing = record.status is not None and record.status >= int(
                        os.environ.get("FUZZ_FAIL_STATUS", "500")
                    )
                    if failing and not UPSTREAM_500.match(f"{record.method} {record.path}"):
                        problems.append(f"Nextcloud {record.status} on {record.method} {record.path}")
                    owner = USER_SPACE.match(record.path)
                    if owner and unquote(owner.group(1)) != "alice":
                        problems.append(f"request outside alice's space: {record.method} {record.path}")
                if problems:
                    failures.append(f"{args!r:.300}: {'; '.join(problems)}")
    finally:
        logging.getLogger().removeHandler(crash_log)
    if failures:  # pytest.fail, not assert: the hostile values are too deep for assertion rewriting's repr
        pytest.fail(f"{name}: {len(failures)} of {len(examples)} inputs failed:\n" + "\n".join(failures[:8]))
