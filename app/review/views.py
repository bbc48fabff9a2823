"""Review's JSON routes (CSRF like every form: the page sends its token in a header).

- ``GET  …/paper/sections/<key>/review``: a section's threads, pending suggestions and
  feedback (``review.read``), as the ``review`` socket event answers;
- ``POST …/paper/sections/<key>/feedback`` ``{body, status}``: a facilitator's draft;
- ``GET  /editions/<slug>/review/feedback``: every feedback of the edition, drafts too;
- ``POST /editions/<slug>/review/feedback/release`` ``{question?}``: release the drafts;
- ``GET  /editions/<slug>/notifications``: the inbox and its unread count;
- ``GET  /editions/<slug>/notifications/unread``: the count alone;
- ``POST /editions/<slug>/notifications/read`` ``{ids?}``: mark read (all, without ids).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from app.collaboration import services as collaboration
from app.core import authz
from app.core.errors import BadInput, json_api
from app.review import feedback, notifications
from app.review.reading import review_of
from app.workshops import services as workshops

bp = Blueprint("review", __name__)
SECTION = "/editions/<slug>/groups/<group_slug>/paper/sections/<key>"


def _json() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        data = request.form.to_dict()
    if not isinstance(data, dict):
        raise BadInput("the request must be one object")
    return data


def _section(slug: str, group_slug: str, key: str, action: str):
    section = collaboration.resolve_section(f"{slug}/{group_slug}/{key}")
    authz.require(current_user, action, section)
    return section


def _edition(slug: str, action: str):
    edition = workshops.get_edition(slug)
    authz.require(current_user, action, edition)
    return edition


@bp.route(f"{SECTION}/review")
@json_api
@login_required
def section_review(slug: str, group_slug: str, key: str):
    section = _section(slug, group_slug, key, "review.read")
    return jsonify(ok=True, **review_of(section, current_user))


@bp.route(f"{SECTION}/feedback", methods=["POST"])
@json_api
@login_required
def save_feedback(slug: str, group_slug: str, key: str):
    section = _section(slug, group_slug, key, "review.feedback")
    data = _json()
    saved = feedback.save_feedback(
        section, current_user, body=data.get("body"), status=data.get("status")
    )
    return jsonify(ok=True, feedback=feedback.feedback_payload(saved, staff=True))


@bp.route("/editions/<slug>/review/feedback")
@json_api
@login_required
def edition_feedback(slug: str):
    edition = _edition(slug, "review.release")
    rows = feedback.edition_feedback(edition)
    return jsonify(ok=True, feedback=[feedback.feedback_payload(f, staff=True) for f in rows])


@bp.route("/editions/<slug>/review/feedback/release", methods=["POST"])
@json_api
@login_required
def release_feedback(slug: str):
    edition = _edition(slug, "review.release")
    question = _json().get("question")
    if isinstance(question, str) and question.isdigit():
        question = int(question)
    released = feedback.release_feedback(edition, current_user, question or None)
    return jsonify(ok=True, released=released)


@bp.route("/editions/<slug>/notifications")
@json_api
@login_required
def inbox(slug: str):
    edition = _edition(slug, "review.inbox")
    lines = notifications.inbox(current_user, edition)
    return jsonify(
        ok=True,
        unread=notifications.unread_count(current_user, edition),
        notifications=[notifications.payload(n) for n in lines],
    )


@bp.route("/editions/<slug>/notifications/unread")
@json_api
@login_required
def unread(slug: str):
    edition = _edition(slug, "review.inbox")
    return jsonify(ok=True, unread=notifications.unread_count(current_user, edition))


@bp.route("/editions/<slug>/notifications/read", methods=["POST"])
@json_api
@login_required
def mark_read(slug: str):
    edition = _edition(slug, "review.inbox")
    marked = notifications.mark_read(current_user, edition, _json().get("ids"))
    return jsonify(ok=True, marked=marked, unread=notifications.unread_count(current_user, edition))
