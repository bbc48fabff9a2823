"""The demo shows the review at first look: a commented passage with its reply, a pending
suggestion, released feedback, and the notifications they made."""

from __future__ import annotations

from app.accounts.services import find_user
from app.collaboration.services import paper_of
from app.review.demo import COMMENTED, SUGGESTED
from app.review.notifications import unread_count
from app.review.reading import review_of
from app.workshops.services import get_group


def _q1(demo):
    return next(s for s in paper_of(get_group(demo, "gouvernement")).sections if s.key == "q1")


def _member(email: str):
    return find_user(email)


def test_the_comment_covers_its_passage_and_has_a_reply(demo):
    thread = review_of(_q1(demo), _member("gouvernement1@demo.palabre"))["comments"][0]
    assert thread["quote"] == COMMENTED and thread["passage"] == "present"
    assert [r["author"]["name"] for r in thread["replies"]] == ["Fatoumata Diarra"]


def test_a_suggestion_waits_and_the_feedback_is_released(demo):
    review = review_of(_q1(demo), _member("gouvernement2@demo.palabre"))
    assert [(s["deleted"], s["inserted"]) for s in review["suggestions"]] == [SUGGESTED]
    assert review["feedback"]["released"]["status"] == "to_review"


def test_the_inboxes_have_something_to_show(demo):
    assert unread_count(_member("facilitateur@demo.palabre"), demo) == 1  # the reply
    assert unread_count(_member("gouvernement2@demo.palabre"), demo) == 1  # the feedback
