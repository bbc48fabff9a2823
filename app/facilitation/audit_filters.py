"""The audit page's filters, as links and one GET form (they work without a script): what
family of action, who, which group, when. Read from the query string into
``audit.audit_entries``' arguments (the CSV export takes the same), and shown as chips,
each a link to the page with that filter changed and the others kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.models import utcnow
from app.extensions import db
from app.facilitation import audit
from app.facilitation.audit_display import ACTIONS, FAMILIES, family_codes
from app.facilitation.forms import MOMENT_PARTS, read_day, school_timezone
from app.workshops.models import Edition, Membership, Role

AUTOMATIC = "system"  # the actor of what Palabre did itself (a scheduled lock)
STAFF = "staff"  # organizers and facilitators, who belong to no group
PERIODS = {"today": 0, "week": 6, "month": 29}  # days before today the period starts
DATE_FIELDS = ("from", "to")


@dataclass(frozen=True)
class Filters:
    family: str | None = None
    actor: str | None = None  # a user id, or AUTOMATIC
    group: str | None = None  # a group's slug, or STAFF
    period: str | None = None
    since: date | None = None  # the first day shown (the school's days)
    until: date | None = None  # the last day shown
    action: str | None = None  # one code (links from elsewhere, older bookmarks)


def read_filters(args: Mapping[str, str]) -> Filters:
    """The filters of the query string; a badly typed date is a BadInput."""
    value = {key: (args.get(key) or "").strip() or None for key in ("family", "actor", "group")}
    period = (args.get("period") or "").strip()
    return Filters(
        family=value["family"] if value["family"] in FAMILIES else None,
        actor=value["actor"],
        group=value["group"],
        period=period if period in PERIODS else None,
        since=read_day(args, "from"),
        until=read_day(args, "to"),
        action=(args.get("action") or "").strip() or None,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), school_timezone()).astimezone(UTC)


def query_arguments(filters: Filters, edition: Edition) -> dict[str, Any]:
    """``audit.audit_entries``' keyword arguments for ``filters``."""
    found: dict[str, Any] = {"action": filters.action}
    if filters.family:
        found["actions"] = family_codes(filters.family)
    if filters.actor == AUTOMATIC:
        found["automatic"] = True
    elif filters.actor and filters.actor.isdigit():
        found["actor_id"] = int(filters.actor)
    if filters.group:
        found["actor_ids"] = _group_members(edition, filters.group)
    since, until = filters.since, filters.until
    if filters.period:
        since, until = _today() - timedelta(days=PERIODS[filters.period]), None
    found["since"] = _start_of(since) if since else None
    found["until"] = _start_of(until + timedelta(days=1)) if until else None
    return found


def _today() -> date:
    return utcnow().astimezone(school_timezone()).date()


def _group_members(edition: Edition, group: str) -> list[int]:
    query = select(Membership.user_id).where(Membership.edition_id == edition.id)
    if group == STAFF:
        query = query.where(Membership.role.in_([Role.ORGANIZER, Role.FACILITATOR]))
    else:
        slugs = {g.slug: g.id for g in edition.groups}
        query = query.where(Membership.group_id == slugs.get(group, -1))
    return list(db.session.scalars(query))


# --- chips --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class ChipGroup:
    key: str
    label: str
    chips: list[Chip]


DATE_PARAMS = {f"{name}-{part}" for name in DATE_FIELDS for part in MOMENT_PARTS} | set(DATE_FIELDS)


def page_url(edition: Edition, args: Mapping[str, str], endpoint="facilitation.audit", **change):
    """The page (or its CSV) with ``change`` made to the query string: a None drops a
    filter; a period drops the typed dates, and typed dates the period."""
    kept = {key: args.get(key) for key in args if args.get(key)}
    if change.get("period"):
        kept = {k: v for k, v in kept.items() if k not in DATE_PARAMS}
    for key, value in change.items():
        if value is None:
            kept.pop(key, None)
        else:
            kept[key] = value
    return url_for(endpoint, slug=edition.slug, **kept)


def _chips(edition, args, key: str, every: str, current, options) -> list[Chip]:
    """The chips of one filter: ``every`` (no filter) first, then each (value, label)."""
    return [Chip(every, page_url(edition, args, **{key: None}), current is None)] + [
        Chip(name, page_url(edition, args, **{key: value}), current == value)
        for value, name in options
    ]


def chip_groups(filters: Filters, edition: Edition, args: Mapping[str, str]) -> list[ChipGroup]:
    used = set(audit.audit_actions(edition))
    families = [
        (key, str(label))
        for key, label in FAMILIES.items()
        if any(ACTIONS[code][0] == key for code in used if code in ACTIONS)
    ]
    members = {m.user_id: m.user.name for m in edition.memberships}
    actor_ids = audit.audit_actor_ids(edition)
    actors = sorted(
        (
            (str(actor_id), members.get(actor_id) or _("a former member"))
            for actor_id in actor_ids
            if actor_id is not None
        ),
        key=lambda pair: pair[1].casefold(),
    )
    if None in actor_ids:
        actors.append((AUTOMATIC, _("Palabre, automatically")))
    groups = [(g.slug, g.name) for g in edition.groups] + [(STAFF, _("Facilitation team"))]
    periods = [("today", _("Today")), ("week", _("Last 7 days")), ("month", _("Last 30 days"))]
    when = _chips(edition, args, "period", _("Any time"), filters.period, periods)
    typed = filters.since is not None or filters.until is not None
    any_time = page_url(edition, args, period=None, **dict.fromkeys(DATE_PARAMS))
    when[0] = Chip(when[0].label, any_time, filters.period is None and not typed)
    return [
        ChipGroup(
            "family",
            _("What"),
            _chips(edition, args, "family", _("All actions"), filters.family, families),
        ),
        ChipGroup(
            "actor", _("Who"), _chips(edition, args, "actor", _("Everyone"), filters.actor, actors)
        ),
        ChipGroup(
            "group",
            _("Group"),
            _chips(edition, args, "group", _("All groups"), filters.group, groups),
        ),
        ChipGroup("period", _("When"), when),
    ]
