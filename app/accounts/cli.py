"""``flask create-organizer EMAIL``: an account that may create editions."""

from __future__ import annotations

import click
from flask import Flask

from app.accounts import services
from app.accounts.forms import email_problem
from app.core.errors import PalabreError
from app.core.transactions import run_in_transaction


def _valid_email(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Refuse, before the password is asked, an address the sign-up and login forms refuse."""
    problem = email_problem(value)
    if problem is not None:
        raise click.BadParameter(f"{value!r} is not a valid e-mail address: {problem}")
    return services.normalise_email(value)


def register(app: Flask) -> None:
    @app.cli.command("create-organizer")
    @click.argument("email", callback=_valid_email)
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
