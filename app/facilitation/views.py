"""Facilitation pages: phases and locks, announcements, the audit log, the dashboard,
members. Thin: parse → authorize → call a service → render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core import authz
from app.core.templating import edition_link
from app.core.transactions import attempt
from app.facilitation import audit as audit_log
from app.facilitation import (  # noqa: F401 - demo registers
    audit_display,
    audit_filters,
    charts,
    dashboard,
    demo,
    locks,
    phases,
    scheduler,
    settings,
)
from app.facilitation.announcements import (
    announcements_for,
    mark_read,
    read_ids,
    send_announcement,
)
from app.facilitation.forms import (
    ActionForm,
    AnnouncementForm,
    CurrentPhaseForm,
    DeadlineForm,
    LockForm,
    MemberForm,
    NewPhaseForm,
    PhaseForm,
    RoleForm,
    ScheduleForm,
    TargetForm,
    moment_fields,
    parse_what,
    read_moment,
    school_timezone,
)
from app.review import feedback
from app.workshops import memberships
from app.workshops import services as workshops
from app.workshops.locks import section_is_locked
from app.workshops.memberships import CHANGEABLE_ROLES
from app.workshops.models import Role
from app.workshops.views import edition_for

bp = Blueprint("facilitation", __name__)

edition_link("dashboard", _l("Dashboard"), "facilitation.dashboard", "edition.facilitate")
edition_link("facilitation", _l("Phases and locks"), "facilitation.control", "edition.facilitate")
edition_link("announcements", _l("Announcements"), "facilitation.announcements", "edition.view")
edition_link("audit", _l("Audit log"), "facilitation.audit", "edition.facilitate")
edition_link("members", _l("Members"), "facilitation.members", "edition.manage")


@bp.before_app_request
def start_lock_timer() -> None:
    scheduler.ensure_timer(current_app._get_current_object())


def _back(endpoint: str, slug: str):
    return redirect(url_for(endpoint, slug=slug), code=303)


# --- phases and locks ---------------------------------------------------------------------


@bp.route("/editions/<slug>/facilitation")
@login_required
def control(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    current = CurrentPhaseForm()
    current.phase.choices = [SelectChoice(p.key, p.name) for p in edition.phases]
    current.phase.data = edition.current_phase.key if edition.current_phase else None
    phase_forms = [(phase, PhaseForm(obj=phase, prefix=f"p{phase.id}")) for phase in edition.phases]
    papers = [(group, group.paper) for group in edition.groups if group.paper is not None]
    paper_groups = {paper.id: group.name for group, paper in papers}
    section_names = {
        section.id: f"{group.name} · {section.key}"
        for group, paper in papers
        for section in paper.sections
    }

    def describe_schedule(item) -> str:
        if item.scope == "paper":
            return f"{_('Paper')} · {paper_groups.get(item.paper_id, '?')}"
        if item.scope == "section":
            return section_names.get(item.section_id, "?")
        return _("All the papers")

    return render_template(
        "facilitation/control.html",
        edition=edition,
        current=current,
        phase_forms=phase_forms,
        new_phase=NewPhaseForm(),
        lock_form=LockForm(),
        schedule_form=ScheduleForm(),
        action=ActionForm(),
        papers=papers,
        schedules=locks.pending_schedules(edition),
        moment_fields=moment_fields,
        describe_schedule=describe_schedule,
        section_is_locked=section_is_locked,
    )


@bp.route("/editions/<slug>/facilitation/phase", methods=["POST"])
@login_required
def set_phase(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = CurrentPhaseForm()
    if form.validate_on_submit():
        attempt(
            lambda: phases.set_current_phase(edition, form.phase.data or "", current_user),
            _("The phase has changed."),
        )
    return _back("facilitation.control", slug)


@bp.route("/editions/<slug>/facilitation/phases", methods=["POST"])
@login_required
def add_phase(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = NewPhaseForm()
    if form.validate_on_submit():
        attempt(
            lambda: phases.add_phase(edition, current_user, key=form.key.data, name=form.name.data),
            _("The phase is added."),
        )
    else:
        flash(_("Give the phase a short name and a name."), "error")
    return _back("facilitation.control", slug)


@bp.route("/editions/<slug>/facilitation/phases/<int:phase_id>", methods=["POST"])
@login_required
def phase_action(slug: str, phase_id: int):
    edition = edition_for(slug, "edition.facilitate")
    phase = phases.get_phase_by_id(edition, phase_id)
    operation = request.form.get("operation", "")
    if operation == "save":
        form = PhaseForm(prefix=f"p{phase.id}")
        if form.validate_on_submit():
            attempt(
                lambda: phases.update_phase(
                    phase,
                    current_user,
                    name=form.name.data,
                    write_own_paper=form.write_own_paper.data,
                    read_other_papers=form.read_other_papers.data,
                    debate_mode=form.debate_mode.data,
                    papers_locked=form.papers_locked.data,
                ),
                _("The phase is saved."),
            )
        else:
            flash(_("Check the fields of the phase."), "error")
    elif operation in ("deadline", "clear_deadline"):
        form = DeadlineForm()
        if form.validate_on_submit():
            attempt(
                lambda: phases.set_deadline(
                    phase,
                    None
                    if operation == "clear_deadline"
                    else read_moment(request.form, "deadline"),
                    current_user,
                ),
                _("The deadline is saved."),
            )
    elif operation in ("up", "down", "delete") and ActionForm().validate_on_submit():
        if operation == "delete":
            attempt(lambda: phases.delete_phase(phase, current_user), _("The phase is deleted."))
        else:
            attempt(
                lambda: phases.move_phase(phase, -1 if operation == "up" else 1, current_user),
                _("The phase has moved."),
            )
    else:
        flash(_("Unknown action."), "error")
    return _back("facilitation.control", slug)


@bp.route("/editions/<slug>/facilitation/locks", methods=["POST"])
@login_required
def lock(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = LockForm()
    if form.validate_on_submit():
        locked = form.locked.data == "1"
        attempt(
            lambda: locks.set_lock(
                edition,
                current_user,
                form.scope.data,
                form.target.data,
                locked=locked,
                reason=form.reason.data or "",
            ),
            _("Locked.") if locked else _("Unlocked."),
        )
    else:
        flash(_("Check what to lock."), "error")
    return _back("facilitation.control", slug)


@bp.route("/editions/<slug>/facilitation/schedules", methods=["POST"])
@login_required
def schedule(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = ScheduleForm()
    if form.validate_on_submit():
        attempt(
            lambda: locks.schedule_lock(
                edition,
                current_user,
                *parse_what(form.what.data),
                at=read_moment(request.form, "at"),
            ),
            _("The lock is scheduled."),
        )
    else:
        flash(_("Check what to lock."), "error")
    return _back("facilitation.control", slug)


@bp.route("/editions/<slug>/facilitation/schedules/<int:lock_id>/cancel", methods=["POST"])
@login_required
def cancel_schedule(slug: str, lock_id: int):
    edition = edition_for(slug, "edition.facilitate")
    scheduled = locks.get_schedule(edition, lock_id)
    if ActionForm().validate_on_submit():
        attempt(
            lambda: locks.cancel_schedule(scheduled, current_user),
            _("The scheduled lock is cancelled."),
        )
    return _back("facilitation.control", slug)


# --- announcements ------------------------------------------------------------------------


@bp.route("/editions/<slug>/announcements", methods=["GET", "POST"])
@login_required
def announcements(slug: str):
    edition = edition_for(slug, "edition.view")
    may_send = authz.can(current_user, "edition.facilitate", edition)
    form = AnnouncementForm()
    form.group.choices = [SelectChoice("", _("Everyone"))] + [
        SelectChoice(g.slug, g.name) for g in edition.groups
    ]
    status = 200
    if request.method == "POST":
        authz.require(current_user, "edition.facilitate", edition)
        if form.validate_on_submit():
            group = workshops.get_group(edition, form.group.data) if form.group.data else None
            if attempt(
                lambda: send_announcement(edition, current_user, form.body.data, group),
                _("The announcement is sent."),
            ):
                return _back("facilitation.announcements", slug)
        status = 400
    items = announcements_for(current_user, edition)
    already = read_ids(current_user, items)
    mark_read(current_user, items)
    return render_template(
        "facilitation/announcements.html",
        edition=edition,
        items=items,
        unread={a.id for a in items if a.id not in already},
        form=form if may_send else None,
    ), status


# --- audit log ----------------------------------------------------------------------------

AUDIT_PAGE_LIMIT = 500


@bp.route("/editions/<slug>/audit")
@login_required
def audit(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    filters = audit_filters.read_filters(request.args)
    arguments = audit_filters.query_arguments(filters, edition)
    entries = audit_log.audit_entries(edition, limit=AUDIT_PAGE_LIMIT, **arguments)
    return render_template(
        "facilitation/audit.html",
        edition=edition,
        rows=audit_display.describe_all(edition, entries),
        limit=AUDIT_PAGE_LIMIT,
        chip_groups=audit_filters.chip_groups(filters, edition, request.args),
        filters=filters,
        since=moment_fields("from", filters.since),
        until=moment_fields("to", filters.until),
        csv_url=audit_filters.page_url(edition, request.args, "facilitation.audit_csv"),
        clear_url=url_for("facilitation.audit", slug=edition.slug),
    )


@bp.route("/editions/<slug>/audit.csv")
@login_required
def audit_csv(slug: str):
    """The raw log (codes, JSON before/after, UTC times) for a spreadsheet."""
    edition = edition_for(slug, "edition.facilitate")
    filters = audit_filters.read_filters(request.args)
    entries = audit_log.audit_entries(edition, **audit_filters.query_arguments(filters, edition))
    return Response(
        audit_log.audit_csv(entries),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{edition.slug}.csv"',
            "Cache-Control": "no-store",
        },
    )


# --- dashboard ----------------------------------------------------------------------------


def _dashboard_context(edition) -> dict:
    board = dashboard.build(edition)
    stats = board.debate or {}
    return {
        "edition": edition,
        "board": board,
        "progress_chart": charts.progress(board),
        "participation_chart": charts.participation(board),
        "balance_chart": charts.balance(board.debate),
        "cross_group_chart": charts.gauge(
            stats.get("cross_group_reply_share"), _("Replies that cross groups")
        ),
        "sourced_chart": charts.gauge(
            stats.get("sourced_claim_share"), _("Claims backed by a source")
        ),
        "timezone": school_timezone(),
    }


@bp.route("/editions/<slug>/dashboard", endpoint="dashboard")
@login_required
def dashboard_page(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = TargetForm(target_words=settings.settings_of(edition).target_words)
    return render_template("facilitation/dashboard.html", form=form, **_dashboard_context(edition))


@bp.route("/editions/<slug>/dashboard/fragment")
@login_required
def dashboard_fragment(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    return render_template("facilitation/_dashboard.html", **_dashboard_context(edition))


@bp.route("/editions/<slug>/dashboard/feedback", methods=["POST"])
@login_required
def release_feedback(slug: str):
    """Every feedback draft of the edition shown to its group at once (issue 16)."""
    edition = edition_for(slug, "review.release")

    def work() -> None:
        released = feedback.release_feedback(edition, current_user)
        flash(
            ngettext(
                "%(num)d feedback released to the groups.",
                "%(num)d feedback released to the groups.",
                released,
            ),
            "info",
        )

    attempt(work)
    return _back("facilitation.dashboard", slug)


@bp.route("/editions/<slug>/dashboard/target", methods=["POST"])
@login_required
def dashboard_target(slug: str):
    edition = edition_for(slug, "edition.facilitate")
    form = TargetForm()
    if form.validate_on_submit():
        attempt(
            lambda: settings.set_target_words(edition, form.target_words.data, current_user),
            _("The target length is saved."),
        )
    else:
        flash(_("The target length is between 10 and 20,000 words."), "error")
    return _back("facilitation.dashboard", slug)


# --- members ------------------------------------------------------------------------------


@bp.route("/editions/<slug>/members")
@login_required
def members(slug: str):
    edition = edition_for(slug, "edition.manage")
    form = MemberForm()
    form.group.choices = [SelectChoice(g.slug, g.name) for g in edition.groups]
    return render_template(
        "facilitation/members.html",
        edition=edition,
        memberships=workshops.members(edition),
        form=form,
        role_form=RoleForm(),
        roles=Role,
        changeable_roles=CHANGEABLE_ROLES,
    )


@bp.route("/editions/<slug>/members/<int:membership_id>", methods=["POST"])
@login_required
def member_action(slug: str, membership_id: int):
    edition = edition_for(slug, "edition.manage")
    membership = memberships.get_membership(edition, membership_id)
    operation = request.form.get("operation", "")
    form = MemberForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; try again."), "error")
    elif operation == "promote":
        attempt(
            lambda: memberships.promote_to_facilitator(membership, current_user),
            _("The participant is now a facilitator."),
        )
    elif operation == "move":
        attempt(
            lambda: memberships.move_member(
                membership, workshops.get_group(edition, form.group.data or ""), current_user
            ),
            _("The member has changed group."),
        )
    elif operation == "remove":
        attempt(
            lambda: memberships.remove_member(membership, current_user),
            _("The member is removed; what they wrote stays."),
        )
    else:
        flash(_("Unknown action."), "error")
    return _back("facilitation.members", slug)


@bp.route("/editions/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def member_role(slug: str, membership_id: int):
    edition = edition_for(slug, "edition.manage")
    membership = memberships.get_membership(edition, membership_id)
    form = RoleForm()

    def work() -> None:
        group = workshops.get_group(edition, form.group.data) if form.group.data else None
        memberships.change_role(membership, form.role.data or "", current_user, group=group)

    if form.validate_on_submit():
        attempt(work, _("The member's role has changed."))
    else:
        flash(_("The form has expired; try again."), "error")
    return _back("facilitation.members", slug)
