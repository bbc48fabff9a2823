from datetime import timedelta

import pytest

from app.collaboration.services import paper_of
from app.core.errors import BadInput, Conflict, NotFound
from app.core.models import utcnow
from app.extensions import db
from app.workshops import services
from app.workshops.models import Role


def _keys(group):
    return [s.key for s in paper_of(group).sections]


def test_a_new_edition_has_the_default_phases_and_starts_in_preparation(create_user):
    edition = services.create_edition(slug="sig-2025", title="SIG 2025", creator=create_user())
    assert [p.key for p in edition.phases] == [
        "preparation",
        "redaction",
        "debat",
        "finalisation",
        "ceremonie",
    ]
    assert edition.current_phase.key == "preparation"


def test_the_creator_becomes_organizer(create_user):
    creator = create_user()
    edition = services.create_edition(slug="sig-2025", title="SIG 2025", creator=creator)
    assert services.membership_of(creator, edition).role == Role.ORGANIZER


@pytest.mark.parametrize("slug", ["", "Sig 2025", "sig_2025", "-sig", "sig--2025", "é"])
def test_a_bad_short_name_is_refused(app, slug):
    with pytest.raises(BadInput):
        services.create_edition(slug=slug, title="SIG", creator=None)


def test_two_editions_cannot_share_a_short_name(app):
    services.create_edition(slug="sig-2025", title="SIG", creator=None)
    with pytest.raises(Conflict):
        services.create_edition(slug="sig-2025", title="SIG bis", creator=None)


def test_each_group_paper_has_introduction_one_section_per_question_and_conclusion(
    create_edition,
):
    edition = create_edition(questions=("Un ?", "Deux ?", "Trois ?"))
    assert _keys(edition.groups[0]) == ["introduction", "q1", "q2", "q3", "conclusion"]


def test_a_group_added_later_gets_the_full_outline(create_edition):
    edition = create_edition(questions=("Un ?",))
    group = services.add_group(edition, name="Communauté technique", kind="technical_community")
    assert _keys(group) == ["introduction", "q1", "conclusion"]


def test_moving_a_question_renumbers_the_sections_and_keeps_their_question(create_edition):
    edition = create_edition(questions=("Un ?", "Deux ?"))
    first, second = edition.questions
    services.move_question(second, -1)
    paper = paper_of(edition.groups[0])
    assert [(s.key, s.question_id) for s in paper.sections[1:3]] == [
        ("q1", second.id),
        ("q2", first.id),
    ]


def test_deleting_a_question_removes_its_section(create_edition):
    edition = create_edition(questions=("Un ?", "Deux ?", "Trois ?"))
    services.delete_question(edition.questions[1])
    assert [q.text for q in edition.questions] == ["Un ?", "Trois ?"]
    assert _keys(edition.groups[0]) == ["introduction", "q1", "q2", "conclusion"]


def test_an_empty_question_is_refused(create_edition):
    edition = create_edition()
    with pytest.raises(BadInput):
        services.add_question(edition, "   ")


def test_a_group_with_an_unknown_kind_is_refused(create_edition):
    with pytest.raises(BadInput):
        services.add_group(create_edition(), name="Presse", kind="press")


def test_short_name_and_colour_patterns_refuse_a_trailing_newline():
    from app.facilitation.forms import NewPhaseForm
    from app.workshops.forms import SLUG, GroupForm

    assert services.SLUG_RE.fullmatch("sig-2025") and services.COLOUR_RE.fullmatch("#1f5f8b")
    assert services.SLUG_RE.fullmatch("sig-2025\n") is None
    assert services.COLOUR_RE.fullmatch("#1f5f8b\n") is None
    # The forms' Regexp validators use re.match: they must be anchored with \Z, not $.
    (colour,) = [v for v in GroupForm.colour.kwargs["validators"] if hasattr(v, "regex")]
    (phase_key,) = [v for v in NewPhaseForm.key.kwargs["validators"] if hasattr(v, "regex")]
    for regexp, good in ((SLUG, "sig-2025"), (colour, "#1f5f8b"), (phase_key, "bilan")):
        assert regexp.regex.match(good) and regexp.regex.match(good + "\n") is None


def test_a_short_name_never_keeps_a_trailing_newline(app):
    # _check_slug strips what surrounds the name first: the newline is dropped, never stored.
    edition = services.create_edition(slug="sig-2025\n", title="SIG", creator=None)
    assert edition.slug == "sig-2025"
    group = services.add_group(edition, name="Presse", kind="civil_society", slug="presse\n")
    assert group.slug == "presse"


@pytest.mark.parametrize("colour", ["#1f5f8b\n", "#1f5f8b\n\n", "1f5f8b", "#1f5f8"])
def test_a_bad_colour_is_refused(create_edition, colour):
    edition = create_edition()
    with pytest.raises(BadInput):
        services.add_group(edition, name="Presse", kind="civil_society", colour=colour)
    group = edition.groups[0]
    with pytest.raises(BadInput):
        services.update_group(group, name=group.name, kind=group.kind, colour=colour)
    assert "\n" not in group.colour


def test_a_participant_needs_a_group(create_edition, create_user):
    with pytest.raises(BadInput):
        services.set_membership(create_edition(), create_user(), Role.PARTICIPANT)


def test_a_group_of_another_edition_is_refused(create_edition, create_user):
    first, second = create_edition("one"), create_edition("two")
    with pytest.raises(BadInput):
        services.set_membership(first, create_user(), Role.PARTICIPANT, second.groups[0])


def test_an_invitation_places_the_person_in_its_role_and_group(create_edition, create_user):
    edition = create_edition()
    group = edition.groups[1]
    _invitation, token = services.create_invitation(edition, role=Role.PARTICIPANT, group=group)
    user = create_user()
    membership = services.redeem_invitation(services.find_invitation(token), user)
    assert (membership.role, membership.group_id) == (Role.PARTICIPANT, group.id)


def test_only_the_token_hash_is_stored(create_edition):
    invitation, token = services.create_invitation(create_edition(), role=Role.OBSERVER)
    assert token not in invitation.token_hash


def test_a_used_invitation_cannot_be_used_again(create_edition, create_user):
    _invitation, token = services.create_invitation(create_edition(), role=Role.OBSERVER)
    services.redeem_invitation(services.find_invitation(token), create_user())
    with pytest.raises(Conflict) as raised:
        services.find_invitation(token)
    assert raised.value.code == "invitation_used"


def test_an_expired_invitation_is_refused(create_edition):
    invitation, token = services.create_invitation(create_edition(), role=Role.OBSERVER)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(Conflict) as raised:
        services.find_invitation(token)
    assert raised.value.code == "invitation_expired"


def test_a_revoked_invitation_is_refused(create_edition):
    invitation, token = services.create_invitation(create_edition(), role=Role.OBSERVER)
    services.revoke_invitation(invitation)
    with pytest.raises(NotFound):
        services.find_invitation(token)


def test_a_participant_invitation_needs_a_group(create_edition):
    with pytest.raises(BadInput):
        services.create_invitation(create_edition(), role=Role.PARTICIPANT)
