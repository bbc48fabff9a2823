import pytest

from app.accounts.services import authenticate
from app.core.errors import Conflict
from app.workshops import demo, services
from app.workshops.demo import ACCOUNTS


def test_the_demo_edition_has_the_five_questions_and_three_groups(demo):
    assert demo.slug == "malisig-2023"
    assert demo.title == "MaliSIG 2023 — Masterclass"
    assert len(demo.questions) == 5
    assert [g.slug for g in demo.groups] == ["gouvernement", "secteur-prive", "societe-civile"]


@pytest.mark.parametrize("account", demo.ACCOUNTS, ids=lambda a: a.email)
def test_every_demo_account_logs_in_with_the_demo_password_and_has_its_role(demo, account):
    user = authenticate(account.email, "palabre-demo")
    membership = services.membership_of(user, demo)
    assert membership.role == account.role
    assert (membership.group.slug if membership.group else None) == account.group


def test_the_demo_refuses_a_database_with_other_editions(create_edition):
    create_edition("autre-ecole")
    with pytest.raises(Conflict):
        demo.load_demo()


def test_the_demo_loads_next_to_other_editions_when_forced(create_edition):
    create_edition("autre-ecole")
    assert demo.load_demo(force=True).slug == "malisig-2023"


# --- what the demo shows: three written papers and a debate that cites its sources ------


def _paper_texts(group) -> dict[str, str]:
    from app.collaboration.services import paper_of, section_text

    return {section.key: section_text(section) for section in paper_of(group).sections}


@pytest.mark.parametrize("slug", ["gouvernement", "secteur-prive", "societe-civile"])
def test_every_section_of_each_demo_paper_is_written(demo, slug):
    texts = _paper_texts(services.get_group(demo, slug))
    assert list(texts) == ["introduction", "q1", "q2", "q3", "q4", "q5", "conclusion"]
    assert all(text.strip() for text in texts.values())


@pytest.mark.parametrize("slug", ["gouvernement", "secteur-prive", "societe-civile"])
def test_each_demo_paper_is_the_length_of_a_real_deliverable(demo, slug):
    words = sum(len(t.split()) for t in _paper_texts(services.get_group(demo, slug)).values())
    assert 1_200 <= words <= 2_200


def test_each_demo_paper_is_written_by_both_members_of_its_group(demo):
    from app.collaboration.services import authorship, paper_of

    for group in demo.groups:
        writers = set()
        for section in paper_of(group).sections:
            writers |= set(authorship(section))
        members = {demo.users[a.email].id for a in ACCOUNTS if a.group == group.slug}
        assert writers == members, group.slug


def test_each_groups_export_cites_sources_of_the_library(demo):
    from app.exports.services import export_debate

    for group in demo.groups:
        sources, arguments = export_debate(demo, group)
        assert arguments and len(sources) >= 3, group.slug


def test_the_demo_debate_answers_every_question_across_groups(demo):
    from app.deliberation.threads import thread

    for question in demo.questions:
        roots = thread(question)
        groups = {node.argument.group_id for root in roots for node in root.walk()}
        assert roots and len(groups) >= 2, question.position


def test_a_blank_demo_leaves_the_papers_to_write(blank_demo):
    for group in blank_demo.groups:
        assert not any(_paper_texts(group).values()), group.slug
