"""Downloads of the deliverables: per group, the synthesis, and "tout exporter"."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core import authz
from app.core.errors import NotFound
from app.core.templating import edition_link, group_link
from app.exports import (
    MIME_TYPES,
    deliverables_zip,
    export_filename,
    group_docx,
    group_pptx,
    review_docx,
    review_filename,
    synthesis_docx,
    synthesis_pptx,
)
from app.exports import services as exports
from app.workshops import services as workshops

bp = Blueprint("exports", __name__)

GROUP_WRITERS = {"docx": group_docx, "pptx": group_pptx}
SYNTHESIS_WRITERS = {"docx": synthesis_docx, "pptx": synthesis_pptx}

edition_link("exports", _l("Deliverables"), "exports.index", "export.synthesis")
for fmt, label in (("docx", _l("Word document")), ("pptx", _l("PowerPoint deck"))):
    group_link(
        f"export-{fmt}",
        label,
        "exports.group_file",
        "export.group",
        target=lambda group: group,
        params=lambda group, fmt=fmt: {
            "slug": group.edition.slug,
            "group_slug": group.slug,
            "fmt": fmt,
        },
    )


def _send(data: bytes, filename: str, fmt: str):
    return send_file(
        io.BytesIO(data), mimetype=MIME_TYPES[fmt], as_attachment=True, download_name=filename
    )


@bp.route("/editions/<slug>/deliverables")
@login_required
def index(slug: str):
    edition = workshops.get_edition(slug)
    authz.require(current_user, "export.synthesis", edition)
    return render_template(
        "exports/index.html",
        edition=edition,
        may_zip=authz.can(current_user, "export.all", edition),
        pending=exports.pending_suggestions(edition),
    )


@bp.route("/editions/<slug>/groups/<group_slug>/deliverable.<fmt>")
@login_required
def group_file(slug: str, group_slug: str, fmt: str):
    if fmt not in GROUP_WRITERS:
        raise NotFound()
    edition = workshops.get_edition(slug)
    group = workshops.get_group(edition, group_slug)
    authz.require(current_user, "export.group", group)
    deliverable = exports.group_deliverable(group)
    filename = export_filename(deliverable.edition, deliverable.group, fmt)
    return _send(GROUP_WRITERS[fmt](deliverable), filename, fmt)


@bp.route("/editions/<slug>/groups/<group_slug>/review-copy.docx")
@login_required
def review_copy(slug: str, group_slug: str):
    edition = workshops.get_edition(slug)
    group = workshops.get_group(edition, group_slug)
    authz.require(current_user, "export.review_copy", group)
    deliverable = exports.group_deliverable(group)
    data = review_docx(deliverable, exports.review_comments(group))
    return _send(data, review_filename(deliverable.edition, deliverable.group), "docx")


@bp.route("/editions/<slug>/synthesis.<fmt>")
@login_required
def synthesis_file(slug: str, fmt: str):
    if fmt not in SYNTHESIS_WRITERS:
        raise NotFound()
    edition = workshops.get_edition(slug)
    authz.require(current_user, "export.synthesis", edition)
    synthesis = exports.edition_synthesis(edition)
    return _send(
        SYNTHESIS_WRITERS[fmt](synthesis), export_filename(synthesis.edition, None, fmt), fmt
    )


@bp.route("/editions/<slug>/deliverables.zip")
@login_required
def everything(slug: str):
    edition = workshops.get_edition(slug)
    authz.require(current_user, "export.all", edition)
    deliverables = exports.all_deliverables(edition)
    data = deliverables_zip(deliverables, exports.edition_synthesis(edition, deliverables))
    stem = export_filename(exports.export_edition(edition), None, "zip").replace("_Synthese", "")
    return _send(data, stem, "zip")
