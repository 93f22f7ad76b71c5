"""The official MCP conformance suite (npm `@modelcontextprotocol/conformance`, both pinned releases) against the
server over streamable HTTP, stateful and stateless, in front of the fake Nextcloud.

Every scenario that applies passes; the others need the suite's own reference server and are listed, with the
reason, in `scenarios.py` and docs/testing.md. In every scenario the server's messages are valid per the spec's
JSON schema (the 0.2 suite's `wire-schema-valid` check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance_mcp.conftest import MODES, Results
from conformance_mcp.scenarios import APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE_CHECKS, SCENARIOS, WIRE_CHECK
from support.conformance_suite import SUITES, Check, Suite, listed_scenarios

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
SUITE_BY_PACKAGE = {suite.package: suite for suite in SUITES}


def _failed(checks: list[Check], *, only: str | None = None) -> list[str]:
    return [
        f"{c['id']}: {c.get('errorMessage') or c.get('description')}"
        for c in checks
        if c.get("status") == "FAILURE" and c["id"] not in NOT_APPLICABLE_CHECKS and (only is None or c["id"] == only)
    ]


@pytest.mark.parametrize(
    ("package", "scenario"),
    [(package, scenario) for package, names in APPLICABLE.items() for scenario in sorted(names)],
)
@pytest.mark.parametrize("mode", list(MODES))
def test_applicable_scenario_passes(conformance_results: Results, mode: str, package: str, scenario: str) -> None:
    results = conformance_results(mode, SUITE_BY_PACKAGE[package])
    assert scenario in results, f"the suite ran no {scenario!r}; it ran {sorted(results)}"
    checks = results[scenario]
    assert checks, f"{scenario}: no checks"
    assert not _failed(checks), f"{scenario} ({mode}):\n" + "\n".join(_failed(checks))


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.package)
@pytest.mark.parametrize("mode", list(MODES))
def test_every_message_the_server_sends_is_valid_in_every_scenario(
    conformance_results: Results, mode: str, suite: Suite
) -> None:
    """Also in the scenarios that do not apply: answering "unknown tool" or "method not found" must be valid too."""
    results = conformance_results(mode, suite)
    wrong = {scenario: _failed(checks, only=WIRE_CHECK) for scenario, checks in results.items()}
    assert not {k: v for k, v in wrong.items() if v}


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.package)
def test_every_scenario_of_the_pinned_suite_is_classified(conformance_suite: None, suite: Suite) -> None:
    """A new release of the suite (a changed pin) must have each new scenario sorted into applicable or not."""
    assert suite.installed(), f"{suite.package} {suite.pinned} is not installed"
    assert listed_scenarios(suite) == SCENARIOS[suite.package]


def test_scenarios_that_do_not_apply_are_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in sorted(NOT_APPLICABLE) if f"`{name}`" not in text]
    assert not missing, f"docs/testing.md does not list {missing}"
    for suite in SUITES:
        assert suite.pinned in text, f"docs/testing.md does not name the pinned {suite.package} {suite.pinned}"
