"""Invitation links others can open: PUBLIC_URL or the LAN address, and their QR codes."""

import re

import pytest

from app.core import public_url
from app.workshops.services import find_invitation

INVITATIONS = "/editions/malisig-2023/manage/invitations"
FORM = {"role": "participant", "group": "societe-civile", "valid_days": 7, "max_uses": 30}

EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - a setting's value, nothing binds


def _invite(demo, client_for) -> str:
    organizer = client_for(demo.users["organisateur@demo.palabre"])
    response = organizer.post(INVITATIONS, data=FORM)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _link(page: str) -> str:
    return re.search(r'class="copyable" readonly value="([^"]+)"', page).group(1)


def test_with_public_url_the_invitation_link_starts_with_it(app, demo, client_for):
    app.config["PUBLIC_URL"] = "https://palabre.example.org"
    link = _link(_invite(demo, client_for))
    assert re.fullmatch(r"https://palabre\.example\.org/invitation/[\w-]+", link)
    assert find_invitation(link.rsplit("/", 1)[1]).group.slug == "societe-civile"


def test_on_every_interface_the_invitation_link_names_the_lan_address(app, demo, client_for):
    app.config["HOST"] = EVERY_INTERFACE
    link = _link(_invite(demo, client_for))
    assert link.startswith(f"http://{public_url.lan_address()}:5000/invitation/")


def test_on_loopback_the_invitation_link_keeps_the_browsing_address(demo, client_for):
    page = _invite(demo, client_for)
    assert _link(page).startswith("http://localhost/invitation/")
    assert 'class="invitation-warning"' in page  # and the page says so


def test_a_public_link_carries_no_loopback_warning(app, demo, client_for):
    app.config["PUBLIC_URL"] = "http://192.168.1.9:5000"
    assert 'class="invitation-warning"' not in _invite(demo, client_for)


def test_the_new_link_comes_with_the_qr_code_of_that_very_link(app, demo, client_for):
    app.config["PUBLIC_URL"] = "http://192.168.1.9:5000/"
    page = _invite(demo, client_for)
    link = _link(page)
    svgs = re.findall(r'<svg role="img" aria-label="([^"]+)"[^>]*class="qr".*?</svg>', page, re.S)
    assert len(svgs) == 1 and svgs[0]  # one QR code, announced to screen readers
    inline = re.search(r'<svg role="img".*?</svg>', page, re.S).group(0)
    assert _path(inline) == _path(public_url.qr_svg(link, "any label"))
    assert link.startswith("http://192.168.1.9:5000/invitation/")


def _path(svg: str) -> str:
    return re.search(r' d="([^"]+)"', svg).group(1)


def test_the_invitations_page_without_a_new_link_shows_no_qr_code(demo, client_for):
    organizer = client_for(demo.users["organisateur@demo.palabre"])
    assert 'class="qr"' not in organizer.get(INVITATIONS).get_data(as_text=True)


def test_the_cli_invitation_link_starts_with_public_url(app, demo):
    app.config["PUBLIC_URL"] = "https://palabre.example.org"
    result = app.test_cli_runner().invoke(args=["invite", "malisig-2023", "observer"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"https://palabre\.example\.org/invitation/[\w-]+\n", result.output)


def test_the_cli_invitation_link_defaults_to_where_the_server_listens(app, demo):
    app.config.update(HOST="127.0.0.1", PORT=8000)
    result = app.test_cli_runner().invoke(args=["invite", "malisig-2023", "observer"])
    assert result.output.startswith("http://127.0.0.1:8000/invitation/")


def test_the_cli_base_url_option_wins(app, demo):
    app.config["PUBLIC_URL"] = "https://palabre.example.org"
    result = app.test_cli_runner().invoke(
        args=["invite", "malisig-2023", "observer", "--base-url", "http://10.0.0.2:5000/"]
    )
    assert result.output.startswith("http://10.0.0.2:5000/invitation/")


@pytest.mark.parametrize("base", ["10.0.0.2:5000", "ftp://10.0.0.2"])
def test_the_cli_refuses_a_base_url_that_is_not_http(app, demo, base):
    result = app.test_cli_runner().invoke(
        args=["invite", "malisig-2023", "observer", "--base-url", base]
    )
    assert result.exit_code != 0
    assert "--base-url must be an http:// or https:// URL" in result.output
