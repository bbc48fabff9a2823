import pytest

from app.accounts.services import authenticate
from app.core.errors import Conflict
from app.workshops import demo, services


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
