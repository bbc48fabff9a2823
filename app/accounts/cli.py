"""``flask create-organizer EMAIL``: an account that may create editions."""

from __future__ import annotations

import click
from flask import Flask

from app.accounts import services
from app.core.errors import PalabreError
from app.core.transactions import run_in_transaction


def register(app: Flask) -> None:
    @app.cli.command("create-organizer")
    @click.argument("email")
    @click.option("--name", default=None, help="Display name (default: the e-mail's local part).")
    @click.password_option(help="Asked for when not given.")
    def create_organizer(email: str, name: str | None, password: str) -> None:
        """Create an organizer account (or make an existing account an organizer)."""

        def work():
            user = services.find_user(email)
            if user is None:
                return services.create_user(
                    email, name or email.split("@")[0], password, is_organizer=True
                ), True
            user.is_organizer = True
            return user, False

        try:
            user, created = run_in_transaction(work)
        except PalabreError as error:
            raise click.ClickException(error.message) from error
        verb = "created" if created else "is now an organizer"
        click.echo(f"Organizer {user.email} {verb}.")
