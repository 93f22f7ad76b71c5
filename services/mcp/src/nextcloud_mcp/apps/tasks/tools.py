"""Task tools (`nc_tasks_*`): VTODO lists, filters, etag-checked changes, subtasks via RELATED-TO.

A list is named by its name or display name, a task by its `task_id` (resource name) or UID. create, update and
complete return what `nc_tasks_get_task` returns; update needs the etag read (or force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.calendar.common import default_zone
from nextcloud_mcp.apps.calendar.ical_time import parse_instant, parse_time
from nextcloud_mcp.apps.calendar.params import IfEtag, Obj, TaskListRef, TaskRef, Zone
from nextcloud_mcp.apps.tasks.client import TaskInfo, TasksClient
from nextcloud_mcp.apps.tasks.client import due_before as is_due_before
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.calendar.ical_time import UserZone
    from nextcloud_mcp.apps.tasks.todo import TodoFields

__all__ = ["TOOLS"]

Title = Annotated[str | None, Field(max_length=1000, description="Task title.")]
Notes = Annotated[str | None, Field(max_length=100000, description="Notes.")]
Priority = Annotated[int | None, Field(ge=0, le=9, description="1 highest .. 9 lowest; 0 none.")]
Categories = Annotated[list[str] | None, Field(description="Tags (replaces them).")]
Parent = Annotated[str | None, Field(max_length=1000, description="Parent's task_id or uid (makes a subtask).")]
_DUE = "ISO 8601 date-time (naive: tz or your zone) or date."
_GET = "nc_tasks_get_task"


class TaskDeleted(BaseModel):
    task_id: str
    result: str


def _client(ctx: Context) -> TasksClient:
    return TasksClient(calendar_client(session(ctx)))


def _obj(task: TaskInfo) -> Obj:
    return Obj.model_validate(task.model_dump())


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
    "nc_tasks_list_tasklists",
    "List task lists",
    "List task lists (calendars holding tasks).",
    app="tasks",
    read_only=True,
    idempotent=True,
)
async def tasks_list_tasklists(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Item]:
    return page([c.model_dump() for c in await _client(ctx).lists()], limit, cursor)


@tool(
    "nc_tasks_list_tasks",
    "List tasks",
    "List tasks by due date (open ones by default).",
    app="tasks",
    read_only=True,
    idempotent=True,
)
async def tasks_list_tasks(
    ctx: Context,
    tasklist: Annotated[str | None, Field(max_length=255, description="Only this list (name or display name).")] = None,
    status: Annotated[Literal["open", "completed", "all"], Field(description="Which tasks.")] = "open",
    due_before: Annotated[
        str | None, Field(max_length=40, description="Due before this ISO 8601 time or date.")
    ] = None,
    max_priority: Annotated[int | None, Field(ge=1, le=9, description="Priority 1 (highest) up to this.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Item]:
    client = _client(ctx)
    tasks = await client.tasks(tasklist)
    if status != "all":
        tasks = [t for t in tasks if t.completed == (status == "completed")]
    if due_before:
        limit_at = parse_instant(due_before, await default_zone(ctx, client.calendar), where="due_before")
        tasks = [t for t in tasks if is_due_before(t, limit_at)]
    if max_priority is not None:
        tasks = [t for t in tasks if 0 < t.priority <= max_priority]
    tasks.sort(key=lambda t: (t.due is None, t.due or "", t.priority or 10, t.title, t.task_id))
    return page([t.model_dump() for t in tasks], limit, cursor)


@tool(
    "nc_tasks_get_task",
    "Get a task",
    "Get a task with its etag.",
    app="tasks",
    read_only=True,
    idempotent=True,
)
async def tasks_get_task(ctx: Context, tasklist: TaskListRef, task_id: TaskRef) -> Obj:
    return _obj(await _client(ctx).get(tasklist, task_id))


@tool(
    "nc_tasks_create_task",
    "Create a task",
    "Create a task, or a subtask with parent_id.",
    app="tasks",
    read_only=False,
)
async def tasks_create_task(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=1000, description="Task title.")],
    tasklist: Annotated[
        str | None,
        Field(max_length=255, description="List name or display name; default: tasks, personal or your only one."),
    ] = None,
    due: Annotated[str | None, Field(max_length=40, description=_DUE)] = None,
    tz: Zone = None,
    priority: Priority = None,
    description: Notes = None,
    categories: Categories = None,
    parent_id: Parent = None,
) -> Obj:
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
    return _obj(await client.create(name, fields))


@tool(
    "nc_tasks_update_task",
    "Update a task",
    "Change a task; due '' clears it, parent_id '' detaches it.",
    app="tasks",
    read_only=False,
    destructive=True,
)
async def tasks_update_task(
    ctx: Context,
    tasklist: TaskListRef,
    task_id: TaskRef,
    etag: Etag = None,
    force: Force = False,
    title: Title = None,
    description: Notes = None,
    due: Annotated[str | None, Field(max_length=40, description=_DUE + " '' clears it.")] = None,
    tz: Zone = None,
    priority: Priority = None,
    percent: Annotated[int | None, Field(ge=0, le=100, description="Percent done; 100 completes.")] = None,
    categories: Categories = None,
    parent_id: Parent = None,
) -> Obj:
    require_etag(etag, force, what="task", get_tool=_GET)
    client = _client(ctx)
    name = await client.tasklist(tasklist, writable=True)
    fields = await _fields(
        ctx,
        client,
        name,
        title=title,
        description=description,
        due=due,
        tz=tz,
        priority=priority,
        percent=percent,
        categories=categories,
        parent_id=parent_id,
    )
    return _obj(await client.update(name, task_id, fields, etag=etag))


@tool(
    "nc_tasks_complete_task",
    "Complete a task",
    "Complete a task, or reopen it with done=false.",
    app="tasks",
    read_only=False,
    idempotent=True,
)
async def tasks_complete_task(
    ctx: Context,
    tasklist: TaskListRef,
    task_id: TaskRef,
    done: Annotated[bool, Field(description="false reopens the task.")] = True,
    etag: IfEtag = None,
) -> Obj:
    client = _client(ctx)
    name = await client.tasklist(tasklist, writable=True)
    return _obj(await client.update(name, task_id, None, etag=etag, done=done))


@tool(
    "nc_tasks_delete_task",
    "Delete a task",
    "Delete a task (kept in nc_calendar_list_trash).",
    app="tasks",
    read_only=False,
    destructive=True,
)
async def tasks_delete_task(
    ctx: Context,
    tasklist: TaskListRef,
    task_id: TaskRef,
    etag: IfEtag = None,
) -> TaskDeleted:
    name = await _client(ctx).delete(tasklist, task_id, etag)
    return TaskDeleted(task_id=name, result="deleted")


TOOLS: list[ToolSpec] = [
    tasks_list_tasklists,
    tasks_list_tasks,
    tasks_get_task,
    tasks_create_task,
    tasks_update_task,
    tasks_complete_task,
    tasks_delete_task,
]
