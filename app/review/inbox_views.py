"""The inbox as pages: the bell in the header of every page of an edition (its unread
count, given to every template), and the member's inbox page.

- ``GET  /editions/<slug>/inbox``: the latest lines, newest first; opening the page marks
  nothing read;
- ``POST /editions/<slug>/inbox/read`` (``id``: one line, else every unread one): marks
  them read, then back to the page with a flash.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import authz
from app.core.errors import BadInput
from app.review import notifications
from app.workshops import services as workshops

bp = Blueprint("inbox", __name__)


def _edition(slug: str):
    edition = workshops.get_edition(slug)
    authz.require(current_user, "review.inbox", edition)
    return edition


def unread_in(edition) -> int | None:
    """The header's count: ``None`` when the page's reader has no inbox in ``edition``."""
    if not current_user.is_authenticated or not authz.can(current_user, "review.inbox", edition):
        return None
    return notifications.unread_count(current_user, edition)


@bp.app_context_processor
def header() -> dict:
    return {"inbox_unread": unread_in}


def _line(notification) -> dict:
    section = notification.section
    group = section.paper.group
    return {
        "id": notification.id,
        "text": notifications.sentence(notification),
        "excerpt": notifications.payload(notification)["excerpt"],
        "at": notification.created_at,
        "unread": notification.read_at is None,
        "url": url_for(
            "collaboration.paper",
            slug=group.edition.slug,
            group_slug=group.slug,
            _anchor=f"section-{section.key}",
        ),
    }


@bp.route("/editions/<slug>/inbox")
@login_required
def page(slug: str):
    edition = _edition(slug)
    lines = [_line(n) for n in notifications.inbox(current_user, edition)]
    return render_template(
        "review/inbox.html",
        edition=edition,
        lines=lines,
        unread=sum(line["unread"] for line in lines),
    )


@bp.route("/editions/<slug>/inbox/read", methods=["POST"])
@login_required
def read(slug: str):
    edition = _edition(slug)
    one = request.form.get("id")
    if one is not None and not one.isdigit():
        raise BadInput(_("Name the notifications to mark read by their numbers."))
    marked = notifications.mark_read(current_user, edition, [int(one)] if one else None)
    if not marked:
        flash(_("Nothing was unread."), "info")
    elif one:
        flash(_("Marked as read."), "info")
    else:
        flash(_("Every notification is marked as read."), "info")
    return redirect(url_for("inbox.page", slug=edition.slug), code=303)
