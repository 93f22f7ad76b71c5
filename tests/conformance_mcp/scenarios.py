"""Which scenarios of the official MCP conformance suite apply to this server, and why the others do not.

The suite's server scenarios expect the suite's own reference server ("everything server"): tools named
`test_simple_text`, `test_error_handling`, …, resources under `test://`, prompts named `test_*`. This server
offers Nextcloud's tools, resources and prompts instead, so those scenarios cannot pass here, whatever the server
does right; they are listed below with the reason, and docs/testing.md repeats the list. Every other scenario
applies and must pass (a WARNING, a SHOULD the suite could not see met, is reported but does not fail).

`tools-call-simple-text` and `tools-call-error` happen to "pass" against any server: they only check that the
answer to an unknown tool carries text (and `isError`). They are listed as not applicable all the same.
"""

from __future__ import annotations

__all__ = [
    "APPLICABLE",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_CHECKS",
    "SCENARIOS",
    "WIRE_CHECK",
]

#: The check the 0.2 suite adds to most scenarios: every JSON-RPC message the server sent is valid per the spec's
#: JSON schema for the negotiated revision. It must pass in every scenario, applicable or not.
WIRE_CHECK = "wire-schema-valid"

_REFERENCE_TOOL = "calls the suite's reference tool `{}`, which only the suite's own test server has"
_REFERENCE_PROMPT = "gets the suite's reference prompt `{}`, which only the suite's own test server has"
_REFERENCE_RESOURCE = "reads the suite's reference resource `{}`, which only the suite's own test server has"
_MRTR = (
    "calls the suite's reference tool `{}`; this server's own InputRequiredResult elicitation (the confirmation "
    "of destructive tools) is tested in tests/integration/test_confirmations.py"
)
_TASKS = "the tasks extension (SEP-2663), which this server does not offer"
_SKILLS = "the skills extension (SEP-2640), which this server does not offer (the suite skips every check)"

NOT_APPLICABLE: dict[str, str] = {
    "logging-set-level": (
        "the server declares no `logging` capability (deprecated as of 2026-07-28, SEP-2577; it logs to its own "
        "log), so `logging/setLevel` is answered -32601 Method not found, as the spec says"
    ),
    "tools-call-with-logging": _REFERENCE_TOOL.format("test_tool_with_logging") + "; and no `logging` capability",
    "completion-complete": _REFERENCE_PROMPT.format("test_prompt_with_arguments") + " (completion/complete of it)",
    "tools-call-simple-text": _REFERENCE_TOOL.format("test_simple_text"),
    "tools-call-image": _REFERENCE_TOOL.format("test_image_content"),
    "tools-call-audio": _REFERENCE_TOOL.format("test_audio_content"),
    "tools-call-embedded-resource": _REFERENCE_TOOL.format("test_embedded_resource"),
    "tools-call-mixed-content": _REFERENCE_TOOL.format("test_multiple_content_types"),
    "tools-call-error": _REFERENCE_TOOL.format("test_error_handling"),
    "tools-call-with-progress": _REFERENCE_TOOL.format("test_tool_with_progress"),
    "tools-call-sampling": _REFERENCE_TOOL.format("test_sampling"),
    "tools-call-elicitation": _REFERENCE_TOOL.format("test_elicitation"),
    "elicitation-sep1034-defaults": _REFERENCE_TOOL.format("test_elicitation_sep1034_defaults"),
    "elicitation-sep1330-enums": _REFERENCE_TOOL.format("test_elicitation_sep1330_enums"),
    "json-schema-2020-12": _REFERENCE_TOOL.format("json_schema_2020_12_tool"),
    "server-sse-polling": (
        _REFERENCE_TOOL.format("test_reconnection")
        + "; resuming a stream needs an event store, which the server does not configure"
    ),
    "resources-read-text": _REFERENCE_RESOURCE.format("test://static-text"),
    "resources-read-binary": _REFERENCE_RESOURCE.format("test://static-binary"),
    "resources-templates-read": _REFERENCE_RESOURCE.format("test://template/{id}/data"),
    "resources-subscribe": (
        "the server does not offer resource subscriptions (`resources.subscribe` is false), so "
        "`resources/subscribe` is answered -32601 Method not found; and `test://watched-resource` is the suite's"
    ),
    "resources-unsubscribe": "as resources-subscribe",
    "prompts-get-simple": _REFERENCE_PROMPT.format("test_simple_prompt"),
    "prompts-get-with-args": _REFERENCE_PROMPT.format("test_prompt_with_arguments"),
    "prompts-get-embedded-resource": _REFERENCE_PROMPT.format("test_prompt_with_embedded_resource"),
    "prompts-get-with-image": _REFERENCE_PROMPT.format("test_prompt_with_image"),
    "http-custom-header-server-validation": (
        "needs a tool whose input schema maps an argument to an HTTP header (`x-mcp-header`, SEP-2243); no tool "
        "of this server does"
    ),
    "input-required-result-basic-elicitation": _MRTR.format("test_input_required_result_elicitation"),
    "input-required-result-basic-sampling": _MRTR.format("test_input_required_result_sampling"),
    "input-required-result-basic-list-roots": _MRTR.format("test_input_required_result_list_roots"),
    "input-required-result-request-state": _MRTR.format("test_input_required_result_request_state"),
    "input-required-result-multiple-input-requests": _MRTR.format("test_input_required_result_multiple_inputs"),
    "input-required-result-multi-round": _MRTR.format("test_input_required_result_multi_round"),
    "input-required-result-missing-input-response": _MRTR.format("test_input_required_result_elicitation"),
    "input-required-result-non-tool-request": _REFERENCE_PROMPT.format("test_input_required_result_prompt"),
    "input-required-result-result-type": _MRTR.format("test_input_required_result_elicitation"),
    "input-required-result-tampered-state": _MRTR.format("test_input_required_result_tampered_state"),
    "input-required-result-capability-check": _MRTR.format("test_input_required_result_capabilities"),
    "input-required-result-ignore-extra-params": _MRTR.format("test_input_required_result_elicitation"),
    "input-required-result-validate-input": _MRTR.format("test_input_required_result_elicitation"),
    "sep-2640-skills-directory": _SKILLS,
    "sep-2640-skills-enumeration": _SKILLS,
    "sep-2640-skills-manifest": _SKILLS,
    "tasks-lifecycle": _TASKS,
    "tasks-capability-negotiation": _TASKS,
    "tasks-wire-fields": _TASKS,
    "tasks-request-state-removal": _TASKS,
    "tasks-mrtr-input": _TASKS,
    "tasks-request-headers": _TASKS,
    "tasks-dispatch-and-envelope": _TASKS,
    "tasks-status-notifications": _TASKS,
    "tasks-required-task-error": _TASKS,
    "tasks-mrtr-composition": _TASKS,
}

#: Checks, inside applicable scenarios, that need one of the suite's reference fixtures.
NOT_APPLICABLE_CHECKS: dict[str, str] = {
    "sep-2575-server-rejects-undeclared-capability": _REFERENCE_TOOL.format("test_missing_capability"),
    "sep-2575-missing-capability-http-400": _REFERENCE_TOOL.format("test_missing_capability"),
}

#: The server scenarios of each pinned release of the suite (`conformance list --server`).
_STABLE = {
    "server-initialize",
    "logging-set-level",
    "ping",
    "completion-complete",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-embedded-resource",
    "tools-call-mixed-content",
    "tools-call-with-logging",
    "tools-call-error",
    "tools-call-with-progress",
    "tools-call-sampling",
    "tools-call-elicitation",
    "json-schema-2020-12",
    "elicitation-sep1034-defaults",
    "server-sse-polling",
    "server-sse-multiple-streams",
    "elicitation-sep1330-enums",
    "resources-list",
    "resources-read-text",
    "resources-read-binary",
    "resources-templates-read",
    "resources-subscribe",
    "resources-unsubscribe",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "prompts-get-embedded-resource",
    "prompts-get-with-image",
    "dns-rebinding-protection",
}
_NEXT = _STABLE | {
    "server-session-lifecycle",
    "server-stateless",
    "sep-2164-resource-not-found",
    "caching",
    "http-header-validation",
    "http-custom-header-server-validation",
    "input-required-result-basic-elicitation",
    "input-required-result-basic-sampling",
    "input-required-result-basic-list-roots",
    "input-required-result-request-state",
    "input-required-result-multiple-input-requests",
    "input-required-result-multi-round",
    "input-required-result-missing-input-response",
    "input-required-result-non-tool-request",
    "input-required-result-result-type",
    "input-required-result-unsupported-methods",
    "input-required-result-tampered-state",
    "input-required-result-capability-check",
    "input-required-result-ignore-extra-params",
    "input-required-result-validate-input",
    "sep-2640-skills-directory",
    "sep-2640-skills-enumeration",
    "sep-2640-skills-manifest",
    "tasks-lifecycle",
    "tasks-capability-negotiation",
    "tasks-wire-fields",
    "tasks-request-state-removal",
    "tasks-mrtr-input",
    "tasks-request-headers",
    "tasks-dispatch-and-envelope",
    "tasks-status-notifications",
    "tasks-required-task-error",
    "tasks-mrtr-composition",
}
SCENARIOS: dict[str, frozenset[str]] = {
    "@modelcontextprotocol/conformance": frozenset(_STABLE),
    "conformance-next": frozenset(_NEXT),
}
APPLICABLE: dict[str, frozenset[str]] = {
    package: frozenset(names - NOT_APPLICABLE.keys()) for package, names in SCENARIOS.items()
}
