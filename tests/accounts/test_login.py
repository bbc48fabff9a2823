from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, **query):
    return client.post("/login", data={"email": email, "password": password}, query_string=query)


def test_login_with_the_right_password_redirects_to_my_editions(client, create_user):
    create_user("awa@example.org")
    response = _login(client, "awa@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_with_a_wrong_password_says_so(client, create_user):
    create_user("awa@example.org")
    response = _login(client, "awa@example.org", "not the password")
    assert response.status_code == 401
    assert "E-mail ou mot de passe incorrect" in response.get_data(as_text=True)


def test_login_with_missing_fields_shows_the_form_again(client):
    response = client.post("/login", data={"email": ""})
    assert response.status_code == 400
    assert 'name="password"' in response.get_data(as_text=True)


def test_login_never_redirects_to_another_site(client, create_user):
    create_user("awa@example.org")
    response = _login(client, "awa@example.org", next="//evil.example/steal")
    assert response.headers["Location"] == "/"


def test_login_starts_a_fresh_session(client, create_user):
    create_user("awa@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, "awa@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session_on_every_device(app, create_user):
    create_user("awa@example.org")
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, "awa@example.org")
    _login(laptop, "awa@example.org")
    phone.post("/logout")
    response = laptop.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_is_rate_limited_per_client(client, create_user):
    create_user("awa@example.org")
    statuses = [_login(client, f"x{n}@example.org", "bad password").status_code for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_login_is_rate_limited_per_account_across_addresses(app, create_user):
    create_user("awa@example.org")
    statuses = []
    for n in range(11):
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": "awa@example.org", "password": "bad password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429


def test_a_spoofed_forwarded_for_header_does_not_escape_the_limit(client, create_user):
    create_user("awa@example.org")
    for n in range(10):
        client.post(
            "/login",
            data={"email": f"x{n}@example.org", "password": "bad password"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
    response = client.post(
        "/login",
        data={"email": "y@example.org", "password": "bad password"},
        headers={"X-Forwarded-For": "198.51.100.1"},
    )
    assert response.status_code == 429


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    create_user("awa@example.org")
    response = _login(client, "awa@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
