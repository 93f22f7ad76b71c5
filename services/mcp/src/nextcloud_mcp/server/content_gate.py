"""`ContentGate`: resources and prompts for the current caller, as `ToolGate` does for tools.

- `resources/list`: the concrete resources of the apps the caller may read (each app's bounded listing), paged
  with the SDK's cursor (`PAGE_SIZE` per page; a cursor this server did not send is invalid params).
- `resources/templates/list` and `prompts/list`: only what the caller may use.
- `resources/read`: a URI of an app the caller may not read is refused before anything is sent to Nextcloud; a
  reader's MIME type (`ReadReport`) replaces the template's on the result.
- `prompts/get`: an unknown or unavailable prompt, a missing required argument or an unknown one is invalid params
  (-32602) with a clear message; the SDK would answer error code 0 and log a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, Resource
from pydantic import BaseModel

from nextcloud_mcp.server.access import ContentAccess
from nextcloud_mcp.server.readers import read_report
from nextcloud_mcp.server.resources import ResourceRegistry
from nextcloud_mcp.server.state import AppState

__all__ = ["PAGE_SIZE", "ContentGate"]

PAGE_SIZE = 50


def _as_dict(result: HandlerResult) -> dict[str, Any]:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dict(result or {})


def _invalid(message: str, **data: Any) -> MCPError:
    return MCPError(code=INVALID_PARAMS, message=message, data=data or None)


def _offset(cursor: object) -> int:
    if cursor is None:
        return 0
    if not isinstance(cursor, str) or not cursor.isdigit():
        raise _invalid(f"The cursor {cursor!r} is not a nextCursor of resources/list; omit it to start over.")
    return int(cursor)


class ContentGate:
    """MCP server middleware for resources and prompts (see the module docstring)."""

    def __init__(self, registry: ResourceRegistry, access: ContentAccess, state: AppState) -> None:
        self._registry = registry
        self._access = access
        self._state = state

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params: Mapping[str, Any] = ctx.params or {}
        if ctx.method == "resources/list":
            return await self._list(params, ctx, call_next)
        if ctx.method == "resources/templates/list":
            return await self._templates(await call_next(ctx))
        if ctx.method == "resources/read":
            return await self._read(params, ctx, call_next)
        if ctx.method == "prompts/list":
            return await self._prompts(await call_next(ctx))
        if ctx.method == "prompts/get":
            await self._check_prompt(params)
        return await call_next(ctx)

    async def _list(
        self, params: Mapping[str, Any], ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        offset = _offset(params.get("cursor"))
        result = _as_dict(await call_next(ctx))
        apps = await self._access.listing_apps(list(self._registry.templates.values()))
        listed = await self._registry.listed(self._state.session(), apps)
        every = list(result.get("resources") or []) + [
            Resource(
                uri=item.uri,
                name=item.name,
                title=item.title,
                description=item.description,
                mime_type=item.mime_type,
                size=item.size,
            ).model_dump(mode="json", by_alias=True, exclude_none=True)
            for item in listed
        ]
        end = offset + PAGE_SIZE
        result["resources"] = every[offset:end]
        result.pop("nextCursor", None)
        if end < len(every):  # absent on the last page (a null would fail strict clients' schemas)
            result["nextCursor"] = str(end)
        return result

    async def _templates(self, result: HandlerResult) -> HandlerResult:
        data = _as_dict(result)
        kept = []
        for item in data.get("resourceTemplates") or []:
            registered = self._registry.templates.get(item.get("uriTemplate"))
            if registered is None:
                kept.append(item)
                continue
            if await self._access.template_reason(registered) is not None:
                continue
            if registered.template.mime_type is None:  # each read names its own (the SDK lists text/plain)
                item = {k: v for k, v in item.items() if k != "mimeType"}
            kept.append(item)
        data["resourceTemplates"] = kept
        return data

    async def _read(
        self, params: Mapping[str, Any], ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        uri = params.get("uri")
        registered = self._registry.template_of(uri) if isinstance(uri, str) else None
        if registered is None:
            templates = ", ".join(self._registry.templates) or "none"
            raise _invalid(f"Unknown resource {uri!r}; this server's URI templates: {templates}.", uri=uri)
        if (why := await self._access.template_reason(registered)) is not None:
            raise _invalid(f"{uri} is not available: {why}.", uri=uri)
        with read_report() as report:
            result = await call_next(ctx)
        if report.mime_type is None:
            return result
        data = _as_dict(result)
        data["contents"] = [{**item, "mimeType": report.mime_type} for item in data.get("contents") or []]
        return data

    async def _prompts(self, result: HandlerResult) -> HandlerResult:
        data = _as_dict(result)
        kept = []
        for item in data.get("prompts") or []:
            spec = self._access.prompts.get(item.get("name"))
            if spec is None or await self._access.prompt_reason(spec) is None:
                kept.append(item)
        data["prompts"] = kept
        return data

    async def _check_prompt(self, params: Mapping[str, Any]) -> None:
        name = params.get("name")
        spec = self._access.prompts.get(name) if isinstance(name, str) else None
        if spec is None:
            names = ", ".join(sorted(self._access.prompts)) or "none"
            raise _invalid(f"Unknown prompt {name!r}; this server's prompts are: {names} (prompts/list).")
        why = await self._access.prompt_reason(spec)
        if why is not None:
            raise _invalid(f"The prompt {name} is not available: {why}.")
        arguments = params.get("arguments") or {}
        declared = spec.arguments()
        missing = sorted(a for a, required in declared.items() if required and a not in arguments)
        unknown = sorted(set(arguments) - set(declared))
        if missing:
            raise _invalid(f"The prompt {name} needs the argument(s) {', '.join(missing)}.")
        if unknown:
            raise _invalid(
                f"The prompt {name} has no argument(s) {', '.join(unknown)}; its arguments: {', '.join(declared)}."
            )
