import pytest

from app.accounts import services
from app.core.errors import BadInput, Conflict


def test_password_is_stored_as_an_argon2_hash(create_user):
    user = create_user("awa@example.org")
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_authenticate_accepts_the_right_password(create_user):
    user = create_user("awa@example.org")
    assert services.authenticate("AWA@example.org ", "correct horse battery") == user


def test_authenticate_refuses_a_wrong_password(create_user):
    create_user("awa@example.org")
    assert services.authenticate("awa@example.org", "wrong password") is None


def test_authenticate_refuses_an_unknown_email(app):
    assert services.authenticate("nobody@example.org", "whatever1") is None


def test_a_second_account_with_the_same_email_is_refused(create_user):
    create_user("awa@example.org")
    with pytest.raises(Conflict):
        services.create_user("Awa@Example.org", "Awa", "another password")


def test_a_short_password_is_refused(app):
    with pytest.raises(BadInput):
        services.create_user("awa@example.org", "Awa", "short")


def test_ending_all_sessions_invalidates_the_old_session_id(create_user):
    user = create_user()
    old_id = user.get_id()
    services.end_all_sessions(user)
    assert services.load_session_user(old_id) is None
    assert services.load_session_user(user.get_id()) == user


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1.x", "999.1", "-1.1"])
def test_a_malformed_session_id_loads_nobody(create_user, session_id):
    create_user()
    assert services.load_session_user(session_id) is None
