"""The address others open (app/core/public_url.py): PUBLIC_URL, the LAN address, QR codes."""

import re

import pytest
import segno

from app.core import public_url
from app.demo_banner import LAN_HINT, banner

EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - a setting's value, nothing binds


def test_the_default_route_source_address_is_the_lan_address():
    interfaces = [("lo", "127.0.0.1"), ("wlan0", "192.168.1.20")]
    assert public_url.choose_lan_address("10.0.0.5", interfaces) == "10.0.0.5"


def test_without_a_route_the_first_real_interface_is_chosen():
    interfaces = [
        ("lo", "127.0.0.1"),
        ("docker0", "172.17.0.1"),
        ("eth0", "169.254.3.4"),  # link-local: no DHCP answered
        ("wlp2s0", "10.42.0.1"),  # the laptop is the hotspot
    ]
    assert public_url.choose_lan_address(None, interfaces) == "10.42.0.1"


def test_a_loopback_route_address_is_not_a_lan_address():
    assert public_url.choose_lan_address("127.0.0.1", [("eth0", "192.168.0.7")]) == "192.168.0.7"


def test_a_virtual_interface_is_chosen_only_when_nothing_else_is_left():
    assert public_url.choose_lan_address(None, [("docker0", "172.17.0.1")]) == "172.17.0.1"


def test_without_any_address_the_lan_address_is_loopback():
    assert public_url.choose_lan_address(None, [("lo", "127.0.0.1")]) == "127.0.0.1"


def test_lan_address_asks_the_route_then_the_interfaces():
    found = public_url.lan_address(probe=lambda: None, interfaces=lambda: [("eth0", "10.1.2.3")])
    assert found == "10.1.2.3"


def test_the_real_discovery_answers_an_address_without_raising():
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", public_url.lan_address())


def test_public_url_wins_over_the_lan_address():
    base = public_url.base_url(
        "https://palabre.example.org", EVERY_INTERFACE, 5000, discover=_never
    )
    assert base == "https://palabre.example.org"


def test_every_interface_means_the_lan_address():
    assert public_url.base_url(None, EVERY_INTERFACE, 8000, discover=lambda: "192.168.1.9") == (
        "http://192.168.1.9:8000"
    )
    assert public_url.base_url(None, "::", 5000, discover=lambda: "192.168.1.9") == (
        "http://192.168.1.9:5000"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_a_loopback_host_keeps_the_browsing_address(host):
    assert public_url.base_url(None, host, 5000, discover=_never) is None


def test_a_named_lan_host_is_its_own_address():
    assert public_url.base_url(None, "192.168.1.4", 5000, discover=_never) == (
        "http://192.168.1.4:5000"
    )
    assert public_url.base_url(None, "fd00::4", 5000, discover=_never) == "http://[fd00::4]:5000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://palabre.example.org/", "https://palabre.example.org"),
        ("http://192.168.1.9:5000//", "http://192.168.1.9:5000"),
        ("  https://example.org/palabre/ ", "https://example.org/palabre"),
        ("", None),
        (None, None),
    ],
)
def test_public_url_loses_its_trailing_slashes(value, expected):
    assert public_url.normalise(value) == expected


@pytest.mark.parametrize("value", ["palabre.example.org", "ftp://example.org", "https://"])
def test_public_url_must_be_an_http_url(value):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        public_url.normalise(value)


def test_a_link_under_a_base_with_a_path_keeps_both(app):
    with app.test_request_context():
        link = public_url.external_url(
            "https://example.org/palabre", "accounts.invitation", token="t"
        )
    assert link == "https://example.org/palabre/invitation/t"


def test_without_a_base_a_link_keeps_the_browsing_address(app):
    with app.test_request_context(base_url="http://127.0.0.1:5000"):
        link = public_url.external_url(None, "accounts.invitation", token="t")
    assert link == "http://127.0.0.1:5000/invitation/t"


def test_the_terminal_qr_code_is_the_url_s():
    url = "http://192.168.1.9:5000"
    lines = public_url.qr_terminal(url, colour=False).splitlines()
    halves = {"\u2588": (0, 0), "\u2580": (0, 1), "\u2584": (1, 0), " ": (1, 1)}
    matrix = []
    for line in lines:
        pairs = [halves[char] for char in line]
        matrix += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    expected = [list(row) for row in segno.make_qr(url).matrix_iter(scale=1, border=4)]
    assert matrix[: len(expected)] == expected
    assert all(module == 0 for row in matrix[len(expected) :] for module in row)  # light


def test_the_coloured_terminal_qr_code_forces_light_on_black():
    line = public_url.qr_terminal("http://192.168.1.9:5000", colour=True).splitlines()[0]
    assert line.startswith("\033[97;40m") and line.endswith("\033[0m")


def test_the_banner_shows_the_lan_address_and_its_qr_code():
    text = banner(EVERY_INTERFACE, 5000, "http://192.168.1.9:5000")
    assert "Palabre: http://127.0.0.1:5000" in text
    assert "Phones on the same network open http://192.168.1.9:5000" in text
    assert public_url.qr_terminal("http://192.168.1.9:5000", colour=False).splitlines()[2] in text
    assert LAN_HINT not in text
    assert "organisateur@demo.palabre" in text


def test_the_banner_on_loopback_says_how_to_let_phones_join():
    text = banner("127.0.0.1", 5000, None)
    assert "Palabre: http://127.0.0.1:5000" in text
    assert "HOST=0.0.0.0 make run to let phones join over the LAN." in text
    assert "\u2588" not in text


def test_the_banner_shows_no_qr_code_for_a_loopback_public_url():
    text = banner("127.0.0.1", 5000, "http://localhost:5000")
    assert LAN_HINT in text
    assert "\u2588" not in text


def _never() -> str:
    raise AssertionError("no discovery expected")
