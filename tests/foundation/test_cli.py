import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import authenticate, find_user
from app.extensions import db
from app.workshops.services import find_invitation


def test_create_organizer_asks_for_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-organizer", "chef@example.org"],
        input="un mot de passe\nun mot de passe\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("chef@example.org", "un mot de passe").is_organizer


def test_create_organizer_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-organizer", "chef@example.org"], input="court\ncourt\n"
    )
    assert result.exit_code != 0
    assert find_user("chef@example.org") is None


@pytest.mark.parametrize(
    "email",
    [
        "chef@localhost",  # no period in the domain: the forms' Email() refuses it
        "chef@@example.org",
        "chef@example.org\n",
        "chef @example.org",
        "@example.org",
        "chef@example.test",  # a special-use domain
        "",
        f"{'x' * 250}@example.org",  # longer than the forms' 254 characters
    ],
)
def test_create_organizer_refuses_an_address_the_forms_refuse(app, email):
    from app.accounts.forms import email_problem

    assert email_problem(email) is not None  # the forms' own checks refuse it too
    result = app.test_cli_runner().invoke(
        args=["create-organizer", email], input="un mot de passe\nun mot de passe\n"
    )
    assert result.exit_code != 0
    assert "is not a valid e-mail address" in result.output
    assert "Password" not in result.output  # refused before the password is asked
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_organizer_normalises_the_address_as_the_forms_do(app):
    result = app.test_cli_runner().invoke(
        args=["create-organizer", "Chef@Example.ORG", "--password", "un mot de passe"]
    )
    assert result.exit_code == 0, result.output
    assert "Organizer chef@example.org created." in result.output
    user = find_user("chef@example.org")
    assert user.email == "chef@example.org" and user.is_organizer


def test_load_demo_creates_the_demo_edition(app):
    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert authenticate("facilitateur@demo.palabre", "palabre-demo") is not None


def test_load_demo_refuses_a_database_with_other_editions(app, create_edition):
    create_edition("autre-ecole")
    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert result.exit_code != 0
    assert "--force" in result.output


def test_load_demo_if_empty_leaves_a_used_database_alone(app, create_edition):
    create_edition("autre-ecole")
    result = app.test_cli_runner().invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output


def test_invite_prints_a_working_link(app, demo):
    result = app.test_cli_runner().invoke(
        args=["invite", "malisig-2023", "participant", "secteur-prive"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().rsplit("/", 1)[1]
    invitation = find_invitation(token)
    assert (invitation.role, invitation.group.slug) == ("participant", "secteur-prive")


def test_invite_to_an_unknown_group_fails_clearly(app, demo):
    result = app.test_cli_runner().invoke(args=["invite", "malisig-2023", "participant", "presse"])
    assert result.exit_code != 0
    assert "Error" in result.output
