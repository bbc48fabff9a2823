"""Workshop services: editions, questions, groups, phases, memberships, invitations
(what an organizer changes in a membership: ``memberships``).

Plain functions taking explicit arguments; they flush, never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.core import signals
from app.core.errors import BadInput, Conflict, NotFound
from app.core.models import utcnow
from app.core.ordering import renumber
from app.extensions import db
from app.workshops import colours
from app.workshops.colours import COLOUR_RE, GROUP_PALETTE, check_colour  # noqa: F401 - read here too
from app.workshops.models import (
    DebateMode,
    Edition,
    GroupKind,
    Invitation,
    Membership,
    Phase,
    Question,
    Role,
    StakeholderGroup,
)

#: Used with ``fullmatch``: a ``$`` would let a trailing newline through.
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def next_colour(edition: Edition) -> str:
    """The colour a new group of ``edition`` gets (``colours.next_colour``)."""
    return colours.next_colour([group.colour for group in edition.groups])


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    name: str
    write_own_paper: bool
    read_other_papers: bool
    debate_mode: str
    papers_locked: bool


# The default course of a school; names and order can be changed per edition.
DEFAULT_PHASES = (
    PhaseSpec("preparation", "Préparation", False, False, DebateMode.HIDDEN, False),
    PhaseSpec("redaction", "Rédaction", True, False, DebateMode.OPEN, False),
    PhaseSpec("debat", "Débat", True, True, DebateMode.OPEN, False),
    PhaseSpec("finalisation", "Finalisation", True, True, DebateMode.READONLY, False),
    PhaseSpec("ceremonie", "Cérémonie", False, True, DebateMode.READONLY, True),
)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64]


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug) or len(slug) > 64:
        raise BadInput(_("A short name may only use lowercase letters, digits and dashes."))
    return slug


# --- editions ---------------------------------------------------------------------------


def get_edition(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        raise NotFound()
    return edition


def create_edition(
    *,
    slug: str,
    title: str,
    creator: User | None,
    concept_note: str = "",
    assignment: str = "",
    language: str = "fr",
) -> Edition:
    slug = _check_slug(slug)
    if not (title or "").strip():
        raise BadInput(_("The title is required."))
    if db.session.scalar(select(Edition.id).where(Edition.slug == slug)) is not None:
        raise Conflict(_("An edition with this short name already exists."))
    edition = Edition(
        slug=slug,
        title=title.strip()[:200],
        concept_note=concept_note,
        assignment=assignment,
        language=language,
    )
    db.session.add(edition)
    db.session.flush()
    for position, spec in enumerate(DEFAULT_PHASES, start=1):
        db.session.add(
            Phase(
                edition=edition,
                position=position,
                key=spec.key,
                name=spec.name,
                write_own_paper=spec.write_own_paper,
                read_other_papers=spec.read_other_papers,
                debate_mode=spec.debate_mode,
                papers_locked=spec.papers_locked,
            )
        )
    db.session.flush()
    edition.current_phase = edition.phases[0]
    if creator is not None:
        set_membership(edition, creator, Role.ORGANIZER)
    db.session.flush()
    return edition


def update_edition(
    edition: Edition, *, title: str, concept_note: str, assignment: str, language: str
) -> None:
    if not (title or "").strip():
        raise BadInput(_("The title is required."))
    if language not in ("fr", "en"):
        raise BadInput(_("Unknown language."))
    edition.title = title.strip()[:200]
    edition.concept_note = concept_note or ""
    edition.assignment = assignment or ""
    edition.language = language
    db.session.flush()


def editions_of(user: User) -> list[tuple[Edition, Membership]]:
    rows = db.session.execute(
        select(Edition, Membership)
        .join(Membership, Membership.edition_id == Edition.id)
        .where(Membership.user_id == user.id)
        .order_by(Edition.created_at.desc())
    )
    return [(edition, membership) for edition, membership in rows]


# --- questions --------------------------------------------------------------------------


def _clean_question(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise BadInput(_("The question cannot be empty."))
    if len(text) > 1000:
        raise BadInput(_("A question has at most 1,000 characters."))
    return text


def add_question(edition: Edition, text: str) -> Question:
    question = Question(edition=edition, position=len(edition.questions) + 1)
    question.text = _clean_question(text)
    db.session.add(question)
    db.session.flush()
    _sync_outlines(edition)
    return question


def update_question(question: Question, text: str) -> None:
    question.text = _clean_question(text)
    db.session.flush()


def move_question(question: Question, offset: int) -> None:
    questions = list(question.edition.questions)
    index = questions.index(question)
    target = index + offset
    if not 0 <= target < len(questions):
        raise BadInput(_("This question cannot move further."))
    questions[index], questions[target] = questions[target], questions[index]
    renumber(questions)
    db.session.expire(question.edition, ["questions"])
    _sync_outlines(question.edition)


def delete_question(question: Question) -> None:
    edition = question.edition
    edition.questions.remove(question)
    db.session.delete(question)
    db.session.flush()
    renumber(edition.questions)
    db.session.expire(edition, ["questions"])
    _sync_outlines(edition)


# --- groups -----------------------------------------------------------------------------


def add_group(
    edition: Edition, *, name: str, kind: str, slug: str | None = None, colour: str | None = None
) -> StakeholderGroup:
    name = (name or "").strip()
    if not name:
        raise BadInput(_("The group needs a name."))
    if kind not in set(GroupKind):
        raise BadInput(_("Unknown kind of stakeholder group."))
    slug = _check_slug(slug or slugify(name))
    if any(group.slug == slug for group in edition.groups):
        raise Conflict(_("A group with this short name already exists in this edition."))
    colour = check_colour(colour) if colour else next_colour(edition)
    group = StakeholderGroup(
        edition=edition,
        name=name[:120],
        kind=kind,
        slug=slug,
        colour=colour,
        position=len(edition.groups) + 1,
    )
    db.session.add(group)
    db.session.flush()
    _sync_outlines(edition)
    return group


def update_group(group: StakeholderGroup, *, name: str, kind: str, colour: str) -> None:
    if not (name or "").strip():
        raise BadInput(_("The group needs a name."))
    if kind not in set(GroupKind):
        raise BadInput(_("Unknown kind of stakeholder group."))
    colour = check_colour(colour)
    group.name = name.strip()[:120]
    group.kind = kind
    group.colour = colour
    db.session.flush()


def get_group(edition: Edition, slug: str) -> StakeholderGroup:
    for group in edition.groups:
        if group.slug == slug:
            return group
    raise NotFound()


def _sync_outlines(edition: Edition) -> None:
    """Papers follow their edition's questions and groups: collaboration, which builds on
    workshops, hears it (in this transaction)."""
    signals.outline_changed.send(current_app._get_current_object(), edition=edition)


# --- memberships ------------------------------------------------------------------------


_MEMBERSHIPS = "palabre_memberships"


def membership_of(user: User | None, edition: Edition | None) -> Membership | None:
    """The user's membership in the edition. Every permission asks it, hundreds of times
    for one page of the debate: the answer is kept until the session writes anything."""
    if user is None or edition is None or getattr(user, "id", None) is None:
        return None
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.info.pop(_MEMBERSHIPS, None)
    cache = session.info.setdefault(_MEMBERSHIPS, {})
    key = (user.id, edition.id)
    if key not in cache:
        cache[key] = session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.edition_id == edition.id
            )
        )
    return cache[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_memberships(session: Session, *_args) -> None:
    session.info.pop(_MEMBERSHIPS, None)


def set_membership(
    edition: Edition, user: User, role: str, group: StakeholderGroup | None = None
) -> Membership:
    if role not in set(Role):
        raise BadInput(_("Unknown role."))
    if role == Role.PARTICIPANT and group is None:
        raise BadInput(_("A participant belongs to a stakeholder group."))
    if group is not None and group.edition_id != edition.id:
        raise BadInput(_("This group belongs to another edition."))
    membership = membership_of(user, edition)
    if membership is None:
        membership = Membership(user_id=user.id, edition_id=edition.id)
        db.session.add(membership)
    membership.role = role
    membership.group_id = group.id if (group is not None and role == Role.PARTICIPANT) else None
    db.session.flush()
    return membership


def members(edition: Edition, group: StakeholderGroup | None = None) -> list[Membership]:
    query = select(Membership).join(User).where(Membership.edition_id == edition.id)
    if group is not None:
        query = query.where(Membership.group_id == group.id)
    return list(db.session.scalars(query.order_by(Membership.role, User.name)))


# --- invitations ------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    edition: Edition,
    *,
    role: str,
    group: StakeholderGroup | None = None,
    created_by: User | None = None,
    valid_days: int = 14,
    max_uses: int = 1,
    note: str = "",
) -> tuple[Invitation, str]:
    """A new invitation and its secret token (shown once, never stored)."""
    if role not in set(Role):
        raise BadInput(_("Unknown role."))
    if role == Role.PARTICIPANT and group is None:
        raise BadInput(_("Choose the stakeholder group of the participant."))
    if group is not None and group.edition_id != edition.id:
        raise BadInput(_("This group belongs to another edition."))
    if not 1 <= valid_days <= 90:
        raise BadInput(_("An invitation is valid from 1 to 90 days."))
    if not 1 <= max_uses <= 500:
        raise BadInput(_("An invitation may be used from 1 to 500 times."))
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        token_hash=_hash_token(token),
        edition=edition,
        role=role,
        group=group if role == Role.PARTICIPANT else None,
        created_by_id=created_by.id if created_by else None,
        expires_at=utcnow() + timedelta(days=valid_days),
        max_uses=max_uses,
        note=(note or "")[:200],
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_invitation(token: str) -> Invitation:
    """The usable invitation for ``token``, or a clear error saying why it is not."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash_token(token or ""))
    )
    if invitation is None or invitation.revoked:
        raise NotFound(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.expires_at <= utcnow():
        raise Conflict(_("This invitation has expired."), code="invitation_expired")
    if invitation.uses >= invitation.max_uses:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    return invitation


def redeem_invitation(invitation: Invitation, user: User) -> Membership:
    if membership_of(user, invitation.edition) is not None:
        raise Conflict(_("You are already a member of this edition."), code="already_member")
    invitation.uses += 1
    return set_membership(invitation.edition, user, invitation.role, invitation.group)


def revoke_invitation(invitation: Invitation) -> None:
    invitation.revoked = True
    db.session.flush()


def invitations(edition: Edition) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.edition_id == edition.id)
            .order_by(Invitation.created_at.desc())
        )
    )
