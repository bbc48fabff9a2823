"""The address others open: the base of every absolute link Palabre gives away.

Invitation links, their QR codes and ``make run``'s banner are opened on other devices
(the trainees' phones on the workshop's Wi-Fi), where the address the organizer browses
(``http://127.0.0.1:5000``) leads nowhere. The base is ``PUBLIC_URL`` when set; else,
when the server listens on every interface (``HOST=0.0.0.0`` or ``::``), the laptop's LAN
address; else (``HOST=127.0.0.1``, the default) none: links keep the browsing address.

Finding the LAN address sends nothing and never waits: a UDP socket "connected" to an
address outside the LAN only asks the kernel which interface its route leaves by (no
packet, works offline); without such a route (a laptop that is itself the Wi-Fi hotspot)
the first address of a real interface, read from the interfaces (no DNS); then 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import sys
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import segno
from flask import url_for
from markupsafe import Markup, escape

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind
# A private address no LAN is likely to be on: only its route is asked for.
PROBE_ADDRESS = ("10.254.254.254", 1)
# Interfaces of containers, VMs and bridges: not the ones phones reach the laptop through.
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "zt")
QR_DARK = "#1d3557"


def normalise(value: str | None, name: str = "PUBLIC_URL") -> str | None:
    """``PUBLIC_URL`` as configured: None when unset, else an http(s) URL without the
    trailing slash (links append their path to it)."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{name} must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_netloc(url: str) -> str | None:
    """``url``'s host (and port) when it names this machine's loopback, which other
    devices cannot open; else None."""
    parts = urlsplit(url)
    return parts.netloc if is_loopback(parts.hostname or "") else None


def _usable(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def choose_lan_address(route_address: str | None, interfaces: Iterable[tuple[str, str]]) -> str:
    """The address phones reach this machine at: the default route's source address,
    else the first (name, address) of a real interface, else of any, else 127.0.0.1."""
    if _usable(route_address):
        return route_address
    candidates = [(name, address) for name, address in interfaces if _usable(address)]
    for name, address in candidates:
        if not name.startswith(VIRTUAL_PREFIXES):
            return address
    return candidates[0][1] if candidates else "127.0.0.1"


def route_source_address(target: tuple[str, int] = PROBE_ADDRESS) -> str | None:
    """The source address of the route to ``target``; None without such a route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(target)  # UDP: sets the peer, sends nothing
            return probe.getsockname()[0]
    except OSError:
        return None


def interface_addresses() -> list[tuple[str, str]]:
    """(interface, IPv4 address) of this machine's interfaces, without DNS: read from the
    interfaces on Linux, from the host name's local resolution elsewhere."""
    if sys.platform.startswith("linux"):
        import fcntl  # Linux only: SIOCGIFADDR

        found = []
        for _index, name in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    request = struct.pack("256s", name.encode()[:15])
                    answer = fcntl.ioctl(s.fileno(), 0x8915, request)
                except OSError:
                    continue  # no IPv4 address
            found.append((name, socket.inet_ntoa(answer[20:24])))
        return found
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [("", info[4][0]) for info in infos]


def lan_address(
    probe: Callable[[], str | None] = route_source_address,
    interfaces: Callable[[], Iterable[tuple[str, str]]] = interface_addresses,
) -> str:
    return choose_lan_address(probe(), interfaces())


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def listen_url(host: str, port: int | str) -> str:
    """``http://HOST:PORT``: where the server listens, as a URL."""
    return f"http://{_url_host(host)}:{port}"


def base_url(
    public_url: str | None,
    host: str,
    port: int | str,
    *,
    discover: Callable[[], str] = lan_address,
) -> str | None:
    """The base of links for others (no trailing slash), or None: the browsing address."""
    if public_url:
        return public_url.rstrip("/")
    if host in WILDCARD_HOSTS:
        return listen_url(discover(), port)
    if is_loopback(host):
        return None
    return listen_url(host, port)


def configured_base_url(config) -> str | None:
    """``base_url`` from an app's config (``PUBLIC_URL``, ``HOST``, ``PORT``)."""
    return base_url(config["PUBLIC_URL"], config["HOST"], config["PORT"])


def external_url(base: str | None, endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under ``base``; under the request's address when
    ``base`` is None."""
    if base is None:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG QR code of ``url`` (a full QR code: phones' cameras read no Micro
    QR), sized by CSS, announced as ``label``."""
    svg = segno.make_qr(url).svg_inline(
        scale=1, border=4, dark=QR_DARK, light="#fff", omitsize=True, svgclass="qr"
    )
    attributes = f'<svg role="img" aria-label="{escape(label)}" '
    return Markup(attributes + svg.removeprefix("<svg "))  # noqa: S704 - segno's SVG, escaped label


def qr_terminal(url: str, *, colour: bool) -> str:
    """``url`` as a QR code in text, two rows a line (half blocks); with ``colour``, light
    glyphs on a black ground forced by ANSI codes, so light terminals show it right too."""
    rows = [list(row) for row in segno.make_qr(url).matrix_iter(scale=1, border=4)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))
    blocks = {(0, 0): "\u2588", (0, 1): "\u2580", (1, 0): "\u2584", (1, 1): " "}
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2], strict=True):
        line = "".join(blocks[pair] for pair in zip(top, bottom, strict=True))
        lines.append(f"\033[97;40m{line}\033[0m" if colour else line)
    return "\n".join(lines)
