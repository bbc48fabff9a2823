"""Every form says what it did: a success flash (role=status) after each create, update or
delete, an error flash (role=alert) when it refused; moderation shows who hid what."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.facilitation.phases import get_phase
from app.workshops import services

SUCCESS = re.compile(r'<li class="flash flash-info" role="status">([^<]+)</li>')
ERROR = re.compile(r'<li class="flash flash-error" role="alert">([^<]+)</li>')


def _successes(response) -> list[str]:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert not ERROR.search(page), ERROR.findall(page)
    return SUCCESS.findall(page)


@pytest.fixture
def organizer(create_user, create_edition, client_for):
    user = create_user(organizer=True)
    edition = create_edition(creator=user)
    client = client_for(user)
    client.edition = edition
    return client


def test_creating_an_edition_says_so(organizer):
    response = organizer.post(
        "/editions/new",
        data={"title": "SIG 2025", "slug": "sig-2025", "language": "fr"},
        follow_redirects=True,
    )
    (message,) = _successes(response)
    assert "SIG 2025" in message


def test_saving_an_edition_says_so(organizer):
    response = organizer.post(
        "/editions/ecole-2024/manage",
        data={"title": "École 2024", "slug": "ecole-2024", "language": "fr"},
        follow_redirects=True,
    )
    assert len(_successes(response)) == 1


def test_adding_a_question_says_so(organizer):
    response = organizer.post(
        "/editions/ecole-2024/manage/questions", data={"text": "Troisième ?"}, follow_redirects=True
    )
    assert len(_successes(response)) == 1


@pytest.mark.parametrize("operation", ["save", "down", "delete"])
def test_each_question_action_says_so(organizer, operation):
    question = organizer.edition.questions[0]
    response = organizer.post(
        f"/editions/ecole-2024/manage/questions/{question.id}",
        data={"operation": operation, "text": "Question une, reformulée ?"},
        follow_redirects=True,
    )
    assert len(_successes(response)) == 1


def test_a_refused_question_action_is_an_alert(organizer):
    question = organizer.edition.questions[0]
    response = organizer.post(
        f"/editions/ecole-2024/manage/questions/{question.id}",
        data={"operation": "up"},
        follow_redirects=True,
    )
    assert len(ERROR.findall(response.get_data(as_text=True))) == 1
    assert not SUCCESS.search(response.get_data(as_text=True))


def test_adding_and_saving_a_group_say_so(organizer):
    added = organizer.post(
        "/editions/ecole-2024/manage/groups",
        data={"name": "Presse", "kind": "other"},
        follow_redirects=True,
    )
    assert "Presse" in _successes(added)[0]
    saved = organizer.post(
        "/editions/ecole-2024/manage/groups/presse",
        data={"name": "Presse locale", "kind": "other", "colour": "#3949ab"},
        follow_redirects=True,
    )
    assert len(_successes(saved)) == 1


@pytest.fixture
def facilitator(organizer, add_member, client_for):
    user = add_member(organizer.edition, "facilitator")
    client = client_for(user)
    client.edition = organizer.edition
    return client


def test_adding_a_phase_says_so(facilitator):
    response = facilitator.post(
        "/editions/ecole-2024/facilitation/phases",
        data={"key": "bilan", "name": "Bilan"},
        follow_redirects=True,
    )
    assert len(_successes(response)) == 1


@pytest.mark.parametrize("operation", ["down", "delete"])
def test_moving_or_deleting_a_phase_says_so(facilitator, operation):
    phase = get_phase(facilitator.edition, "debat")
    response = facilitator.post(
        f"/editions/ecole-2024/facilitation/phases/{phase.id}",
        data={"operation": operation},
        follow_redirects=True,
    )
    assert len(_successes(response)) == 1


# --- the debate ------------------------------------------------------------------------------

Q1 = "/editions/malisig-2023/debate/q1"


def test_publishing_an_argument_says_so(demo, client_for):
    response = client_for(demo.users["prive1@demo.palabre"]).post(
        f"{Q1}/arguments",
        data={"kind": "claim", "text": "Les coupures coûtent cher."},
        follow_redirects=True,
    )
    assert len(_successes(response)) == 1


def _hide(demo, client_for):
    from app.deliberation.arguments import add_argument

    argument = add_argument(
        demo,
        demo.users["gouvernement1@demo.palabre"],
        question=demo.questions[0],
        kind="claim",
        text="Une thèse à masquer.",
    )
    db.session.commit()
    moderator = client_for(demo.users["facilitateur@demo.palabre"])
    response = moderator.post(
        f"/editions/malisig-2023/arguments/{argument.id}/moderate",
        data={"operation": "hide", "reason": "hors sujet"},
        follow_redirects=True,
    )
    return argument, response


def _card(page: str, argument_id: int) -> str:
    start = page.index(f'id="a{argument_id}"')
    return page[start : page.index("</article>", start)]


def test_hiding_an_argument_shows_who_hid_it_and_why(demo, client_for):
    argument, response = _hide(demo, client_for)
    assert len(_successes(response)) == 1
    card = _card(response.get_data(as_text=True), argument.id)
    assert 'class="placeholder moderation-result"' in card
    assert "Moussa Facilitateur" in card and "hors sujet" in card


def test_the_author_sees_who_hid_their_argument(demo, client_for):
    argument, _response = _hide(demo, client_for)
    page = client_for(demo.users["gouvernement1@demo.palabre"]).get(Q1).get_data(as_text=True)
    assert "Moussa Facilitateur" in _card(page, argument.id)


def test_others_do_not_see_who_hid_it(demo, client_for):
    argument, _response = _hide(demo, client_for)
    page = client_for(demo.users["prive1@demo.palabre"]).get(Q1).get_data(as_text=True)
    card = _card(page, argument.id)
    assert "Moussa Facilitateur" not in card and "hors sujet" not in card


def test_a_hidden_argument_offers_to_show_it_again_not_to_hide_it(demo, client_for):
    argument, _response = _hide(demo, client_for)
    page = (
        client_for(demo.users["facilitateur@demo.palabre"])
        .get(f"{Q1}?box=moderation&to={argument.id}")
        .get_data(as_text=True)
    )
    card = _card(page, argument.id)
    assert 'value="restore"' in card
    assert 'value="hide"' not in card


def test_the_next_colour_shows_in_a_fresh_groups_form_after_an_add(organizer):
    organizer.post("/editions/ecole-2024/manage/groups", data={"name": "Presse", "kind": "other"})
    page = organizer.get("/editions/ecole-2024/manage/groups").get_data(as_text=True)
    assert f'value="{services.GROUP_PALETTE[3]}"' in page
