"""Printed by ``make run`` before the server starts: where Palabre is, the address phones
open (with its QR code), and who to log in as."""

from __future__ import annotations

import sys

from app.config import Config
from app.core import public_url
from app.workshops.demo import ACCOUNTS, DEMO_PASSWORD

LAN_HINT = "HOST=0.0.0.0 make run to let phones join over the LAN."


def banner(host: str, port: int, public: str | None, *, colour: bool = False) -> str:
    """The banner's text for a server on (host, port) whose links start with ``public``
    (``public_url.base_url``; None: the address of the browser)."""
    here = public_url.listen_url("127.0.0.1" if host in public_url.WILDCARD_HOSTS else host, port)
    lines = ["", f"  Palabre: {here}"]
    if public and not public_url.loopback_netloc(public):
        lines += [
            "",
            f"  Phones on the same network open {public}",
            "  (or scan this code with the camera):",
            "",
            *(f"  {line}" for line in public_url.qr_terminal(public, colour=colour).splitlines()),
        ]
    else:
        lines.append(f"  {LAN_HINT}")
    lines += ["", f"  Demo accounts (password: {DEMO_PASSWORD}):"]
    for account in ACCOUNTS:
        group = f" — {account.group}" if account.group else ""
        lines.append(f"    {account.email:<30} {account.role}{group}")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    try:
        config = Config()
    except ValueError as error:  # a setting that cannot be read (PUBLIC_URL…)
        sys.exit(f"Palabre: {error}")
    public = public_url.configured_base_url(vars(config))
    print(banner(config.HOST, config.PORT, public, colour=sys.stdout.isatty()), flush=True)


if __name__ == "__main__":
    main()
