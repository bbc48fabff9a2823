"""``flask export EDITION-SLUG [GROUP-SLUG|--synthesis] --format docx|pptx|zip --output FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app.core.errors import PalabreError
from app.exports import (
    deliverables_zip,
    group_docx,
    group_pptx,
    synthesis_docx,
    synthesis_pptx,
)
from app.exports import services as exports
from app.workshops import services as workshops

WRITERS = {
    ("group", "docx"): group_docx,
    ("group", "pptx"): group_pptx,
    ("synthesis", "docx"): synthesis_docx,
    ("synthesis", "pptx"): synthesis_pptx,
}


def build(edition_slug: str, group_slug: str | None, synthesis: bool, fmt: str) -> bytes:
    edition = workshops.get_edition(edition_slug)
    if group_slug:
        deliverable = exports.group_deliverable(workshops.get_group(edition, group_slug))
        if fmt == "zip":
            return deliverables_zip([deliverable])
        return WRITERS["group", fmt](deliverable)
    deliverables = exports.all_deliverables(edition)
    summary = exports.edition_synthesis(edition, deliverables)
    if fmt == "zip":
        return deliverables_zip([] if synthesis else deliverables, summary)
    if not synthesis:
        raise click.UsageError("name a GROUP-SLUG, or --synthesis, or use --format zip")
    return WRITERS["synthesis", fmt](summary)


def register(app: Flask) -> None:
    @app.cli.command("export")
    @click.argument("edition_slug")
    @click.argument("group_slug", required=False)
    @click.option("--synthesis", is_flag=True, help="The cross-group synthesis.")
    @click.option("--format", "fmt", type=click.Choice(["docx", "pptx", "zip"]), required=True)
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    def export(edition_slug, group_slug, synthesis, fmt, output: Path) -> None:
        """Write a deliverable of EDITION-SLUG (a group's, the synthesis, or all as a zip)."""
        if group_slug and synthesis:
            raise click.UsageError("GROUP-SLUG and --synthesis exclude each other")
        try:
            data = build(edition_slug, group_slug, synthesis, fmt)
        except PalabreError as error:
            raise click.ClickException(error.message) from error
        output.write_bytes(data)
        click.echo(f"{output} ({len(data):,} bytes)")
