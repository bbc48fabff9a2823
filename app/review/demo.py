"""Demo content of review: on the Government's question 1, a facilitator's comment and a
member's reply, a co-author's pending suggestion, and the facilitator's released feedback,
so that a newcomer's first look shows the margin, the inbox and the dashboard's column."""

from __future__ import annotations

import uuid

from app.collaboration.services import paper_of
from app.review import anchors, comments, feedback, suggestions
from app.review.common import section_state, section_text_now
from app.workshops.demo import DEMO_ON_PAPERS

COMMENTED = "à trois conditions cumulatives"
COMMENT = (
    "Bonne base. Citez l'article exact du Pacte (article 19, paragraphe 3) : "
    "le jury vous demandera d'où viennent ces trois conditions."
)
REPLY = "Merci, j'ajoute la note vers l'article 19 et l'Observation générale n° 34."
SUGGESTED = ("va plus loin", "est plus exigeante encore")
FEEDBACK = (
    "Position claire et juridiquement solide. Il manque un exemple concret : une coupure "
    "récente dans la région, sa durée et ce qu'elle a coûté."
)


def _passage(section, quote: str) -> tuple[str, str]:
    at = section_text_now(section).index(quote)
    state = section_state(section)
    start = anchors.to_text(anchors.anchor_at(state, at, 0))
    end = anchors.to_text(anchors.anchor_at(state, at + len(quote), -1))
    return start, end


def add_demo_review(edition, users) -> None:
    group = next((g for g in edition.groups if g.slug == "gouvernement"), None)
    paper = paper_of(group) if group else None
    section = next((s for s in paper.sections if s.key == "q1"), None) if paper else None
    if section is None or COMMENTED not in section_text_now(section):
        return
    facilitator = users["facilitateur@demo.palabre"]
    start, end = _passage(section, COMMENTED)
    thread, _ = comments.create_comment(
        section,
        facilitator,
        uid=str(uuid.uuid4()),
        start=start,
        end=end,
        quote=COMMENTED,
        body=COMMENT,
    )
    comments.reply(thread, users["gouvernement1@demo.palabre"], uid=str(uuid.uuid4()), body=REPLY)
    deleted, inserted = SUGGESTED
    start, end = _passage(section, deleted)
    suggestions.create_suggestion(
        section,
        users["gouvernement2@demo.palabre"],
        uid=str(uuid.uuid4()),
        start=start,
        end=end,
        deleted=deleted,
        inserted=inserted,
    )
    feedback.save_feedback(section, facilitator, body=FEEDBACK, status="to_review")
    feedback.release_feedback(edition, facilitator)


if add_demo_review not in DEMO_ON_PAPERS:
    DEMO_ON_PAPERS.append(add_demo_review)
