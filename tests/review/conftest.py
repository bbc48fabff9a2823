"""A small edition whose Government introduction holds a known text, and the way a
browser's Yjs anchors a passage of it (``anchors.anchor_at``, checked against Yjs itself
in ``test_anchors.py``)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from app.collaboration.services import (
    append_to_section,
    paper_of,
    section_address,
    section_text,
)
from app.core.transactions import commit
from app.review import anchors, suggestions
from app.review.common import section_state
from app.workshops.services import get_group
from tests.conftest import log_in

TEXT = "Les coupures d'Internet coûtent cher. Elles privent les élèves de leurs cours."


def new_id() -> str:
    return str(uuid.uuid4())


def anchor(section, index: int, assoc: int = 0) -> str:
    return anchors.to_text(anchors.anchor_at(section_state(section), index, assoc))


def passage(section, quote: str, *, text: str | None = None) -> dict:
    """The two anchors (start on the passage's first character, end after its last) and
    the quote, as the editor sends them."""
    current = text if text is not None else section_text(section)
    at = current.index(quote)
    return {
        "start": anchor(section, at, 0),
        "end": anchor(section, at + len(quote), -1),
        "quote": quote,
    }


def suggest(section, author, quote: str, inserted: str):
    """``author`` suggests replacing ``quote`` (its first occurrence) with ``inserted``,
    committed."""
    where = passage(section, quote)
    created, _new = suggestions.create_suggestion(
        section,
        author,
        uid=new_id(),
        start=where["start"],
        end=where["end"],
        deleted=quote,
        inserted=inserted,
    )
    commit()
    return created


@pytest.fixture
def world(app, create_user, create_edition, add_member):
    """École 2024 in "Rédaction": the Government writes, the others do not read it yet."""
    organizer = create_user("orga@example.org", "Oumou Orga", organizer=True)
    edition = create_edition(creator=organizer)
    people = {
        "author": add_member(
            edition, "participant", "gouvernement", user=create_user(name="Awa Traoré")
        ),
        "teammate": add_member(
            edition, "participant", "gouvernement", user=create_user(name="Awa")
        ),
        "other": add_member(
            edition, "participant", "societe-civile", user=create_user(name="Moussa Keïta")
        ),
        "facilitator": add_member(edition, "facilitator", user=create_user(name="Fanta Coach")),
        "observer": add_member(edition, "observer", user=create_user(name="Paul Public")),
        "outsider": create_user(name="Zoé Dehors"),
    }
    group = get_group(edition, "gouvernement")
    section = paper_of(group).sections[0]
    append_to_section(section, TEXT, people["author"])
    commit()
    return SimpleNamespace(
        edition=edition,
        group=group,
        section=section,
        address=section_address(section),
        organizer=organizer,
        **people,
    )


def open_papers(edition) -> None:
    """The "Débat" phase: every participant reads (and may comment on) every paper."""
    edition.current_phase = next(p for p in edition.phases if p.key == "debat")
    commit()


@pytest.fixture(autouse=True)
def _english_messages(request):
    """The tests read the services' English messages (the app's default locale is French)."""
    if "app" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("app").test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def client_for(app):
    """Logged-in test clients that read the pages in English, as the services' messages."""

    def make(user):
        test_client = app.test_client()
        log_in(test_client, user)
        with test_client.session_transaction() as session:
            session["lang"] = "en"
        return test_client

    return make
