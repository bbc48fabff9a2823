"""The facilitators' dashboard: progress of each paper, participation, the debate.

Computed from the live editor (text, authorship, last activity of each section), the
debate's measures (``debate_stats``) and the /live presence. Section figures are cached
per process by (section, last activity): a section nobody touched is not re-read.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.collaboration import services as collaboration
from app.collaboration.models import Paper, Section
from app.deliberation.stats import debate_stats
from app.extensions import db
from app.facilitation import presence, settings
from app.review.feedback import FeedbackState, dashboard_feedback
from app.workshops.locks import section_is_locked
from app.workshops.models import Edition, Membership, Role, StakeholderGroup

WORD_RE = re.compile(r"\w[\w’'-]*", re.UNICODE)
MARKUP_RE = re.compile(r"[#>*_`~\[\]()|]+")

EMPTY, IN_PROGRESS, LONG_ENOUGH = "empty", "in_progress", "long_enough"


def count_words(text: str) -> int:
    return len(WORD_RE.findall(MARKUP_RE.sub(" ", text or "")))


def gini(values: list[float]) -> float:
    """0 when everyone contributed the same, towards 1 when one person did everything."""
    values = sorted(v for v in values if v >= 0)
    n = len(values)
    total = sum(values)
    if n < 2 or total <= 0:
        return 0.0
    weighted = sum((index + 1) * value for index, value in enumerate(values))
    return (2 * weighted) / (n * total) - (n + 1) / n


@dataclass
class SectionFigures:
    words: int
    last_activity: datetime | None
    authorship: dict[int, int]


_cache: OrderedDict[tuple, SectionFigures] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 4096


def section_figures(section: Section) -> SectionFigures:
    last = collaboration.section_last_activity(section)
    key = (section.id, last.isoformat() if last else None)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and last is not None:
            _cache.move_to_end(key)
            return cached
    figures = SectionFigures(
        words=count_words(collaboration.section_text(section)),
        last_activity=last,
        authorship={int(k): int(v) for k, v in collaboration.authorship(section).items()},
    )
    with _cache_lock:
        _cache[key] = figures
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return figures


@dataclass
class SectionRow:
    section: Section
    label: str
    words: int
    last_activity: datetime | None
    status: str
    locked: bool
    feedback: FeedbackState | None = None  # the facilitators' feedback (app.review)


@dataclass
class MemberRow:
    user_id: int
    name: str
    current: bool  # still a participant of this group
    online: str | None
    chars: int = 0
    share: float = 0.0
    arguments: int = 0
    replies: int = 0
    marks: int = 0


@dataclass
class GroupBlock:
    group: StakeholderGroup
    sections: list[SectionRow]
    members: list[MemberRow]
    words: int
    last_activity: datetime | None
    top_share: float
    gini: float
    online: int
    unanswered_objections: int | None = None


@dataclass
class Dashboard:
    edition: Edition
    target_words: int
    groups: list[GroupBlock]
    section_labels: list[str]
    debate: dict[str, Any] | None
    online: dict[int, str] = field(default_factory=dict)
    feedback_drafts: int = 0  # feedback written and not released yet, every group


def _label(section: Section) -> str:
    if section.key == "introduction":
        return "Intro"
    if section.key == "conclusion":
        return "Concl."
    return section.key.upper()


def _status(words: int, target: int) -> str:
    if words == 0:
        return EMPTY
    return LONG_ENOUGH if words >= target else IN_PROGRESS


def _member_counts(stats: dict | None) -> dict[int, dict[str, int]]:
    members = (stats or {}).get("members") or (stats or {}).get("per_member") or {}
    result = {}
    for key, counts in members.items():
        try:
            result[int(key)] = {
                k: int(counts.get(k, 0) or 0) for k in ("arguments", "replies", "marks")
            }
        except (TypeError, ValueError, AttributeError):
            continue
    return result


def _unanswered(stats: dict | None) -> dict[str, int]:
    raw = (stats or {}).get("unanswered_objections") or {}
    out = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            try:
                out[str(key)] = int(value)
            except (TypeError, ValueError):
                continue
    return out


def build(edition: Edition) -> Dashboard:
    target = settings.settings_of(edition).target_words
    online = presence.online(edition)
    stats = debate_stats(edition)
    counts = _member_counts(stats)
    unanswered = _unanswered(stats)
    feedback = dashboard_feedback(edition)

    papers = {
        paper.group_id: paper
        for paper in db.session.scalars(
            select(Paper)
            .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
            .where(StakeholderGroup.edition_id == edition.id)
            .options(selectinload(Paper.sections))
        )
    }
    participants: dict[int, list[tuple[int, str]]] = {}
    for membership, name in db.session.execute(
        select(Membership, User.name)
        .join(User, Membership.user_id == User.id)
        .where(Membership.edition_id == edition.id, Membership.role == Role.PARTICIPANT)
        .order_by(User.name)
    ):
        participants.setdefault(membership.group_id, []).append((membership.user_id, name))

    labels: list[str] = []
    blocks: list[GroupBlock] = []
    former_ids: set[int] = set()
    raw_blocks = []
    for group in edition.groups:
        paper = papers.get(group.id)
        sections = list(paper.sections) if paper else []
        if len(sections) > len(labels):
            labels = [_label(s) for s in sections]
        rows, chars = [], {}
        for section in sections:
            figures = section_figures(section)
            rows.append(
                SectionRow(
                    section=section,
                    label=_label(section),
                    words=figures.words,
                    last_activity=figures.last_activity,
                    status=_status(figures.words, target),
                    locked=section_is_locked(section),
                    feedback=feedback.get(section.id),
                )
            )
            for user_id, n in figures.authorship.items():
                chars[user_id] = chars.get(user_id, 0) + n
        current = dict(participants.get(group.id, []))
        former_ids |= {uid for uid in chars if uid not in current}
        raw_blocks.append((group, rows, chars, current))

    names: dict[int, str] = {}
    if former_ids:
        names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(former_ids))))

    for group, rows, chars, current in raw_blocks:
        members = []
        for user_id, name in list(current.items()) + [
            (uid, names.get(uid, "?")) for uid in chars if uid not in current
        ]:
            member_counts = counts.get(user_id, {})
            members.append(
                MemberRow(
                    user_id=user_id,
                    name=name,
                    current=user_id in current,
                    online=online.get(user_id),
                    chars=chars.get(user_id, 0),
                    arguments=member_counts.get("arguments", 0),
                    replies=member_counts.get("replies", 0),
                    marks=member_counts.get("marks", 0),
                )
            )
        total = sum(m.chars for m in members)
        for member in members:
            member.share = member.chars / total if total else 0.0
        members.sort(key=lambda m: (-m.chars, m.name))
        activities = [r.last_activity for r in rows if r.last_activity is not None]
        blocks.append(
            GroupBlock(
                group=group,
                sections=rows,
                members=members,
                words=sum(r.words for r in rows),
                last_activity=max(activities) if activities else None,
                top_share=max((m.share for m in members), default=0.0),
                gini=gini([m.chars for m in members if m.current or m.chars]),
                online=sum(1 for uid in current if uid in online),
                unanswered_objections=unanswered.get(group.slug, unanswered.get(str(group.id))),
            )
        )
    return Dashboard(
        edition=edition,
        target_words=target,
        groups=blocks,
        section_labels=labels,
        debate=stats,
        online=online,
        feedback_drafts=sum(1 for state in feedback.values() if state.pending),
    )
