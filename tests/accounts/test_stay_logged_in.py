"""'Stay logged in on this device': a session that outlives the browser, for
STAY_LOGGED_IN_DAYS after the last visit; logging out still ends every session; the JSON
answers of /login and /logout the pages use to log in again in place and to log out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import PASSWORD


def _session_cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def _log_in(client, email, **extra):
    return client.post("/login", data={"email": email, "password": PASSWORD, **extra})


def test_the_choice_is_offered_ticked(client):
    html = client.get("/login").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="remember"[^>]*>', html)
    assert box and "checked" in box.group(0) and 'type="checkbox"' in box.group(0)


def test_a_kept_session_outlives_the_browser_for_the_configured_days(app, client, create_user):
    user = create_user()
    response = _log_in(client, user.email, remember="y")
    assert response.status_code == 302
    cookie = _session_cookie(client, app)
    assert cookie.expires is not None  # a persistent cookie: it survives a browser restart
    left = cookie.expires - datetime.now(UTC)
    assert timedelta(days=app.config["STAY_LOGGED_IN_DAYS"] - 1) < left
    assert left <= timedelta(days=app.config["STAY_LOGGED_IN_DAYS"])
    assert client.get("/").status_code == 200


def test_without_the_choice_the_session_ends_with_the_browser(app, client, create_user):
    user = create_user()
    _log_in(client, user.email)  # the box unticked: not in the form
    assert _session_cookie(client, app).expires is None


def test_each_visit_renews_a_kept_session_but_static_files_do_not(app, client, create_user):
    user = create_user()
    _log_in(client, user.email, remember="y")
    page = client.get("/")
    assert "palabre_session=" in page.headers.get("Set-Cookie", "")
    css = client.get("/static/css/editor.css")
    css.close()
    assert "Set-Cookie" not in css.headers


def test_logging_out_ends_the_kept_sessions_of_every_device(app, create_user):
    user = create_user()
    phone, laptop = app.test_client(), app.test_client()
    _log_in(phone, user.email, remember="y")
    _log_in(laptop, user.email, remember="y")
    assert phone.get("/").status_code == 200
    laptop.post("/logout")
    # The phone still holds its (persistent) cookie, which no longer opens anything.
    assert _session_cookie(phone, app) is not None
    response = phone.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_the_login_answers_json_for_a_login_in_place(app, client, create_user):
    user = create_user()
    probe = client.get("/login", headers={"Accept": "application/json"})
    assert probe.status_code == 200
    assert probe.get_json()["authenticated"] is False and probe.get_json()["csrf_token"]
    wrong = client.post(
        "/login",
        data={"email": user.email, "password": "nope-nope-nope"},
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 401 and wrong.get_json()["ok"] is False
    assert wrong.get_json()["message"]
    right = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y"},
        headers={"Accept": "application/json"},
    )
    body = right.get_json()
    assert right.status_code == 200 and body["ok"] and body["user"]["id"] == user.id
    assert body["csrf_token"]
    assert _session_cookie(client, app).expires is not None
    again = client.get("/login", headers={"Accept": "application/json"}).get_json()
    assert again["authenticated"] is True and again["user"]["id"] == user.id


def test_the_logout_answers_json_and_keeps_its_message_for_the_login_page(client, create_user):
    user = create_user()
    _log_in(client, user.email)
    response = client.post("/logout", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"ok": True, "next": "/login"}
    assert client.get("/").status_code == 302
    assert "flash" in client.get("/login").get_data(as_text=True)
