"""The Deck tools' arguments and outputs: labels by title or id, members by id or display name, the version
check of updates, ISO times with offset, done as a boolean."""

from __future__ import annotations

import pytest

from nextcloud_mcp.apps.deck.models import card, card_summary, comment
from nextcloud_mcp.apps.deck.params import check_version, fingerprint, pick_labels, pick_users, when
from nextcloud_mcp.core.errors import Conflict, InvalidInput

LABELS = [{"id": 5, "title": "Finished"}, {"id": 6, "title": "To review"}, {"id": 7, "title": "12"}]
MEMBERS = [{"uid": "alice", "displayname": "Alice Liddell"}, {"uid": "bob", "displayname": "Bob"}]


def test_labels_by_title_or_id_as_number_or_text() -> None:
    assert pick_labels(1, LABELS, ["Finished", 6, "to REVIEW", "5", "12"]) == [5, 6, 6, 5, 7]


def test_an_unknown_label_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        pick_labels(1, LABELS, ["Urgent"])
    text = str(caught.value)
    assert "Board 1 has no label 'Urgent'" in text and "Finished (5), To review (6)" in text
    assert "nc_deck_create_label" in text


def test_members_by_id_or_display_name() -> None:
    assert pick_users(1, MEMBERS, ["bob", "alice liddell"]) == ["bob", "alice"]
    with pytest.raises(InvalidInput, match=r"'carol' is not part of board 1.*alice \(Alice Liddell\), bob \(Bob\)"):
        pick_users(1, MEMBERS, ["carol"])
    assert pick_users(1, [], ["carol"]) == ["carol"]  # members unknown: Deck decides


def test_check_version() -> None:
    check_version("abc", "abc", False, what="card 1", get_tool="nc_deck_get_card")
    check_version("abc", None, True, what="card 1", get_tool="nc_deck_get_card")  # force
    with pytest.raises(Conflict, match=r"card 1 changed since you read it.*nc_deck_get_card"):
        check_version("new", "abc", False, what="card 1", get_tool="nc_deck_get_card")


def test_times_are_iso_with_offset_and_absent_is_null() -> None:
    assert when("2026-12-24T17:00:00+01:00") == "2026-12-24T17:00:00+01:00"
    assert when("2026-12-24T17:00:00") == "2026-12-24T17:00:00+00:00"
    assert when(None) is None and when("") is None and when("garbage") is None


def test_done_is_a_boolean_and_create_update_get_share_one_shape() -> None:
    raw = {"id": 1, "title": "t", "stackId": 2, "done": "2026-01-02T00:00:00+00:00", "duedate": None, "ETag": "e"}
    summary = card_summary(raw, False)
    assert summary.done is True and summary.due is None and summary.etag == "e"
    assert card_summary({**raw, "done": None}, False).done is False
    detail = card(raw, [{"id": 9, "type": "deck_file", "data": "a.txt", "extendedData": {}}])
    assert detail.attachments[0].path is None and detail.archived is False


def test_comment_etag_is_a_fingerprint_of_its_text() -> None:
    made = comment({"id": 3, "message": "hi", "actorId": "alice", "creationDateTime": "2026-01-01T10:00:00+00:00"})
    assert made.etag == fingerprint("hi") != fingerprint("hi!") and made.reply_to is None
    assert made.created == "2026-01-01T10:00:00+00:00"
