def _csp(response) -> dict[str, str]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def test_every_page_has_a_content_security_policy_without_inline_scripts(client):
    csp = _csp(client.get("/login"))
    assert csp["script-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"


def test_error_pages_carry_the_security_headers_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_style_nonce_changes_on_every_response(client):
    first = _csp(client.get("/login"))["style-src"]
    second = _csp(client.get("/login"))["style-src"]
    assert first != second


def test_pages_reference_no_external_asset(client):
    page = client.get("/login").get_data(as_text=True)
    assert "https://" not in page
    assert "http://" not in page


def test_a_post_without_csrf_token_is_refused(app, create_user):
    app.config["WTF_CSRF_ENABLED"] = True
    create_user("awa@example.org")
    response = app.test_client().post(
        "/login", data={"email": "awa@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 400
