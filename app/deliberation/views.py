"""The debate's pages: the threaded map per question, the visual map, the library, the
moderation queue. Writes are plain forms (CSRF) that work without JavaScript; the page's
script only refreshes the thread when the /debate channel says it changed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.collaboration.services import paper_of, resolve_section
from app.core import authz
from app.core.templating import edition_link
from app.core.transactions import attempt
from app.deliberation import arguments, maps, marks, sources, threads
from app.deliberation import moderation as moderating
from app.deliberation.models import Kind
from app.deliberation.paper import insert_into_paper
from app.deliberation.permissions import debate_mode
from app.facilitation.audit import record_refusal
from app.workshops import services as workshops
from app.workshops import uploads
from app.workshops.views import edition_for as _edition

bp = Blueprint("deliberation", __name__)

edition_link("debate", _l("Debate"), "deliberation.index", "debate.read")
edition_link("library", _l("Library"), "deliberation.library", "debate.read")
edition_link("moderation", _l("Moderation"), "deliberation.moderation", "debate.moderate")

KIND_LABELS = {
    Kind.CLAIM: _l("Thesis"),
    Kind.SUPPORT: _l("For"),
    Kind.OPPOSE: _l("Against"),
    Kind.REBUT: _l("Rebuttal"),
    Kind.QUESTION: _l("Question"),
}


def _argument(slug: str, argument_id: int, action: str):
    edition = workshops.get_edition(slug)
    argument = arguments.get_argument(edition, argument_id)
    authz.require(current_user, action, argument)
    return edition, argument


def _back(argument=None, question=None):
    question = question or argument.question
    anchor = f"#a{argument.id}" if argument is not None and argument.id else ""
    return redirect(
        url_for("deliberation.question", slug=question.edition.slug, number=question.position)
        + anchor
    )


def _filters() -> dict:
    kind = request.args.get("kind") or None
    group = request.args.get("group", type=int)
    return {
        "group_id": group,
        "kind": kind if kind in set(Kind) else None,
        "unanswered": request.args.get("unanswered") == "1",
        "sort": "balance" if request.args.get("sort") == "balance" else "time",
    }


BOXES = ("reply", "insert", "report", "moderation")


def _open_box() -> tuple[str, int] | None:
    """The box a person opened without JavaScript (``?box=reply&to=12``)."""
    box, argument_id = request.args.get("box"), request.args.get("to", type=int)
    return (box, argument_id) if box in BOXES and argument_id else None


def _thread_context(edition, question) -> dict:
    filters = _filters()
    membership = workshops.membership_of(current_user, edition)
    own_group = membership.group if membership and membership.group_id else None
    paper = paper_of(own_group) if own_group else None
    ctx = {
        "edition": edition,
        "question": question,
        "kinds": KIND_LABELS,
        "reply_kinds": [k for k in Kind if k != Kind.CLAIM],
        "sources": sources.sources(edition),
        "may_write": authz.can(current_user, "debate.write", edition),
        "may_moderate": authz.can(current_user, "debate.moderate", edition),
        "groups": {g.id: g for g in edition.groups},
        "hidden_by": moderating.hidden_by(edition),
        "own_sections": paper.sections if paper else [],
        "me": current_user,
        "open_box": _open_box(),
        "csrf": generate_csrf(),
        "labels": {
            "reply": _("Reply"),
            "insert": _("Insert into our paper"),
            "report": _("Report"),
            "moderation": _("Moderate"),
            "replies": _("Replies"),
            "open_form": _("Open the form"),
        },
    }
    return {
        **ctx,
        "ctx": ctx,
        "nodes": threads.thread(question, current_user, **filters),
        "filters": filters,
        "mode": debate_mode(edition),
    }


@bp.route("/editions/<slug>/debate")
@login_required
def index(slug: str):
    edition = _edition(slug, "debate.read")
    if not edition.questions:
        return render_template("deliberation/empty.html", edition=edition)
    return redirect(url_for("deliberation.question", slug=slug, number=1))


@bp.route("/editions/<slug>/debate/q<int:number>")
@login_required
def question(slug: str, number: int):
    edition = _edition(slug, "debate.read")
    found = threads.get_question(edition, number)
    return render_template("deliberation/question.html", **_thread_context(edition, found))


@bp.route("/editions/<slug>/debate/q<int:number>/thread")
@login_required
def thread_fragment(slug: str, number: int):
    edition = _edition(slug, "debate.read")
    found = threads.get_question(edition, number)
    return render_template("deliberation/_thread.html", **_thread_context(edition, found))


@bp.route("/editions/<slug>/arguments/<int:argument_id>")
@login_required
def argument_fragment(slug: str, argument_id: int):
    """One argument and its replies, rendered for the viewer: what the live page fetches
    when the /debate channel says that argument changed."""
    edition, argument = _argument(slug, argument_id, "debate.read_argument")
    context = _thread_context(edition, argument.question)
    context["nodes"] = threads.thread(argument.question, current_user, root_id=argument.id)
    if not context["nodes"]:
        abort(404)
    return render_template("deliberation/_fragment.html", **context)


@bp.route("/editions/<slug>/arguments/<int:argument_id>/history")
@login_required
def history(slug: str, argument_id: int):
    edition, argument = _argument(slug, argument_id, "debate.read_argument")
    if argument.hidden and not (
        argument.author_id == current_user.id or authz.can(current_user, "debate.moderate", edition)
    ):
        abort(404)
    return render_template(
        "deliberation/history.html",
        edition=edition,
        argument=argument,
        revisions=arguments.revisions(argument),
    )


def _map_svg(edition, question):
    return maps.render(
        threads.thread(question, current_user),
        {g.id: g for g in edition.groups},
        url_for("deliberation.question", slug=edition.slug, number=question.position),
    )


@bp.route("/editions/<slug>/debate/q<int:number>/map")
@login_required
def map_view(slug: str, number: int):
    edition = _edition(slug, "debate.read")
    found = threads.get_question(edition, number)
    return render_template(
        "deliberation/map.html", edition=edition, question=found, svg=_map_svg(edition, found)
    )


@bp.route("/editions/<slug>/debate/q<int:number>/map.svg")
@login_required
def map_fragment(slug: str, number: int):
    """The map alone, fetched again by the map page when the question changes."""
    edition = _edition(slug, "debate.read")
    found = threads.get_question(edition, number)
    return Response(str(_map_svg(edition, found)), mimetype="image/svg+xml")


def _cited() -> list[tuple]:
    ids = request.form.getlist("source")
    page = request.form.get("page", "")
    return [(source_id, page, "") for source_id in ids if source_id]


@bp.route("/editions/<slug>/debate/q<int:number>/arguments", methods=["POST"])
@login_required
def add(slug: str, number: int):
    edition = _edition(slug, "debate.write")
    found = threads.get_question(edition, number)
    parent_id = request.form.get("parent", type=int)
    parent = arguments.get_argument(edition, parent_id) if parent_id else None
    kind = request.form.get("kind", Kind.CLAIM)
    created = []
    attempt(
        lambda: created.append(
            arguments.add_argument(
                edition,
                current_user,
                question=found,
                kind=kind,
                text=request.form.get("text", ""),
                parent=parent,
                cited=_cited(),
            )
        ),
        _("Your argument is published."),
    )
    return _back(created[0] if created else parent, found)


@bp.route("/editions/<slug>/arguments/<int:argument_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, argument_id: int):
    edition, argument = _argument(slug, argument_id, "debate.edit")
    if request.method == "POST" and attempt(
        lambda: arguments.edit_argument(argument, current_user, request.form.get("text", "")),
        _("Your argument is saved."),
    ):
        return _back(argument)
    return render_template(
        "deliberation/edit.html", edition=edition, argument=argument, moderator=False
    )


@bp.route("/editions/<slug>/arguments/<int:argument_id>/delete", methods=["POST"])
@login_required
def delete(slug: str, argument_id: int):
    _edition, argument = _argument(slug, argument_id, "debate.delete")
    question = argument.question
    attempt(lambda: arguments.delete_argument(argument), _("The argument is deleted."))
    return _back(question=question)


@bp.route("/editions/<slug>/arguments/<int:argument_id>/mark", methods=["POST"])
@login_required
def mark(slug: str, argument_id: int):
    _edition, argument = _argument(slug, argument_id, "debate.mark")
    value = request.form.get("value", type=int)
    attempt(lambda: marks.set_mark(argument, current_user, value))
    return _back(argument)


@bp.route("/editions/<slug>/arguments/<int:argument_id>/report", methods=["POST"])
@login_required
def report(slug: str, argument_id: int):
    _edition, argument = _argument(slug, argument_id, "debate.report")
    attempt(
        lambda: moderating.report(argument, current_user, request.form.get("reason", "")),
        _("Thank you: the facilitators will look at it."),
    )
    return _back(argument)


@bp.route("/editions/<slug>/arguments/<int:argument_id>/insert", methods=["POST"])
@login_required
def insert(slug: str, argument_id: int):
    edition, argument = _argument(slug, argument_id, "debate.insert")
    key = request.form.get("section", "")
    group = workshops.membership_of(current_user, edition).group

    def work():
        section = resolve_section(f"{edition.slug}/{group.slug}/{key}")
        authz.require(current_user, "section.edit", section)
        insert_into_paper(argument, section, current_user)

    attempt(work, _("The argument is in your paper, with its sources."))
    return _back(argument)


MODERATED = {
    "hide": _l("The argument is hidden; its author sees why."),
    "restore": _l("The argument is shown again."),
    "merge": _l("The argument is merged."),
    "edit": _l("The text is corrected."),
}


def _forbidden_attempt(edition, argument, operation: str) -> None:
    """Audit a refused moderation request (its own transaction: the request's is rolled
    back with the 403), as the /debate channel does for a forged event."""
    record_refusal(
        edition,
        current_user,
        argument,
        reason=f"HTTP {request.method} {request.path}"[:300],
        after={"operation": str(operation)[:40]},
    )


@bp.route("/editions/<slug>/arguments/<int:argument_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(slug: str, argument_id: int):
    edition = workshops.get_edition(slug)
    argument = arguments.get_argument(edition, argument_id)
    if not authz.can(current_user, "debate.moderate", argument):
        if request.method == "POST" and workshops.membership_of(current_user, edition):
            _forbidden_attempt(edition, argument, request.form.get("operation", ""))
        abort(403)
    if request.method == "GET":
        return render_template(
            "deliberation/edit.html", edition=edition, argument=argument, moderator=True
        )
    operation = request.form.get("operation", "")
    if operation not in moderating.OPERATIONS:
        abort(400)
    attempt(
        lambda: moderating.moderate(
            argument,
            current_user,
            operation,
            reason=request.form.get("reason", ""),
            into_id=request.form.get("into"),
            text=request.form.get("text", ""),
        ),
        str(MODERATED.get(operation, _l("Done."))),
    )
    return _back(argument)


@bp.route("/editions/<slug>/moderation")
@login_required
def moderation(slug: str):
    edition = _edition(slug, "debate.moderate")
    return render_template(
        "deliberation/moderation.html",
        edition=edition,
        reports=moderating.open_reports(edition),
        hidden=moderating.hidden_arguments(edition),
    )


@bp.route("/editions/<slug>/reports/<int:report_id>/close", methods=["POST"])
@login_required
def close_report(slug: str, report_id: int):
    edition = _edition(slug, "debate.moderate")
    entry = moderating.get_report(edition, report_id)
    attempt(lambda: moderating.close_report(entry, current_user), _("Report closed."))
    return redirect(url_for("deliberation.moderation", slug=slug))


@bp.route("/editions/<slug>/library", methods=["GET", "POST"])
@login_required
def library(slug: str):
    edition = _edition(slug, "debate.read")
    if request.method == "POST":
        authz.require(current_user, "source.add", edition)
        file = request.files.get("file")

        def work():
            upload = None
            if file is not None and file.filename:
                upload = uploads.save_upload(
                    edition, current_user, "source", file.filename, file.read()
                )
            sources.add_source(
                edition,
                current_user,
                title=request.form.get("title", ""),
                author=request.form.get("author", ""),
                year=request.form.get("year") or None,
                url=request.form.get("url", ""),
                note=request.form.get("note", ""),
                upload=upload,
            )

        if attempt(work, _("The source is in the library.")):
            return redirect(url_for("deliberation.library", slug=slug))
    return render_template(
        "deliberation/library.html",
        edition=edition,
        sources=sources.sources(edition),
        may_add=authz.can(current_user, "source.add", edition),
    )


@bp.route("/editions/<slug>/library/<int:source_id>")
@login_required
def source(slug: str, source_id: int):
    edition = _edition(slug, "debate.read")
    found = sources.get_source(edition, source_id)
    return render_template(
        "deliberation/source.html",
        edition=edition,
        source=found,
        arguments=sources.citing_arguments(found),
        kinds=KIND_LABELS,
    )
