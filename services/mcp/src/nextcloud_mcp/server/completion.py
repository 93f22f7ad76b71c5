"""`completion/complete`: values for a prompt argument or a template variable, fetched from Nextcloud through the
app that offers them (its value source), filtered by the typed prefix and bounded to `MAX_VALUES`.

An unknown (or, for this caller, unavailable) prompt or template is invalid params (-32602); an argument without a
value source, or whose app the caller may not read, completes to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from nextcloud_mcp.core.errors import NextcloudMCPError
from nextcloud_mcp.server.access import ContentAccess
from nextcloud_mcp.server.readers import reader_error
from nextcloud_mcp.server.resources import ResourceRegistry
from nextcloud_mcp.server.state import AppState

__all__ = ["MAX_VALUES", "Completer", "matching"]

MAX_VALUES = 100  # the most values one completion may carry (MCP spec, completion/complete)


def matching(values: Iterable[str], prefix: str) -> list[str]:
    """The distinct values that start with `prefix`, ignoring case, in their given order."""
    folded = prefix.casefold()
    seen: set[str] = set()
    hits = []
    for value in values:
        if value.casefold().startswith(folded) and value not in seen:
            seen.add(value)
            hits.append(value)
    return hits


class Completer:
    """The server's completion handler (registered with `MCPServer.completion()`)."""

    def __init__(self, registry: ResourceRegistry, access: ContentAccess, state: AppState) -> None:
        self._registry = registry
        self._access = access
        self._state = state

    async def __call__(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        source = await self._source(ref, argument.name)
        found = self._registry.source(source) if source is not None else None
        if found is None or await self._access.app_reason(found[0]) is not None:
            return Completion(values=[], total=0, has_more=False)
        chosen = dict(context.arguments or {}) if context is not None else {}
        try:
            values = await found[1](self._state.session(), argument.value, chosen)
        except NextcloudMCPError as exc:
            raise reader_error(exc) from exc
        hits = matching(values, argument.value)
        return Completion(values=hits[:MAX_VALUES], total=len(hits), has_more=len(hits) > MAX_VALUES)

    async def _source(self, ref: PromptReference | ResourceTemplateReference, argument: str) -> str | None:
        """The value source of `argument` of the prompt or template `ref`."""
        if isinstance(ref, PromptReference):
            spec = self._access.prompts.get(ref.name)
            if spec is None or await self._access.prompt_reason(spec) is not None:
                raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt {ref.name!r}; prompts/list lists them.")
            return spec.complete.get(argument)
        uri = ref.uri
        registered = self._registry.templates.get(uri)
        if registered is None or await self._access.template_reason(registered) is not None:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown resource template {uri!r}; resources/templates/list lists them.",
            )
        return registered.template.complete.get(argument)
