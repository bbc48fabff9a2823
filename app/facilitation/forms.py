"""The facilitation pages' forms, and the values they carry: times in the school's time
zone, what to lock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.errors import BadInput
from app.workshops.models import DebateMode

DEBATE_MODES = [
    SelectChoice(DebateMode.OPEN, _l("open")),
    SelectChoice(DebateMode.READONLY, _l("read-only")),
    SelectChoice(DebateMode.HIDDEN, _l("hidden")),
]
LOCK_SCOPES = [
    SelectChoice("all", _l("All the papers")),
    SelectChoice("paper", _l("One paper")),
    SelectChoice("section", _l("One section")),
]


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class CurrentPhaseForm(FlaskForm):
    phase = SelectField(_l("Phase"), choices=[], validate_choice=False)


class PhaseForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    write_own_paper = BooleanField(_l("Groups write their own paper"))
    read_other_papers = BooleanField(_l("Groups read the other papers"))
    debate_mode = SelectField(_l("Debate"), choices=DEBATE_MODES)
    papers_locked = BooleanField(_l("Papers locked"))


class NewPhaseForm(FlaskForm):
    key = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=40), Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class DeadlineForm(FlaskForm):
    deadline = StringField(_l("Deadline"), validators=[Optional(), Length(max=40)])


class LockForm(FlaskForm):
    scope = SelectField(_l("What"), choices=LOCK_SCOPES)
    target = IntegerField(_l("Which"), validators=[Optional()])
    locked = SelectField(
        _l("Lock"), choices=[SelectChoice("1", _l("Lock")), SelectChoice("0", _l("Unlock"))]
    )
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)])


class ScheduleForm(FlaskForm):
    # "all", "paper:<id>" or "section:<id>"; choices are filled by the view.
    what = SelectField(_l("What"), choices=[], validate_choice=False)
    at = StringField(_l("At (empty: the phase's deadline)"), validators=[Optional()])


class AnnouncementForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=2000)])
    group = SelectField(_l("To"), choices=[], validate_choice=False)


class TargetForm(FlaskForm):
    target_words = IntegerField(
        _l("Target length of a section (words)"),
        validators=[DataRequired(), NumberRange(min=10, max=20000)],
    )


class MemberForm(FlaskForm):
    group = SelectField(_l("Group"), choices=[], validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    group = SelectField(_l("Group"), choices=[], validate_choice=False)  # for a participant


def school_timezone() -> ZoneInfo:
    """The school's time zone: the pages show and read times in it."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def parse_local(value: str | None) -> datetime | None:
    """A ``datetime-local`` field (the school's time zone) → an aware datetime."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(_("Write the time as 2024-05-31 18:00.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=school_timezone())
    return moment.astimezone(UTC)


def parse_what(value: str | None) -> tuple[str, int | None]:
    """ "all", "paper:12" or "section:40" → (scope, target id)."""
    scope, _sep, target = (value or "").partition(":")
    if scope == "all" and not target:
        return scope, None
    if scope in ("paper", "section") and target.isdigit():
        return scope, int(target)
    raise BadInput(_("Choose what to lock."))


def local_input(moment: datetime | None) -> str:
    return moment.astimezone(school_timezone()).strftime("%Y-%m-%dT%H:%M") if moment else ""
