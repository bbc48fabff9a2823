"""The dashboard releases every feedback draft at once (issue 16)."""

from __future__ import annotations

from app.core.transactions import commit
from app.review import feedback
from app.review.reading import review_of


def _draft(world) -> None:
    feedback.save_feedback(
        world.section, world.facilitator, body="Citez la loi de 2019.", status="to_review"
    )
    commit()


def _dashboard(client, world) -> str:
    return client.get(f"/editions/{world.edition.slug}/dashboard").get_data(as_text=True)


def test_the_dashboard_counts_drafts_not_released(client_for, world):
    _draft(world)
    page = _dashboard(client_for(world.facilitator), world)
    assert "1 feedback draft is not released yet." in page
    assert "draft: to review, not released" in page


def test_releasing_shows_the_feedback_to_the_group(client_for, world):
    _draft(world)
    client = client_for(world.facilitator)
    answer = client.post(f"/editions/{world.edition.slug}/dashboard/feedback", data={})
    assert answer.status_code == 303
    released = review_of(world.section, world.author)["feedback"]["released"]
    assert released["body"] == "Citez la loi de 2019."
    assert "feedback draft" not in _dashboard(client, world)


def test_a_participant_cannot_release(client_for, world):
    _draft(world)
    answer = client_for(world.author).post(
        f"/editions/{world.edition.slug}/dashboard/feedback", data={}
    )
    assert answer.status_code == 403
    assert review_of(world.section, world.author)["feedback"] is None
