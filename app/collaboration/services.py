"""Collaboration services: paper outlines, section addresses, reading, server-side edits,
history (the live editor itself: ``live_editor``).

Other areas use: ``resolve_section``, ``section_address``, ``section_text``,
``append_to_section``, ``edit_section``, ``authorship``, ``section_last_activity`` and
``notify_access_changed``. Functions that change a document flush their update and relay
it to connected editors only after the surrounding transaction commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.collaboration import live_editor, presence, store, sync
from app.collaboration.live_editor import NAMESPACE
from app.collaboration.models import Checkpoint, Paper, Section, SectionUpdate
from app.collaboration.yupdate import UpdateFormatError, live_characters_by_client
from app.core import authz, signals
from app.core.errors import BadInput, NotFound
from app.core.ordering import renumber
from app.core.sockets import user_room
from app.core.transactions import transaction_state
from app.extensions import db, socketio
from app.workshops.models import Edition, Membership, StakeholderGroup
from app.workshops.services import members

ADDRESS_RE = re.compile(
    r"([a-z0-9-]{1,64})/([a-z0-9-]{1,64})/(introduction|conclusion|q[1-9][0-9]{0,2})"
)


def paper_of(group) -> Paper | None:
    return db.session.scalar(select(Paper).where(Paper.group_id == group.id))


def sync_paper_outline(group) -> Paper:
    """Make the group's paper have: introduction, one section per question, conclusion.

    Sections of removed questions are deleted; keys follow the questions' order
    (``q1`` … ``qN``) so that a section address always names the question's number.
    """
    paper = paper_of(group)
    if paper is None:
        paper = Paper(group_id=group.id)
        db.session.add(paper)
        db.session.flush()
    current = list(paper.sections)
    fixed = {s.key: s for s in current if s.question_id is None}
    by_question = {s.question_id: s for s in current if s.question_id is not None}
    wanted = [fixed.get("introduction") or Section(paper_id=paper.id)]
    wanted += [
        by_question.get(q.id) or Section(paper_id=paper.id, question_id=q.id)
        for q in group.edition.questions
    ]
    wanted.append(fixed.get("conclusion") or Section(paper_id=paper.id))
    for section in current:
        if section not in wanted:
            db.session.delete(section)
    db.session.flush()
    last = len(wanted) - 1
    renumber(
        wanted,
        start=0,
        key=lambda n: "introduction" if n == 0 else "conclusion" if n == last else f"q{n}",
    )
    db.session.expire(paper, ["sections"])
    return paper


@signals.outline_changed.connect
def _follow_outline(_app, *, edition, **_what) -> None:
    """Questions or groups changed (workshops): every paper of the edition follows."""
    for group in edition.groups:
        sync_paper_outline(group)


# --- addressing ---------------------------------------------------------------------------


def section_address(section: Section) -> str:
    group = section.paper.group
    return f"{group.edition.slug}/{group.slug}/{section.key}"


def resolve_section(address) -> Section:
    """The section named ``<edition-slug>/<group-slug>/<section-key>``."""
    if not isinstance(address, str):
        raise BadInput(_("A section is named edition/group/section."))
    match = ADDRESS_RE.fullmatch(address)
    if match is None:
        raise BadInput(_("A section is named edition/group/section."))
    edition_slug, group_slug, key = match.groups()
    section = db.session.scalar(
        select(Section)
        .join(Paper, Section.paper_id == Paper.id)
        .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
        .join(Edition, StakeholderGroup.edition_id == Edition.id)
        .where(
            Edition.slug == edition_slug, StakeholderGroup.slug == group_slug, Section.key == key
        )
        # What every message's authorization reads next, in the same query.
        .options(
            contains_eager(Section.paper)
            .contains_eager(Paper.group)
            .contains_eager(StakeholderGroup.edition)
            .joinedload(Edition.current_phase)
        )
    )
    if section is None:
        raise NotFound(_("This section does not exist."))
    return section


@dataclass(frozen=True)
class SectionRef(authz.Ref):
    """A section as the live editor's events know it: id and address, kept between
    messages (``section_ref``); the ORM row is loaded only when a decision needs it."""

    kind: ClassVar[str] = "Section"
    id: int
    address: str

    def load(self) -> Section:
        section = db.session.get(Section, self.id)
        if section is None:
            raise NotFound(_("This section does not exist."))
        return section


def section_ref(address) -> SectionRef:
    """``resolve_section``, remembered per address while the access generation (which
    every renaming or move of a section, group or edition bumps) stays the same."""

    def resolve() -> SectionRef:
        section = resolve_section(address)
        return SectionRef(section.id, section_address(section))

    return authz.kept("section_refs", address, resolve) if isinstance(address, str) else resolve()


def section_title(section: Section) -> str:
    if section.key == "introduction":
        return _("Introduction")
    if section.key == "conclusion":
        return _("Conclusion")
    return section.question.text if section.question else section.key


# --- reading ------------------------------------------------------------------------------


def _live(section: Section) -> sync.LiveDoc:
    return live_editor.live_document(section.id)


def section_text(section: Section) -> str:
    return _live(section).text()


def pending_edits(section: Section) -> list[bytes]:
    """This transaction's server edits of the section (``append_to_section``,
    ``edit_section``), not committed yet: what the section holds once it commits is the
    durable state plus these."""
    return list(transaction_state("collab.pending").get(section.id, ()))


def section_last_activity(section: Section):
    return db.session.scalar(
        select(func.max(SectionUpdate.created_at)).where(SectionUpdate.section_id == section.id)
    ) or _snapshot_time(section)


def _snapshot_time(section: Section):
    snapshot = store.snapshot(section.id)
    return snapshot.updated_at if snapshot else None


def authorship(section: Section) -> dict[int, int]:
    """User id → characters (UTF-16 units) of the current text that user wrote."""
    live = _live(section)
    cached = live.authorship_cached()
    if cached is not None:
        return cached
    with live.lock:
        state, clients, changes = live.doc.get_update(), dict(live.clients), live.changes
    try:
        by_client = live_characters_by_client(state)
    except UpdateFormatError:
        return {}
    known = {**store.known_clients(section.id), **clients}
    counts: dict[int, int] = {}
    for client, count in by_client.items():
        user_id = known.get(client)
        if user_id is not None:
            counts[user_id] = counts.get(user_id, 0) + count
    with live.lock:
        live.authorship = (changes, counts)
    return dict(counts)


# --- writing ------------------------------------------------------------------------------


def accept_update(section: Section, update: bytes, user_id: int | None) -> int:
    """Persist an update as an editor's would be (checked, then flushed); applied and
    relayed after the commit (``live_editor.accept``)."""
    return live_editor.accept(section.id, section_address(section), update, user_id)


def _server_edit(section: Section, edit, actor) -> None:
    live = _live(section)
    # Edits made earlier in this same transaction are not committed yet: build on them.
    pending = transaction_state("collab.pending").setdefault(section.id, [])
    update = sync.server_edit(live, edit, pending)
    pending.append(update)
    if update == sync.EMPTY_UPDATE:
        return
    actor_id = getattr(actor, "id", None)
    live_editor.accept(section.id, section_address(section), update, actor_id, checked=False)


def append_to_section(section: Section, markdown: str, actor) -> None:
    """Append Markdown at the end of a section, as an edit every co-author sees arrive."""
    if not (markdown or "").strip():
        raise BadInput(_("Nothing to insert."))
    _server_edit(section, sync.append_markdown(markdown.strip("\n")), actor)


def edit_section(section: Section, edit, actor) -> None:
    """An edit made on the server by ``actor`` (review's accepted suggestions):
    ``edit(text)`` changes the section's ``Y.Text`` — the durable state plus this
    transaction's earlier edits — as an editor would; raising refuses it, nothing kept."""
    _server_edit(section, edit, actor)


# --- presence ---------------------------------------------------------------------------


def presence_user(user, section: SectionRef) -> dict:
    """Who ``user`` is in a section's presence: their name, and their own group's colour
    in the section's edition (a neutral one for the staff)."""
    edition_id = (
        select(StakeholderGroup.edition_id)
        .join(Paper, Paper.group_id == StakeholderGroup.id)
        .join(Section, Section.paper_id == Paper.id)
        .where(Section.id == section.id)
        .scalar_subquery()
    )
    colour = db.session.scalar(
        select(StakeholderGroup.colour)
        .join(Membership, Membership.group_id == StakeholderGroup.id)
        .where(Membership.user_id == user.id, Membership.edition_id == edition_id)
    )
    return presence.identity(user.id, user.name, colour)


# --- updates set aside -------------------------------------------------------------------


@dataclass(frozen=True)
class SetAside:
    """An update that could not be applied when its section loaded (see ``store``)."""

    id: int
    section: Section
    author_id: int | None
    created_at: object
    set_aside_at: object
    reason: str
    size: int


def set_aside_updates(edition) -> list[SetAside]:
    """Every update set aside in the edition's papers, newest first, for its organizers."""
    sections = {
        section.id: section
        for group in edition.groups
        if (paper := paper_of(group)) is not None
        for section in paper.sections
    }
    return [
        SetAside(
            row.id,
            sections[row.section_id],
            row.user_id,
            row.created_at,
            row.quarantined_at,
            row.quarantine_reason or "",
            len(row.data),
        )
        for row in store.quarantined(sections)
    ]


# --- history ------------------------------------------------------------------------------


def create_checkpoint(section: Section, actor, *, name: str = "", automatic: bool = False):
    return live_editor.add_checkpoint(_live(section), actor, name=name, automatic=automatic)


def checkpoints(section: Section) -> list[Checkpoint]:
    return list(
        db.session.scalars(
            select(Checkpoint)
            .where(Checkpoint.section_id == section.id)
            .order_by(Checkpoint.created_at.desc(), Checkpoint.id.desc())
        )
    )


def get_checkpoint(section: Section, checkpoint_id: int) -> Checkpoint:
    checkpoint = db.session.get(Checkpoint, checkpoint_id)
    if checkpoint is None or checkpoint.section_id != section.id:
        raise NotFound()
    return checkpoint


def restore_checkpoint(section: Section, checkpoint: Checkpoint, actor) -> None:
    """Bring the section back to a checkpoint's text with a new edit (history is kept)."""
    create_checkpoint(section, actor, name=_("Before restoring"), automatic=True)
    _server_edit(section, sync.replace_with(checkpoint.text), actor)


# --- access -------------------------------------------------------------------------------


def notify_access_changed(sections) -> None:
    """Tell every connected editor of these sections, at once, whether they may still write.

    Sent to each member's personal room (``user:<id>``), so it reaches their sockets on
    every server process; the server refuses writes from the next message anyway.
    """
    for section in sections:
        address = section_address(section)
        for membership in members(section.paper.group.edition):
            readonly = not authz.can(membership.user, "section.edit", section)
            socketio.emit(
                "access",
                {"section": address, "readonly": readonly},
                to=user_room(membership.user_id),
                namespace=NAMESPACE,
            )
