"""How an app declares its tools: the `tool` decorator (a `ToolSpec`, nothing registered), and how a tool reaches
the caller's Nextcloud (`session(ctx)`) and the server's settings (`settings(ctx)`).

Registration, error mapping, metrics and the per-caller policy are the server's (`nextcloud_mcp.server`); app
modules only describe their tools here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from mcp.server.mcpserver import Context
from mcp.types import ToolAnnotations
from pydantic import BaseModel

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.session import NextcloudSession, ServerState

__all__ = [
    "Hints",
    "Item",
    "ToolSpec",
    "capabilities",
    "compact",
    "hints",
    "notes",
    "session",
    "settings",
    "spawn",
    "tell",
    "tool",
]

P = ParamSpec("P")
R = TypeVar("R")

Item = dict[str, Any]  # a loose result object (keys documented per app) that keeps tools/list small


@dataclass(frozen=True)
class ToolSpec:
    """A tool before registration. `app` is the capability that must be present for it to be listed."""

    fn: Callable[..., Awaitable[Any]]
    name: str
    title: str
    description: str
    annotations: ToolAnnotations
    app: str


def tool(
    name: str,
    title: str,
    description: str,
    *,
    app: str,
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = False,
) -> Callable[[Callable[P, Awaitable[R]]], ToolSpec]:
    """Describe an async function as a tool (the server wraps and registers it).

    The annotations carry only what differs from the MCP defaults (`readOnlyHint` false, `destructiveHint` true,
    `idempotentHint` false, `openWorldHint` true): every byte of `tools/list` is in every conversation.
    `destructiveHint` and `idempotentHint` only mean something for tools that are not read-only."""
    annotations = ToolAnnotations(
        read_only_hint=True if read_only else None,
        destructive_hint=None if read_only or destructive else False,
        idempotent_hint=True if idempotent and not read_only else None,
        open_world_hint=False,
    )

    def decorate(fn: Callable[P, Awaitable[R]]) -> ToolSpec:
        return ToolSpec(fn, name, title, description, annotations, app)

    return decorate


@dataclass(frozen=True)
class Hints:
    """What a tool's annotations mean, with the MCP defaults applied (a read-only tool changes nothing, so it
    is neither destructive nor anything but idempotent)."""

    read_only: bool
    destructive: bool
    idempotent: bool


def hints(annotations: ToolAnnotations | None) -> Hints:
    """The effective hints of `annotations` (MCP defaults: not read-only, destructive, not idempotent)."""
    if annotations is None:
        return Hints(read_only=False, destructive=True, idempotent=False)
    read_only = bool(annotations.read_only_hint)
    if read_only:
        return Hints(read_only=True, destructive=False, idempotent=True)
    destructive = annotations.destructive_hint is not False
    return Hints(read_only=False, destructive=destructive, idempotent=bool(annotations.idempotent_hint))


def _state(ctx: Context) -> ServerState:
    state = ctx.request_context.lifespan_context
    if not isinstance(state, ServerState):
        raise RuntimeError("tool called outside a Nextcloud MCP server")
    return state


def session(ctx: Context) -> NextcloudSession:
    """The caller's Nextcloud session."""
    return _state(ctx).session()


def settings(ctx: Context) -> Settings:
    """The server's settings."""
    return _state(ctx).settings


async def capabilities(ctx: Context) -> Capabilities | None:
    """The caller's capabilities (cached by the server); None when Nextcloud cannot say."""
    state = _state(ctx)
    return await state.capabilities(state.session())


def spawn(ctx: Context, work: Callable[[], Awaitable[None]]) -> bool:
    """Run `work` in the server's background (`ServerState.spawn`); False when there is none."""
    return _state(ctx).spawn(work)


_notes: ContextVar[list[str] | None] = ContextVar("nextcloud_mcp_tool_notes", default=None)


@contextmanager
def notes() -> Iterator[list[str]]:
    """Collect what the tool run inside this block `tell`s (the server's tool wrapper uses it)."""
    found: list[str] = []
    token = _notes.set(found)
    try:
        yield found
    finally:
        _notes.reset(token)


def tell(text: str) -> None:
    """A sentence for the model next to the tool's result (sent as a text block of its own; the structured result
    keeps its schema, e.g. the list envelope). Outside a tool call it goes nowhere."""
    found = _notes.get()
    if found is not None:
        found.append(text)


def compact(model: BaseModel) -> Item:
    """A model as a dict without empty values (the model sees only what is set)."""
    return {k: v for k, v in model.model_dump().items() if v not in (None, "", [], False)}
