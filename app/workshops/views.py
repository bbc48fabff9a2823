"""Editions, their home page, group pages and the organizer's pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core import authz, public_url
from app.core.errors import NotFound, PalabreError, json_api
from app.extensions import db
from app.workshops import locks, services, uploads
from app.workshops.forms import (
    ActionForm,
    AssetForm,
    EditionForm,
    GroupForm,
    InvitationForm,
    QuestionForm,
)
from app.workshops.models import Invitation, Question, Role

bp = Blueprint("workshops", __name__)


def edition_for(slug: str, action: str):
    """The edition a page's URL names, once the current user may do ``action`` to it (every
    area's pages start so)."""
    edition = services.get_edition(slug)
    authz.require(current_user, action, edition)
    return edition


def _form_error(error: PalabreError) -> None:
    flash(error.message, "error")


# What the screens say about writing (banners, buttons, empty states): every area's
# templates ask these, so a text follows the rules of the current phase everywhere.
bp.add_app_template_global(locks.writing_status, "writing_status")
bp.add_app_template_global(locks.writing_course, "writing_course")


@bp.route("/")
@login_required
def home():
    return render_template(
        "workshops/home.html",
        editions=services.editions_of(current_user),
        may_create=authz.can(current_user, "edition.create"),
    )


@bp.route("/editions/new", methods=["GET", "POST"])
@login_required
def new_edition():
    authz.require(current_user, "edition.create")
    form = EditionForm()
    if form.validate_on_submit():
        try:
            edition = services.create_edition(
                slug=form.slug.data,
                title=form.title.data,
                creator=current_user,
                concept_note=form.concept_note.data,
                assignment=form.assignment.data,
                language=form.language.data,
            )
        except PalabreError as error:
            _form_error(error)
        else:
            flash(_("The edition “%(title)s” is created.", title=edition.title), "info")
            return redirect(url_for("workshops.manage", slug=edition.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("workshops/edition_form.html", form=form, edition=None), status


@bp.route("/editions/<slug>")
@login_required
def edition(slug: str):
    edition = edition_for(slug, "edition.view")
    return render_template(
        "workshops/edition.html",
        edition=edition,
        membership=services.membership_of(current_user, edition),
    )


@bp.route("/editions/<slug>/groups/<group_slug>")
@login_required
def group(slug: str, group_slug: str):
    edition = services.get_edition(slug)
    group = services.get_group(edition, group_slug)
    authz.require(current_user, "group.view", group)
    return render_template(
        "workshops/group.html",
        edition=edition,
        group=group,
        members=services.members(edition, group),
        membership=services.membership_of(current_user, edition),
    )


# --- organizer pages ----------------------------------------------------------------------


@bp.route("/editions/<slug>/manage", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = EditionForm(obj=edition)
    form.slug.render_kw = {"readonly": True}
    if request.method == "POST":
        form.slug.data = edition.slug
    if form.validate_on_submit():
        try:
            services.update_edition(
                edition,
                title=form.title.data,
                concept_note=form.concept_note.data,
                assignment=form.assignment.data,
                language=form.language.data,
            )
        except PalabreError as error:
            _form_error(error)
        else:
            flash(_("The edition is saved."), "info")
            return redirect(url_for("workshops.manage", slug=edition.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("workshops/edition_form.html", form=form, edition=edition), status


@bp.route("/editions/<slug>/manage/questions", methods=["GET", "POST"])
@login_required
def questions(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = QuestionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_question(edition, form.text.data)
        except PalabreError as error:
            _form_error(error)
            status = error.status
        else:
            flash(_("The question is added."), "info")
            return redirect(url_for("workshops.questions", slug=slug))
    elif request.method == "POST":
        status = 400
    return render_template(
        "workshops/questions.html", edition=edition, form=form, action=ActionForm()
    ), status


def _question(edition, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.edition_id != edition.id:
        raise NotFound()
    return question


@bp.route("/editions/<slug>/manage/questions/<int:question_id>", methods=["POST"])
@login_required
def question_action(slug: str, question_id: int):
    edition = edition_for(slug, "edition.manage")
    question = _question(edition, question_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired; try again."), "error")
        return redirect(url_for("workshops.questions", slug=slug))
    operation = request.form.get("operation")
    try:
        if operation == "save":
            services.update_question(question, request.form.get("text", ""))
            flash(_("The question is saved."), "info")
        elif operation in ("up", "down"):
            services.move_question(question, -1 if operation == "up" else +1)
            flash(_("The question has moved."), "info")
        elif operation == "delete":
            services.delete_question(question)
            flash(_("The question is deleted."), "info")
        else:
            flash(_("Unknown action."), "error")
    except PalabreError as error:
        _form_error(error)
    return redirect(url_for("workshops.questions", slug=slug))


@bp.route("/editions/<slug>/manage/groups", methods=["GET", "POST"])
@login_required
def groups(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = GroupForm()
    status = 200
    if form.validate_on_submit():
        try:
            group = services.add_group(
                edition,
                name=form.name.data,
                kind=form.kind.data,
                slug=form.slug.data or None,
                colour=form.colour.data or None,
            )
        except PalabreError as error:
            _form_error(error)
            status = error.status
        else:
            flash(_("The group “%(name)s” is added.", name=group.name), "info")
            return redirect(url_for("workshops.groups", slug=slug))
    elif request.method == "POST":
        status = 400
    if not form.colour.data or form.colour.errors:
        # The colour input shows the colour the group will get, never an empty (black) one.
        form.colour.data = services.next_colour(edition)
    return render_template(
        "workshops/groups.html", edition=edition, form=form, palette=services.GROUP_PALETTE
    ), status


@bp.route("/editions/<slug>/manage/groups/<group_slug>", methods=["POST"])
@login_required
def group_edit(slug: str, group_slug: str):
    edition = edition_for(slug, "edition.manage")
    group = services.get_group(edition, group_slug)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            services.update_group(
                group, name=form.name.data, kind=form.kind.data, colour=form.colour.data or ""
            )
        except PalabreError as error:
            _form_error(error)
        else:
            flash(_("The group is saved."), "info")
            return redirect(url_for("workshops.groups", slug=slug))
    else:
        problems = [error for errors in form.errors.values() for error in errors]
        flash(" ".join([_("Check the fields of the group."), *map(str, problems)]).strip(), "error")
    return redirect(url_for("workshops.groups", slug=slug))


@bp.route("/editions/<slug>/manage/invitations", methods=["GET", "POST"])
@login_required
def invitations(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = InvitationForm()
    form.group.choices = [SelectChoice("", "—")] + [
        SelectChoice(g.slug, g.name) for g in edition.groups
    ]
    new_link = new_invitation = None
    status = 200
    if form.validate_on_submit():
        group = services.get_group(edition, form.group.data) if form.group.data else None
        try:
            new_invitation, token = services.create_invitation(
                edition,
                role=form.role.data,
                group=group,
                created_by=current_user,
                valid_days=form.valid_days.data,
                max_uses=form.max_uses.data,
                note=form.note.data or "",
            )
        except PalabreError as error:
            _form_error(error)
            status = error.status
        else:
            base = public_url.configured_base_url(current_app.config)
            new_link = public_url.external_url(base, "accounts.invitation", token=token)
    elif request.method == "POST":
        status = 400
    return render_template(
        "workshops/invitations.html",
        edition=edition,
        form=form,
        new_link=new_link,
        new_invitation=new_invitation,
        new_link_qr=new_link and public_url.qr_svg(new_link, _("QR code of the invitation link")),
        new_link_local=new_link and public_url.loopback_netloc(new_link),
        invitations=services.invitations(edition),
        action=ActionForm(),
        roles=Role,
    ), status


@bp.route("/editions/<slug>/manage/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(slug: str, invitation_id: int):
    edition = edition_for(slug, "edition.manage")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.edition_id != edition.id:
        raise NotFound()
    if ActionForm().validate_on_submit():
        services.revoke_invitation(invitation)
        flash(_("The invitation is revoked."), "info")
    return redirect(url_for("workshops.invitations", slug=slug))


# --- uploads ------------------------------------------------------------------------------


@bp.route("/uploads/<int:upload_id>/<name>")
@login_required
def upload(upload_id: int, name: str):
    item = uploads.get_upload(upload_id)
    authz.require(current_user, "upload.read", item)
    if name != item.filename:
        raise NotFound()
    path = uploads.storage_dir() / item.sha256
    if not path.exists():
        raise NotFound()
    inline = item.content_type.startswith("image/")
    return send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not inline,
        download_name=item.filename,
        max_age=3600,
    )


@bp.route("/editions/<slug>/uploads/images", methods=["POST"])
@json_api
@login_required
def upload_image(slug: str):
    edition = edition_for(slug, "upload.image")
    file = request.files.get("file")
    if file is None:
        return jsonify(ok=False, error="bad_input", message=_("Choose an image.")), 400
    item = uploads.save_upload(edition, current_user, "image", file.filename or "", file.read())
    alt = item.filename.rsplit(".", 1)[0]
    return jsonify(ok=True, url=item.url, markdown=f"![{alt}]({item.url})")


@bp.route("/editions/<slug>/manage/assets", methods=["GET", "POST"])
@login_required
def assets(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = AssetForm()
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            uploads.save_upload(
                edition, current_user, form.kind.data, form.file.data.filename, data
            )
        except PalabreError as error:
            _form_error(error)
            status = error.status
        else:
            flash(_("The file is saved; the next exports use it."), "info")
            return redirect(url_for("workshops.assets", slug=slug))
    elif request.method == "POST":
        status = 400
    current = {kind: uploads.current_asset(edition, kind) for kind in uploads.SINGLE_KINDS}
    return render_template(
        "workshops/assets.html", edition=edition, form=form, current=current, action=ActionForm()
    ), status


@bp.route("/editions/<slug>/manage/assets/<kind>/remove", methods=["POST"])
@login_required
def remove_asset(slug: str, kind: str):
    edition = edition_for(slug, "edition.manage")
    if kind not in uploads.SINGLE_KINDS:
        raise NotFound()
    if ActionForm().validate_on_submit():
        uploads.remove_asset(edition, kind)
        flash(_("The file is no longer used."), "info")
    return redirect(url_for("workshops.assets", slug=slug))
