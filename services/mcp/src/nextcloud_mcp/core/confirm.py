"""Confirmation of destructive bulk actions (docs/tools.md, the tool contract: "Destructive bulk actions") and of
other actions that cannot be taken back (sending an e-mail: `SEND`).

A tool that deletes many things at once (a whole trash, a calendar with its events, a board with its cards)
first works out what would be lost (`Loss`). Then:

- a client that declared the elicitation capability (form mode) is asked: the user sees what would be lost and
  answers yes or no (`elicitation/create` mid-call on 2025-11-25 and earlier; an `InputRequiredResult` round on
  2026-07-28, which the SDK's `Resolve`/`Elicit` pair drives); the tool deletes only on an accepted "yes";
- any other client must pass `confirm=true`; without it the tool answers an error naming the loss and asking to
  call again with `confirm=true`;
- a decline or a cancel never deletes anything; the error says so.

A tool declares it with one parameter that the SDK fills before the tool body runs (it is not in the input
schema) and the `confirm` argument:

    async def delete_board(
        ctx: Context, board_id: BoardId, confirmation: Annotated[Confirmation, CONFIRM_BOARD], confirm: Confirm = False
    ) -> Deletion:
        done = confirmation.require(confirm)  # raises NotConfirmed (or the loss assessment's own error)
        await deck.delete_board(board_id)
        return done

with `CONFIRM_BOARD = confirmed("nc_deck_delete_board", board_loss)`, `board_loss(ctx, board_id) -> Loss` taking
the tool's arguments by name. The assessment runs again on a 2026-07-28 retry round; when the loss changed in
between (someone added a card), the SDK discards the answer to the old text and asks again.

Deletion is the default `Action`. Another action passes its own wording and form (`confirmed(tool, loss_of, SEND)`)
and calls `confirmation.agreed(confirm)`, which raises like `require` and returns who agreed; its "loss" is a
preview of what would be done ("From a@x to b@y; subject 'Hi'"). A `Loss` may carry `plan`: what `loss_of` worked
out to show it (e.g. the message to send), which the tool then uses instead of working it out again.

This module has no `from __future__ import annotations`: the SDK reads the resolvers' annotations at runtime.
"""

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, Resolve
from mcp.types.version import MODERN_PROTOCOL_VERSIONS, is_version_at_least
from pydantic import BaseModel, Field

from nextcloud_mcp.core.errors import NextcloudMCPError, NotConfirmed

__all__ = [
    "DELETE",
    "SEND",
    "Action",
    "Approval",
    "Confirm",
    "Confirmation",
    "Deletion",
    "Loss",
    "SendApproval",
    "can_elicit",
    "confirmed",
    "count",
]

Confirm = Annotated[bool, Field(description="true: the user agreed to delete it.")]

NEVER_UNDONE = "This cannot be undone."
_SHOWN_NAMES = 5


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`3 cards`, `1 card`, `no cards`."""
    many = plural or f"{noun}s"
    return f"{n} {noun}" if n == 1 else f"{n or 'no'} {many}"


@dataclass(frozen=True)
class Loss:
    """What a destructive action would destroy, in words the user recognises.

    `what` names the thing itself ("the board 'Project' (id 3)"), `contents` counts what goes with it ("3 stacks",
    "17 cards"), `names` lists some of those (the first few are shown), `undo` says whether and how it can be
    undone. `ask=False` marks an action that needs no confirmation (one item, or nothing to lose): the tool still
    reports `str(loss)` as what it deleted."""

    what: str
    contents: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    undo: str = NEVER_UNDONE
    ask: bool = True
    plan: Any = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        text = self.what
        if self.contents:
            *rest, last = self.contents
            text += " with " + (f"{', '.join(rest)} and {last}" if rest else last)
        if self.names:
            shown = ", ".join(self.names[:_SHOWN_NAMES])
            more = len(self.names) - _SHOWN_NAMES
            text += f" ({shown}{f' and {more} more' if more > 0 else ''})"
        return text


class Approval(BaseModel):
    """The form the user answers (one required boolean: accepting without ticking it deletes nothing)."""

    confirm: bool = Field(title="Delete", description="Tick to delete it for good.")


class SendApproval(BaseModel):
    """The form for `SEND` (the same one required boolean, titled for sending)."""

    confirm: bool = Field(title="Send", description="Tick to send it now.")


@dataclass(frozen=True)
class Action:
    """The wording of one kind of confirmed action. `question` and `refusal` are formats with `{loss}` and
    `{undo}`; `nothing` opens every refusal ("Nothing was deleted"); `verb`/`gerund` name the action in them."""

    verb: str
    gerund: str
    nothing: str
    question: str
    form: type[BaseModel]


DELETE = Action("delete", "deleting", "Nothing was deleted", "Delete {loss}? {undo}", Approval)
SEND = Action("send", "sending", "Not sent", "Send {loss}? {undo}", SendApproval)


class Deletion(BaseModel):  # what a confirming tool deleted (no docstring: it would be sent in tools/list)
    deleted: str
    confirmed_by: Literal["user", "argument"] | None  # null when nothing needed confirming


Answer = Literal["accept", "unticked", "decline", "cancel"]


@dataclass(frozen=True)
class Confirmation:
    """The loss and the user's answer (`answer` is None when the client could not be asked); the tool calls
    `require(confirm)` before it deletes anything."""

    tool: str
    loss: Loss | None
    error: NextcloudMCPError | None = None
    answer: Answer | None = None
    action: Action = DELETE

    def require(self, confirm: bool) -> Deletion:
        """The result to return once the deletion succeeded; raises `NotConfirmed` when it may not proceed (and
        the assessment's own error when working out the loss failed, e.g. the board does not exist)."""
        return Deletion(deleted=str(self.loss or ""), confirmed_by=self.agreed(confirm))

    def agreed(self, confirm: bool) -> Literal["user", "argument"] | None:
        """Who agreed (None: nothing needed it); raises as `require` does."""
        if self.error is not None:
            raise self.error
        loss, act = self.loss, self.action
        if loss is None or not loss.ask:
            return None
        if self.answer == "accept":
            return "user"
        if self.answer == "unticked":
            raise NotConfirmed(f"{act.nothing}: the user answered without ticking the box to {act.verb} {loss}.")
        if self.answer == "decline":
            raise NotConfirmed(
                f"{act.nothing}: the user declined {act.gerund} {loss}. Do not try again unless they ask for it."
            )
        if self.answer == "cancel":
            raise NotConfirmed(
                f"{act.nothing}: the user dismissed the question whether to {act.verb} {loss}. Ask them before "
                "trying again."
            )
        if confirm:
            return "argument"
        raise NotConfirmed(
            f"{act.nothing}. This would {act.verb} {loss}. {loss.undo} Make sure the user wants this; then call "
            f"{self.tool} again with the same arguments and confirm=true."
        )


def can_elicit(ctx: Context) -> bool:
    """True when this request can ask the user: the client declared form elicitation (a bare `elicitation: {}`
    means form), and the request has a way to carry the question (2026-07-28: an `InputRequiredResult`; before:
    a server-to-client request, which stateless HTTP cannot send)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return False
    version = ctx.protocol_version
    if version is not None and is_version_at_least(version, MODERN_PROTOCOL_VERSIONS[0]):
        return True
    return bool(ctx.session.can_send_request)


@dataclass(frozen=True)
class _Assessment:
    loss: Loss | None
    error: NextcloudMCPError | None = None


@dataclass(frozen=True)
class _NotAsked:
    """`ask`'s plain answer when the user cannot or need not be asked."""


LossOf = Callable[..., Awaitable[Loss | None]]


def confirmed(tool: str, loss_of: LossOf, action: Action = DELETE) -> Resolve:
    """The `Resolve` marker of a `Confirmation` parameter of `tool`, whose loss `loss_of` works out; `action`
    words the question and the refusals (deletion unless told).

    `loss_of` takes the `Context` and any of the tool's arguments by name; a `NextcloudMCPError` it raises is
    raised again by `Confirmation.require`, inside the tool (so it is reported like any error of the tool)."""

    @functools.wraps(loss_of)  # the SDK passes the arguments `loss_of` names (and keys its answer by its name)
    async def assess(*args: Any, **kwargs: Any) -> _Assessment:
        try:
            return _Assessment(await loss_of(*args, **kwargs))
        except NextcloudMCPError as exc:
            return _Assessment(None, exc)

    async def ask(ctx: Context, assessment: Annotated[_Assessment, Resolve(assess)]) -> Elicit[Any] | _NotAsked:
        loss = assessment.loss
        if loss is None or not loss.ask or not can_elicit(ctx):
            return _NotAsked()
        return Elicit(action.question.format(loss=loss, undo=loss.undo), action.form)

    async def decide(
        assessment: Annotated[_Assessment, Resolve(assess)],
        answer: Annotated[ElicitationResult[Any], Resolve(ask)],
    ) -> Confirmation:
        given: Answer | None = None
        if isinstance(answer, AcceptedElicitation):
            data: object = answer.data
            if isinstance(data, action.form):
                given = "accept" if getattr(data, "confirm", False) is True else "unticked"
        else:
            given = answer.action
        return Confirmation(tool, assessment.loss, assessment.error, given, action)

    return Resolve(decide)
