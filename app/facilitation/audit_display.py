"""The audit log as people read it: a label for every action code, the change in words
("Phase : Préparation → Rédaction"), the actor's name and group, the target by its name.

The log keeps raw codes and JSON (``audit.record_audit``) and the CSV export gives them
as they are (``audit.audit_csv``); this module only reads them for the page. A new action
code needs its label in ``ACTIONS``: ``tests/facilitation/test_audit_labels.py`` reads
every code the application writes and fails on one without. A key of before/after that
no ``FIELDS`` entry knows is still shown in words, never as JSON.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.collaboration.models import Paper, Section
from app.deliberation.models import Argument
from app.extensions import db
from app.facilitation.models import AuditEntry
from app.workshops.models import Edition, Membership, ScheduledLock

FAMILIES = {
    "phases": _l("Phases"),
    "locks": _l("Locks"),
    "members": _l("Members"),
    "announcements": _l("Announcements"),
    "moderation": _l("Moderation"),
    "review": _l("Comments and feedback"),
    "settings": _l("Settings"),
    "refusals": _l("Refusals"),
}

#: Every action code the application writes: its family (the filters) and its label.
ACTIONS = {
    "phase.change": ("phases", _l("Phase changed")),
    "phase.deadline": ("phases", _l("Deadline changed")),
    "phase.update": ("phases", _l("Phase settings changed")),
    "phase.add": ("phases", _l("Phase added")),
    "phase.move": ("phases", _l("Phases reordered")),
    "phase.delete": ("phases", _l("Phase deleted")),
    "section.lock": ("locks", _l("Section locked")),
    "section.unlock": ("locks", _l("Section unlocked")),
    "paper.lock": ("locks", _l("Paper locked")),
    "paper.unlock": ("locks", _l("Paper unlocked")),
    "papers.lock": ("locks", _l("All the papers locked")),
    "papers.unlock": ("locks", _l("All the papers unlocked")),
    "lock.schedule": ("locks", _l("Lock scheduled")),
    "lock.schedule_cancel": ("locks", _l("Scheduled lock cancelled")),
    "lock.scheduled_applied": ("locks", _l("Scheduled lock applied")),
    "member.role": ("members", _l("Role changed")),
    "member.promote": ("members", _l("Made facilitator")),
    "member.move": ("members", _l("Moved to another group")),
    "member.remove": ("members", _l("Removed from the edition")),
    "announcement.send": ("announcements", _l("Announcement sent")),
    "report.close": ("moderation", _l("Report closed")),
    "argument.hide": ("moderation", _l("Argument hidden")),
    "argument.restore": ("moderation", _l("Argument restored")),
    "argument.pin": ("moderation", _l("Argument pinned or unpinned")),
    "argument.lock": ("moderation", _l("Thread closed or reopened")),
    "argument.merge": ("moderation", _l("Argument merged into another")),
    "argument.moderator_edit": ("moderation", _l("Argument corrected by the moderation")),
    "comment.hide": ("review", _l("Comment hidden")),
    "comment.restore": ("review", _l("Comment restored")),
    "feedback.release": ("review", _l("Feedback released to the groups")),
    "suggestion.accept": ("review", _l("Suggestion accepted")),
    "suggestion.reject": ("review", _l("Suggestion rejected")),
    "dashboard.target": ("settings", _l("Target length changed")),
    "forbidden.attempt": ("refusals", _l("Refused attempt")),
}

#: A toggle's label says which way it went: (key, label when set, label when cleared).
TOGGLES = {
    "argument.pin": ("pinned", _l("Argument pinned"), _l("Argument unpinned")),
    "argument.lock": ("locked", _l("Thread closed to replies"), _l("Thread reopened")),
}


def family_codes(family: str) -> list[str]:
    return [code for code, (kind, _label) in ACTIONS.items() if kind == family]


def action_label(code: str) -> str:
    known = ACTIONS.get(code)
    return str(known[1]) if known else code


# --- names of what the entries point at ---------------------------------------------------

_QUESTION_KEY = re.compile(r"q(\d+)\Z")


def section_name(key: str) -> str:
    if key == "introduction":
        return _("Introduction")
    if key == "conclusion":
        return _("Conclusion")
    number = _QUESTION_KEY.match(key)
    return _("Question %(n)s", n=number.group(1)) if number else key


def excerpt(text: str | None, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _by_id(model, ids: Iterable[int]) -> dict[int, Any]:
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


class Names:
    """What the page's entries name, loaded once: phases, groups, members, users, and the
    sections, papers, arguments and scheduled locks they target."""

    def __init__(self, edition: Edition, entries: list[AuditEntry]) -> None:
        self.edition = edition
        self.phase_by_key = {p.key: p.name for p in edition.phases}
        self.phase_by_id = {p.id: p.name for p in edition.phases}
        self.group_by_slug = {g.slug: g for g in edition.groups}
        self.members = {
            m.user_id: m
            for m in db.session.scalars(
                select(Membership).where(Membership.edition_id == edition.id)
            )
        }
        targets: dict[str, set[int]] = defaultdict(set)
        users: set[int] = set()
        for entry in entries:
            if entry.target_id is not None:
                targets[entry.target_type].add(entry.target_id)
            for state in (entry.before, entry.after):
                if isinstance(state, dict):
                    targets["argument"].add(state.get("merged_into"))
                    users.add(state.get("author"))
        self.memberships = _by_id(Membership, targets["membership"])
        self.users = {u.id: u.name for u in _by_id(User, targets["user"] | users).values()}
        self.schedules = _by_id(ScheduledLock, targets["scheduledlock"])
        self.sections = _by_id(
            Section,
            targets["section"] | {s.section_id for s in self.schedules.values() if s.section_id},
        )
        self.papers = _by_id(
            Paper, targets["paper"] | {s.paper_id for s in self.schedules.values() if s.paper_id}
        )
        self.arguments = _by_id(Argument, targets["argument"])

    def user(self, user_id) -> str:
        member = self.members.get(user_id)
        if member is not None:
            return member.user.name
        return self.users.get(user_id) or _("a former member")

    def group(self, slug) -> str:
        group = self.group_by_slug.get(slug)
        return group.name if group else str(slug)

    def section(self, section_id) -> str:
        section = self.sections.get(section_id)
        if section is None:
            return _("%(kind)s no. %(n)s", kind=_("Section"), n=section_id)
        return f"{section.paper.group.name} · {section_name(section.key)}"

    def paper(self, paper_id) -> str:
        paper = self.papers.get(paper_id)
        if paper is None:
            return _("%(kind)s no. %(n)s", kind=_("Paper"), n=paper_id)
        return f"{_('Paper')} · {paper.group.name}"

    def address(self, address) -> str:
        """A section's address (``edition/group/key``), as review writes it."""
        parts = str(address).split("/")
        if len(parts) == 3 and parts[1] in self.group_by_slug:
            return f"{self.group(parts[1])} · {section_name(parts[2])}"
        return str(address)

    def argument(self, argument_id) -> str:
        return _("%(kind)s no. %(n)s", kind=_("Argument"), n=argument_id)

    def schedule(self, lock_id) -> str:
        lock = self.schedules.get(lock_id)
        if lock is None:
            return _("%(kind)s no. %(n)s", kind=_("Scheduled lock"), n=lock_id)
        if lock.scope == "section":
            return self.section(lock.section_id)
        if lock.scope == "paper":
            return self.paper(lock.paper_id)
        return _("All the papers")


TARGET_KINDS = {
    "comment": _l("Comment"),
    "suggestion": _l("Suggestion"),
    "announcement": _l("Announcement"),
    "report": _l("Report"),
}


SAID = {"phase.change"}  # the change names the target already ("Phase: A → B")


def describe_target(entry: AuditEntry, names: Names) -> tuple[str, str]:
    """(what the entry acted on, an excerpt of its text if it has one)."""
    kind, target = entry.target_type, entry.target_id
    if target is None or kind in ("announcement", "edition", "") or entry.action in SAID:
        return "", ""
    if kind == "phase":
        state = entry.before if isinstance(entry.before, dict) else {}
        return names.phase_by_id.get(target) or state.get("name") or "", ""
    if kind == "section":
        return names.section(target), ""
    if kind == "paper":
        return names.paper(target), ""
    if kind == "argument":
        argument = names.arguments.get(target)
        return names.argument(target), excerpt(argument.text, 90) if argument else ""
    if kind == "membership":
        membership = names.memberships.get(target)
        return (membership.user.name if membership else _("a former member")), ""
    if kind == "user":
        return names.user(target), ""
    if kind == "scheduledlock":
        return names.schedule(target), ""
    label = TARGET_KINDS.get(kind)
    return _("%(kind)s no. %(n)s", kind=label or kind, n=target), ""


# --- before and after, in words -----------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of a change: ``label: before → after`` (either side may be missing)."""

    label: str
    before: str | None = None
    after: str | None = None


NONE = "—"


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


def _when(value) -> str:
    try:
        return format_datetime(datetime.fromisoformat(str(value)), "short")
    except ValueError:
        return str(value)


def plain(value: Any) -> str:
    """Any value of the log in words: a list joined, a mapping as "key: value"."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value) or NONE
    if isinstance(value, dict):
        pairs = (_("%(label)s: %(value)s", label=k, value=plain(v)) for k, v in value.items())
        return "; ".join(pairs) or NONE
    return excerpt(str(value), 200)


def _states(on: str, off: str) -> Callable[[Any, Names], str]:
    return lambda value, _names: NONE if value is None else (on if value else off)


DEBATE_MODES = {"open": _l("open"), "readonly": _l("read-only"), "hidden": _l("hidden")}
ROLES = {
    "organizer": _l("Organizer"),
    "facilitator": _l("Facilitator"),
    "participant": _l("Participant"),
    "observer": _l("Observer"),
}
SCOPES = {"all": _l("All the papers"), "paper": _l("One paper"), "section": _l("One section")}
STATUSES = {"pending": _l("pending"), "accepted": _l("accepted"), "rejected": _l("rejected")}


def _named(labels: dict) -> Callable[[Any, Names], str]:
    return lambda value, _names: str(labels.get(value, plain(value)))


#: key → (label, value in words). Keys not here are shown by ``plain``.
FIELDS: dict[str, tuple[Any, Callable[[Any, Names], str]]] = {
    "phase": (_l("Phase"), lambda v, n: NONE if v is None else n.phase_by_key.get(v, str(v))),
    "name": (_l("Name"), lambda v, _n: plain(v)),
    "key": (_l("Short name"), lambda v, _n: plain(v)),
    "deadline": (_l("Deadline"), lambda v, _n: NONE if v is None else _when(v)),
    "at": (_l("At"), lambda v, _n: NONE if v is None else _when(v)),
    "write_own_paper": (_l("Groups write their own paper"), lambda v, _n: _yes_no(v)),
    "read_other_papers": (_l("Groups read the other papers"), lambda v, _n: _yes_no(v)),
    "debate_mode": (_l("Debate"), _named(DEBATE_MODES)),
    "papers_locked": (_l("Papers locked"), lambda v, _n: _yes_no(v)),
    "order": (_l("Order"), lambda v, n: ", ".join(n.phase_by_key.get(k, str(k)) for k in v or [])),
    "locked": (_l("State"), _states(_l("locked"), _l("unlocked"))),
    "hidden": (_l("Visibility"), _states(_l("hidden"), _l("visible"))),
    "pinned": (_l("Pin"), _states(_l("pinned"), _l("not pinned"))),
    "reports_closed": (_l("Reports closed"), lambda v, _n: plain(v)),
    "reason": (_l("Reason"), lambda v, _n: plain(v)),
    "merged_into": (_l("Merged into"), lambda v, n: NONE if v is None else n.argument(v)),
    "text": (_l("Text"), lambda v, _n: excerpt(v, 200)),
    "target_words": (
        _l("Target length"),
        lambda v, _n: _("%(n)s words", n=format_decimal(v)) if isinstance(v, int) else plain(v),
    ),
    "group": (_l("Group"), lambda v, n: NONE if v is None else n.group(v)),
    "body": (_l("Message"), lambda v, _n: excerpt(v, 200)),
    "role": (_l("Role"), _named(ROLES)),
    "scope": (_l("What"), _named(SCOPES)),
    "sections": (
        _l("Sections"),
        lambda v, n: ", ".join(n.address(a) for a in v) if isinstance(v, list) else plain(v),
    ),
    "section": (_l("Section"), lambda v, n: n.address(v)),
    "status": (_l("Status"), _named(STATUSES)),
    "author": (_l("Author"), lambda v, n: NONE if v is None else n.user(v)),
    "deleted": (_l("Deleted text"), lambda v, _n: excerpt(v, 200) or NONE),
    "inserted": (_l("Inserted text"), lambda v, _n: excerpt(v, 200) or NONE),
    "question": (_l("Question"), lambda v, _n: plain(v)),
    "event": (_l("Event"), lambda v, _n: plain(v)),
    "payload": (_l("Sent"), lambda v, _n: plain(v)),
    "operation": (_l("Operation"), lambda v, _n: plain(v)),
}
#: What a key means for one action, when it differs from FIELDS.
OVERRIDES = {
    ("announcement.send", "group"): (
        _l("To"),
        lambda v, n: _("Everyone") if v is None else n.group(v),
    ),
    ("argument.lock", "locked"): (_l("Thread"), _states(_l("closed to replies"), _l("open"))),
    ("argument.restore", "reason"): (_l("Why it was hidden"), lambda v, _n: plain(v)),
}
SKIPPED = {"schedule", "position"}  # an internal id; a phase's place shows in "Order"


def _field(action: str, key: str):
    known = OVERRIDES.get((action, key)) or FIELDS.get(key)
    if known is not None:
        return str(known[0]), known[1]
    return key.replace("_", " ").capitalize(), lambda value, _names: plain(value)


def _papers(before: Any, after: Any, names: Names) -> list[Change]:
    """All the papers' lock flags, {group slug: locked}: one line per paper that changed."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    word = FIELDS["locked"][1]
    changed = [slug for slug in after if before.get(slug) != after.get(slug)]
    return [
        Change(names.group(slug), word(before.get(slug), names), word(after.get(slug), names))
        for slug in changed or after
    ]


def describe_changes(entry: AuditEntry, names: Names) -> list[Change]:
    """The entry's before and after as lines of words: what changed, or what was set or
    removed; a key that did not change is left out (unless nothing did)."""
    before, after = entry.before, entry.after
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return [
            Change(
                _("Change"),
                None if before is None else plain(before),
                None if after is None else plain(after),
            )
        ]
    before, after = before or {}, after or {}
    both = bool(entry.before) and bool(entry.after)
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in SKIPPED]
    if both:
        moved = [k for k in keys if before.get(k) != after.get(k)]
        keys = moved or keys
    lines: list[Change] = []
    for key in keys:
        if key == "papers":
            lines += _papers(before.get(key), after.get(key), names)
            continue
        label, word = _field(entry.action, key)
        old = word(before[key], names) if key in before else None
        new = word(after[key], names) if key in after else None
        lines.append(Change(label, old, new))
    return lines


# --- one row of the page ------------------------------------------------------------------


@dataclass
class Row:
    entry: AuditEntry
    label: str
    family: str
    actor: str
    member: Membership | None  # the actor's membership now (their group, their role)
    former: bool  # an actor who is no longer a member of the edition
    target: str
    quote: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""


def _label(entry: AuditEntry) -> str:
    toggle = TOGGLES.get(entry.action)
    if toggle is not None and isinstance(entry.after, dict) and toggle[0] in entry.after:
        return str(toggle[1] if entry.after[toggle[0]] else toggle[2])
    return action_label(entry.action)


def describe(entry: AuditEntry, names: Names) -> Row:
    family = ACTIONS.get(entry.action, ("", ""))[0]
    member = names.members.get(entry.actor_id)
    target, quote = describe_target(entry, names)
    changes = describe_changes(entry, names)
    reason = entry.reason
    if family == "refusals":  # its "reason" is the refused request
        changes = [Change(_("Request"), None, reason), *changes] if reason else changes
        reason = ""
    return Row(
        entry=entry,
        label=_label(entry),
        family=family,
        actor=entry.actor.name if entry.actor else _("Palabre, automatically"),
        member=member,
        former=entry.actor is not None and member is None,
        target=target,
        quote=quote,
        changes=changes,
        reason=reason,
    )


def describe_all(edition: Edition, entries: list[AuditEntry]) -> list[Row]:
    names = Names(edition, entries)
    return [describe(entry, names) for entry in entries]
