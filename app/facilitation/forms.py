"""The facilitation pages' forms, and the values they carry: times in the school's time
zone, what to lock.

A date is typed in fields of its own, day, month (by name) and year in the order of the
page's language, then hour and minutes: ``<input type="date">`` and ``datetime-local``
follow the browser's locale, not the page's (an English Chromium shows mm/dd/yyyy inside
the French pages), and a single text field in the French pattern asks a phone for "/" and
":", which its numeric keypad lacks. Separate number fields bring up that keypad, and a
month chosen by name cannot be read the wrong way round."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.core.errors import BadInput
from app.core.i18n import month_names
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
    """An ISO date and time (scripts, links; the school's time zone unless it says its
    own) → an aware datetime in UTC."""
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


@dataclass(frozen=True)
class MomentFields:
    """What the fields ``<name>-day``, ``-month``, ``-year``, ``-hour`` and ``-minute``
    show (``facilitation/_moment.html``): a moment in the school's time zone."""

    name: str
    day: str = ""
    month: str = ""
    year: str = ""
    hour: str = ""
    minute: str = ""


def moment_fields(name: str, moment: datetime | date | None) -> MomentFields:
    if moment is None:
        return MomentFields(name)
    if isinstance(moment, datetime):
        local = moment.astimezone(school_timezone())
        return MomentFields(
            name, str(local.day), str(local.month), str(local.year),
            f"{local.hour:02d}", f"{local.minute:02d}",
        )  # fmt: skip
    return MomentFields(name, str(moment.day), str(moment.month), str(moment.year))


MOMENT_PARTS = ("day", "month", "year", "hour", "minute")


def typed_moment(data: Mapping[str, str], name: str) -> MomentFields:
    """What was typed in the fields of ``name``, to show them again."""
    return MomentFields(
        name, *((data.get(f"{name}-{part}") or "").strip() for part in MOMENT_PARTS)
    )


def read_day(data: Mapping[str, str], name: str) -> date | None:
    """The date typed in the fields of ``name`` (or ISO in ``name`` itself, as scripts
    and links write it); None when nothing is typed."""
    whole = (data.get(name) or "").strip()
    if whole:
        try:
            return date.fromisoformat(whole)
        except ValueError:
            raise BadInput(_("Write the date as 2024-05-31.")) from None
    typed = typed_moment(data, name)
    parts = (typed.day, typed.month, typed.year)
    if not any(parts):
        return None
    if not all(parts):
        raise BadInput(_("Give the day, the month and the year."))
    if not all(part.isdigit() and len(part) <= 4 for part in parts):
        raise BadInput(_("Write the day, the month and the year in figures."))
    day, month, year = (int(part) for part in parts)
    year += 2000 if year < 100 else 0  # "25" on a phone: 2025
    if not 2000 <= year <= 2100:
        raise BadInput(_("The year is between 2000 and 2100."))
    try:
        return date(year, month, day)
    except ValueError:
        months = dict(month_names())
        shown = f"{day} {months.get(month, month)} {year}"
        raise BadInput(_("This date does not exist: %(date)s.", date=shown)) from None


def _clock(typed: str, top: int, message: str) -> int:
    if not typed.isdigit() or int(typed) > top:
        raise BadInput(message)
    return int(typed)


def read_moment(data: Mapping[str, str], name: str) -> datetime | None:
    """The moment typed in the fields of ``name`` (the school's time zone), in UTC; an
    ISO value in ``name`` itself is read too; None when nothing is typed."""
    whole = (data.get(name) or "").strip()
    if whole:
        return parse_local(whole)
    typed = typed_moment(data, name)
    day = read_day(data, name)
    if day is None:
        if typed.hour or typed.minute:
            raise BadInput(_("Give the day, the month and the year."))
        return None
    if not typed.hour:
        raise BadInput(_("Give the time: hour and minutes."))
    hour = _clock(typed.hour, 23, _("The hour is a number from 0 to 23."))
    minute = _clock(typed.minute or "0", 59, _("The minutes are a number from 0 to 59."))
    return datetime.combine(day, time(hour, minute), school_timezone()).astimezone(UTC)


def parse_what(value: str | None) -> tuple[str, int | None]:
    """ "all", "paper:12" or "section:40" → (scope, target id)."""
    scope, _sep, target = (value or "").partition(":")
    if scope == "all" and not target:
        return scope, None
    if scope in ("paper", "section") and target.isdigit():
        return scope, int(target)
    raise BadInput(_("Choose what to lock."))
