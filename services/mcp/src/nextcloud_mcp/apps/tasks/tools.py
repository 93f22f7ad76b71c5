"""Task tools (`nc_tasks_*`): VTODO lists, filters, etag-checked changes, subtasks via RELATED-TO."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.calendar.common import default_zone
from nextcloud_mcp.apps.calendar.ical_time import parse_instant, parse_time
from nextcloud_mcp.apps.tasks.client import TasksClient, due_before
from nextcloud_mcp.core.tool import Item, ToolSpec, compact, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.calendar.ical_time import UserZone
    from nextcloud_mcp.apps.tasks.todo import TodoFields

__all__ = ["TOOLS"]

Name = Annotated[str, Field(max_length=255)]


class TaskLists(BaseModel):
    lists: list[Item]


class TaskList(BaseModel):
    tasks: list[Item]
    total: int


class TaskResult(BaseModel):
    task: Item


class Done(BaseModel):
    task_id: str
    result: str


def _client(ctx: Context) -> TasksClient:
    return TasksClient(calendar_client(session(ctx)))


async def _fields(
    ctx: Context,
    client: TasksClient,
    list_name: str,
    *,
    title: str | None,
    description: str | None,
    due: str | None,
    tz: str | None,
    priority: int | None,
    percent: int | None = None,
    categories: list[str] | None,
    parent_id: str | None,
) -> TodoFields:
    from nextcloud_mcp.apps.tasks.todo import TodoFields

    zone: UserZone | None = await default_zone(ctx, client.calendar) if due else None
    parent_uid = None
    if parent_id is not None:
        parent_uid = await client.parent_uid(list_name, parent_id) if parent_id else ""
    return TodoFields(
        summary=title,
        description=description,
        due=parse_time(due, tz, zone, where="due") if due and zone else None,
        clear_due=due == "",
        priority=priority,
        percent=percent,
        categories=categories,
        parent_uid=parent_uid,
    )


@tool(
    "nc_tasks_lists",
    "List task lists",
    "List task lists (calendars holding tasks).",
    app="tasks",
    read_only=True,
    idempotent=True,
)
async def tasks_lists(ctx: Context) -> TaskLists:
    return TaskLists(lists=[compact(c) | {"read_only": c.read_only} for c in await _client(ctx).lists()])


@tool(
    "nc_tasks_list",
    "List tasks",
    "List tasks, filtered by status, due before a time, and priority (1 highest … max_priority).",
    app="tasks",
    read_only=True,
    idempotent=True,
)
async def tasks_list(
    ctx: Context,
    tasklist: Name | None = None,
    status: Literal["open", "completed", "all"] = "open",
    due_before_time: str | None = None,
    max_priority: Annotated[int | None, Field(ge=1, le=9)] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
) -> TaskList:
    client = _client(ctx)
    tasks = await client.tasks(tasklist)
    if status != "all":
        tasks = [t for t in tasks if t.completed == (status == "completed")]
    if due_before_time:
        limit_at = parse_instant(due_before_time, await default_zone(ctx, client.calendar), where="due_before")
        tasks = [t for t in tasks if due_before(t, limit_at)]
    if max_priority is not None:
        tasks = [t for t in tasks if 0 < t.priority <= max_priority]
    tasks.sort(key=lambda t: (t.due is None, t.due or "", t.priority or 10, t.summary))
    return TaskList(tasks=[compact(t) for t in tasks[:limit]], total=len(tasks))


@tool(
    "nc_tasks_create",
    "Create a task",
    "Create a task; due is ISO 8601 (date or time), priority 1 (high) to 9; parent_id makes it a subtask.",
    app="tasks",
    read_only=False,
)
async def tasks_create(
    ctx: Context,
    title: Annotated[str, Field(min_length=1)],
    tasklist: Name | None = None,
    due: str | None = None,
    tz: str | None = None,
    priority: Annotated[int | None, Field(ge=0, le=9)] = None,
    description: str | None = None,
    categories: list[str] | None = None,
    parent_id: Name | None = None,
) -> TaskResult:
    client = _client(ctx)
    name = await client.default_list(tasklist)
    fields = await _fields(
        ctx,
        client,
        name,
        title=title,
        description=description,
        due=due,
        tz=tz,
        priority=priority,
        categories=categories,
        parent_id=parent_id,
    )
    return TaskResult(task=compact(await client.create(name, fields)))


@tool(
    "nc_tasks_update",
    "Update a task",
    "Change a task (etag-checked); due '' clears it, parent_id '' detaches a subtask.",
    app="tasks",
    read_only=False,
    destructive=True,
)
async def tasks_update(
    ctx: Context,
    tasklist: Name,
    task_id: Name,
    etag: str | None = None,
    title: str | None = None,
    description: str | None = None,
    due: str | None = None,
    tz: str | None = None,
    priority: Annotated[int | None, Field(ge=0, le=9)] = None,
    percent: Annotated[int | None, Field(ge=0, le=100)] = None,
    categories: list[str] | None = None,
    parent_id: Name | None = None,
) -> TaskResult:
    client = _client(ctx)
    fields = await _fields(
        ctx,
        client,
        tasklist,
        title=title,
        description=description,
        due=due,
        tz=tz,
        priority=priority,
        percent=percent,
        categories=categories,
        parent_id=parent_id,
    )
    return TaskResult(task=compact(await client.update(tasklist, task_id, fields, etag=etag)))


@tool(
    "nc_tasks_complete",
    "Complete or reopen a task",
    "Mark a task completed (done=true) or reopen it (done=false).",
    app="tasks",
    read_only=False,
    idempotent=True,
)
async def tasks_complete(
    ctx: Context,
    tasklist: Name,
    task_id: Name,
    done: bool = True,
    etag: str | None = None,
) -> TaskResult:
    return TaskResult(task=compact(await _client(ctx).update(tasklist, task_id, None, etag=etag, done=done)))


@tool("nc_tasks_delete", "Delete a task", "Delete a task.", app="tasks", read_only=False, destructive=True)
async def tasks_delete(ctx: Context, tasklist: Name, task_id: Name, etag: str | None = None) -> Done:
    await _client(ctx).delete(tasklist, task_id, etag)
    return Done(task_id=task_id, result="deleted")


TOOLS: list[ToolSpec] = [tasks_lists, tasks_list, tasks_create, tasks_update, tasks_complete, tasks_delete]
