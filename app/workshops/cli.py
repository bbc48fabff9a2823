"""``flask load-demo`` and ``flask invite EDITION-SLUG ROLE [GROUP-SLUG]``."""

from __future__ import annotations

import click
from flask import Flask

from app.core import public_url
from app.core.errors import PalabreError
from app.core.transactions import run_in_transaction
from app.workshops import demo, services


def register(app: Flask) -> None:
    @app.cli.command("load-demo")
    @click.option("--force", is_flag=True, help="Load even if other editions exist.")
    @click.option("--if-empty", is_flag=True, help="Do nothing when any edition exists.")
    def load_demo(force: bool, if_empty: bool) -> None:
        """Load the MaliSIG 2023 demo edition and its accounts."""
        from sqlalchemy import func, select

        from app.extensions import db
        from app.workshops.models import Edition

        if if_empty and db.session.scalar(select(func.count(Edition.id))):
            click.echo("Database not empty: demo not loaded.")
            return
        try:
            run_in_transaction(lambda: demo.load_demo(force=force))
        except PalabreError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"Demo edition {demo.DEMO_SLUG!r} loaded.")

    @app.cli.command("invite")
    @click.argument("edition_slug")
    @click.argument(
        "role", type=click.Choice(["organizer", "facilitator", "participant", "observer"])
    )
    @click.argument("group_slug", required=False)
    @click.option("--days", default=14, show_default=True, help="Days before the link expires.")
    @click.option("--uses", default=1, show_default=True, help="How many people may use it.")
    @click.option(
        "--base-url",
        help="Address the link starts with. Default: PUBLIC_URL, else the LAN address "
        "with HOST=0.0.0.0, else http://HOST:PORT.",
    )
    def invite(edition_slug, role, group_slug, days, uses, base_url) -> None:
        """Print an invitation link to EDITION-SLUG as ROLE (in GROUP-SLUG)."""
        config = app.config
        try:
            base = public_url.normalise(base_url, "--base-url")
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--base-url") from error
        base = (
            base
            or public_url.configured_base_url(config)
            or public_url.listen_url(config["HOST"], config["PORT"])
        )

        def work():
            edition = services.get_edition(edition_slug)
            group = services.get_group(edition, group_slug) if group_slug else None
            return services.create_invitation(
                edition, role=role, group=group, valid_days=days, max_uses=uses
            )

        try:
            _invitation, token = run_in_transaction(work)
        except PalabreError as error:
            raise click.ClickException(error.message) from error
        with app.test_request_context():
            click.echo(public_url.external_url(base, "accounts.invitation", token=token))
