"""The paper page, and the JSON endpoints of its history and authorship panels."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.accounts.models import User
from app.collaboration import services
from app.collaboration.services import paper_of
from app.core import authz
from app.core.errors import NotFound, json_api
from app.core.templating import group_link
from app.extensions import db
from app.workshops import services as workshops

bp = Blueprint("collaboration", __name__)

group_link(
    "paper",
    _l("Open the paper"),
    "collaboration.paper",
    "paper.read",
    target=paper_of,
    params=lambda group: {"slug": group.edition.slug, "group_slug": group.slug},
)


def _paper(slug: str, group_slug: str):
    edition = workshops.get_edition(slug)
    group = workshops.get_group(edition, group_slug)
    paper = paper_of(group)
    if paper is None:
        raise NotFound()
    authz.require(current_user, "paper.read", paper)
    return edition, group, paper


def _section(slug: str, group_slug: str, key: str, action: str):
    section = services.resolve_section(f"{slug}/{group_slug}/{key}")
    authz.require(current_user, action, section)
    return section


REVIEW_RIGHTS = {
    "read": "review.read",
    "comment": "review.comment",
    "suggest": "review.suggest",
    "decide": "review.decide",
    "feedback": "review.feedback",
}


def _review_rights(section) -> dict:
    """What the page offers on a section's comments and suggestions (the server checks
    each event again: this only decides which buttons show)."""
    return {name: authz.can(current_user, rule, section) for name, rule in REVIEW_RIGHTS.items()}


def _editor_config(edition, group, paper) -> dict:
    base = f"/editions/{edition.slug}/groups/{group.slug}/paper"
    return {
        "sections": [
            {
                "name": services.section_address(section),
                "key": section.key,
                "title": services.section_title(section),
                "readonly": not authz.can(current_user, "section.edit", section),
                "may": _review_rights(section),
            }
            for section in paper.sections
        ],
        # A member of the group: a section they may not edit is locked, not only readable.
        "writer": getattr(workshops.membership_of(current_user, edition), "group_id", None)
        == group.id,
        "user": {"id": current_user.id, "name": current_user.name, "colour": group.colour},
        "group": {"name": group.name, "colour": group.colour},
        "urls": {
            "checkpoints": f"{base}/sections/{{key}}/checkpoints",
            "authorship": f"{base}/authorship",
            "images": f"/editions/{edition.slug}/uploads/images",
            "review": f"{base}/sections/{{key}}/review",
            "feedback": f"{base}/sections/{{key}}/feedback",
        },
        "edition": edition.slug,
    }


@bp.route("/editions/<slug>/groups/<group_slug>/paper")
@login_required
def paper(slug: str, group_slug: str):
    edition, group, paper = _paper(slug, group_slug)
    return render_template(
        "collaboration/paper.html",
        edition=edition,
        group=group,
        paper=paper,
        sections=paper.sections,
        editor_config=_editor_config(edition, group, paper),
    )


def _checkpoint_json(checkpoint, *, with_text: bool = False) -> dict:
    data = {
        "id": checkpoint.id,
        "name": checkpoint.name,
        "automatic": checkpoint.automatic,
        "created_at": checkpoint.created_at.isoformat(),
        "author": checkpoint.created_by.name if checkpoint.created_by else None,
    }
    if with_text:
        data["markdown"] = checkpoint.text
    return data


@bp.route("/editions/<slug>/groups/<group_slug>/paper/sections/<key>/checkpoints")
@json_api
@login_required
def checkpoints(slug: str, group_slug: str, key: str):
    section = _section(slug, group_slug, key, "section.read")
    return jsonify(
        ok=True, checkpoints=[_checkpoint_json(c) for c in services.checkpoints(section)]
    )


@bp.route("/editions/<slug>/groups/<group_slug>/paper/sections/<key>/checkpoints", methods=["POST"])
@json_api
@login_required
def create_checkpoint(slug: str, group_slug: str, key: str):
    section = _section(slug, group_slug, key, "section.edit")
    name = (request.get_json(silent=True) or request.form or {}).get("name", "")
    checkpoint = services.create_checkpoint(
        section, current_user, name=name or _("Named version"), automatic=False
    )
    return jsonify(ok=True, checkpoint=_checkpoint_json(checkpoint))


@bp.route("/editions/<slug>/groups/<group_slug>/paper/sections/<key>/checkpoints/<int:cid>")
@json_api
@login_required
def checkpoint(slug: str, group_slug: str, key: str, cid: int):
    section = _section(slug, group_slug, key, "section.read")
    found = services.get_checkpoint(section, cid)
    return jsonify(ok=True, checkpoint=_checkpoint_json(found, with_text=True))


@bp.route(
    "/editions/<slug>/groups/<group_slug>/paper/sections/<key>/checkpoints/<int:cid>/restore",
    methods=["POST"],
)
@json_api
@login_required
def restore(slug: str, group_slug: str, key: str, cid: int):
    section = _section(slug, group_slug, key, "section.edit")
    services.restore_checkpoint(section, services.get_checkpoint(section, cid), current_user)
    return jsonify(ok=True)


@bp.route("/editions/<slug>/manage/set-aside")
@login_required
def set_aside(slug: str):
    """The updates set aside because they could not be applied: kept, for the organizers."""
    edition = workshops.get_edition(slug)
    authz.require(current_user, "edition.manage", edition)
    updates = services.set_aside_updates(edition)
    authors = {
        u.id: u.name
        for u in db.session.query(User).filter(User.id.in_({u.author_id for u in updates}))
    }
    return render_template(
        "collaboration/set_aside.html",
        edition=edition,
        updates=updates,
        authors=authors,
        title=services.section_title,
        address=services.section_address,
    )


@bp.route("/editions/<slug>/groups/<group_slug>/paper/authorship")
@json_api
@login_required
def authorship(slug: str, group_slug: str):
    _edition, _group, paper = _paper(slug, group_slug)
    per_section = {section.key: services.authorship(section) for section in paper.sections}
    user_ids = {uid for counts in per_section.values() for uid in counts}
    names = {u.id: u.name for u in db.session.query(User).filter(User.id.in_(user_ids))}
    return jsonify(
        ok=True,
        sections={
            key: [
                {"user_id": uid, "name": names.get(uid, "?"), "characters": count}
                for uid, count in sorted(counts.items(), key=lambda item: -item[1])
            ]
            for key, counts in per_section.items()
        },
    )
