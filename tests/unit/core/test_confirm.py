"""`core/confirm.py`: how a loss is worded, and what `Confirmation.require` lets through (the tools' behaviour
with real clients is in tests/integration/test_confirmations.py)."""

from __future__ import annotations

import pytest

from nextcloud_mcp.core.confirm import Confirmation, Deletion, Loss, count
from nextcloud_mcp.core.errors import NotConfirmed, NotFound

TOOL = "nc_deck_delete_board"
BOARD = Loss("the board 'P' (id 3)", ("2 stacks", "17 cards"), ("To do", "Done"), undo="Restorable.")


def test_counts_read_naturally() -> None:
    assert [count(0, "card"), count(1, "card"), count(2, "card")] == ["no cards", "1 card", "2 cards"]
    assert count(2, "journal entry", "journal entries") == "2 journal entries"


def test_a_loss_names_the_thing_what_goes_with_it_and_some_names() -> None:
    assert str(BOARD) == "the board 'P' (id 3) with 2 stacks and 17 cards (To do, Done)"
    assert str(Loss("the trash", ("1 item",))) == "the trash with 1 item"
    assert str(Loss("x", ("a", "b", "c"))) == "x with a, b and c"
    many = Loss("the trash", names=tuple("abcdefg"))
    assert str(many) == "the trash (a, b, c, d, e and 2 more)"


def test_without_an_answer_only_confirm_true_proceeds() -> None:
    waiting = Confirmation(TOOL, BOARD)
    with pytest.raises(NotConfirmed) as refused:
        waiting.require(confirm=False)
    text = str(refused.value)
    assert text.startswith(f"Nothing was deleted. This would delete {BOARD}. Restorable.")
    assert f"call {TOOL} again with the same arguments and confirm=true" in text
    assert waiting.require(confirm=True) == Deletion(deleted=str(BOARD), confirmed_by="argument")


@pytest.mark.parametrize(
    ("answer", "said"),
    [("decline", "declined"), ("cancel", "dismissed"), ("unticked", "without ticking the box")],
)
def test_a_user_who_did_not_accept_is_never_overruled_by_confirm(answer: str, said: str) -> None:
    refused = Confirmation(TOOL, BOARD, answer=answer)  # type: ignore[arg-type]
    with pytest.raises(NotConfirmed, match=said):
        refused.require(confirm=True)


def test_an_accepted_answer_proceeds() -> None:
    assert Confirmation(TOOL, BOARD, answer="accept").require(confirm=False).confirmed_by == "user"


def test_a_loss_that_needs_no_confirmation_proceeds_and_is_reported() -> None:
    one = Loss("the trashed item 'a.txt.d1'", ask=False)
    assert Confirmation(TOOL, one).require(confirm=False) == Deletion(deleted=str(one), confirmed_by=None)


def test_the_assessments_own_error_is_raised_in_the_tool() -> None:
    missing = NotFound("Board 9 does not exist.")
    with pytest.raises(NotFound):
        Confirmation(TOOL, None, error=missing).require(confirm=True)
