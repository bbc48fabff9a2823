def test_the_interface_is_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Se connecter" in page


def test_an_english_browser_gets_english(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True
    )
    assert "Log in" in page
    assert 'lang="en"' in page


def test_the_language_switch_is_kept_for_the_next_pages(client):
    client.post("/language/en", data={"next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Log in" in page


def test_an_unknown_language_is_a_404(client):
    assert client.post("/language/xx").status_code == 404
