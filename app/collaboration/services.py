"""Collaboration services: paper outlines and the public API of the live editor.

Other areas use: ``resolve_section``, ``section_address``, ``section_text``,
``append_to_section``, ``authorship``, ``section_last_activity`` and
``notify_access_changed``. Functions that change a document flush their update and relay
it to connected editors only after the surrounding transaction commits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from flask import current_app
from flask_babel import gettext as _
from pycrdt import create_update_message
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app.collaboration import presence, store, sync
from app.collaboration.models import Checkpoint, Paper, Section, SectionUpdate
from app.collaboration.writer import BatchWriter, Job
from app.collaboration.yupdate import ParsedUpdate, UpdateFormatError, live_characters_by_client
from app.core import authz, signals
from app.core.errors import BadInput, Forbidden, NotFound
from app.core.models import utcnow
from app.core.ordering import renumber
from app.core.sockets import user_room
from app.core.transactions import after_commit, transaction_state
from app.extensions import db, socketio
from app.workshops.models import Edition, Membership, StakeholderGroup
from app.workshops.services import members

NAMESPACE = "/collab"
ADDRESS_RE = re.compile(
    r"([a-z0-9-]{1,64})/([a-z0-9-]{1,64})/(introduction|conclusion|q[1-9][0-9]{0,2})"
)
CHECKPOINT_EVERY = timedelta(minutes=10)
WRITER_CATCH_UP = 1.0  # seconds


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


def section_room(section: Section | SectionRef | int) -> str:
    return f"section:{section if isinstance(section, int) else section.id}"


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


def _pending_rows(section_id: int) -> set[int]:
    """Rows of this section written by the current transaction, not committed yet."""
    return transaction_state("collab.pending_rows").setdefault(section_id, set())


def _live(section: Section) -> sync.LiveDoc:
    return sync.documents().get(section.id, _pending_rows(section.id))


def section_text(section: Section) -> str:
    return _live(section).text()


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
    with live.lock:
        if live.authorship is not None and live.authorship[0] == live.changes:
            return dict(live.authorship[1])
        state = live.doc.get_update()
        clients = dict(live.clients)
        changes = live.changes
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


def accept_update(
    section: Section,
    update: bytes,
    user_id: int | None,
    *,
    relay_skip=None,
    live: sync.LiveDoc | None = None,
) -> int:
    """Persist an update (flush); after the commit, apply it and relay it to the room.
    The update is checked first as an editor's would be (``sync.read_update`` bounds,
    ``sync.check_update``). ``live``: the section's document, when just caught up."""
    live = live or sync.documents().get(section.id, _pending_rows(section.id))
    parsed = parse_checked(live, update)
    return _accept(section.id, section_address(section), update, parsed, user_id, relay_skip, live)


def parse_checked(live: sync.LiveDoc, update: bytes) -> ParsedUpdate:
    """Bound, parse and prove an update against the document (see ``sync.check_update``)."""
    parsed = sync.parse_section_update(update)
    sync.check_update(live, update, parsed)
    return parsed


@dataclass(frozen=True)
class EditorUpdate:
    """An update from an editor's socket, for the writer thread (see ``writer``)."""

    section_id: int
    address: str
    update: bytes
    parsed: ParsedUpdate
    user_id: int
    relay_skip: str


def submit_update(
    section: SectionRef, update: bytes, parsed: ParsedUpdate, user_id: int, relay_skip: str
) -> Job:
    """Hand an editor's update to this app's writer thread; the job's ``wait()`` returns
    once it is committed and relayed (its row id), or raises why it was refused."""
    app = current_app._get_current_object()
    writer = app.extensions.get("palabre.collab_writer")
    if writer is None:
        writer = BatchWriter(app, _write_editor_update, after=_compact_after_batch)
        writer = app.extensions.setdefault("palabre.collab_writer", writer)
    job = EditorUpdate(section.id, section.address, update, parsed, user_id, relay_skip)
    return writer.submit(job, timeout=app.config["COLLAB_WRITE_TIMEOUT"])


def _write_editor_update(job: EditorUpdate) -> int:
    # What other processes wrote reaches this process's document at least every
    # WRITER_CATCH_UP seconds (a joining client's step 1 always reads it all).
    live = sync.documents().get(
        job.section_id, _pending_rows(job.section_id), max_age=WRITER_CATCH_UP
    )
    return _accept(
        job.section_id,
        job.address,
        job.update,
        job.parsed,
        job.user_id,
        job.relay_skip,
        live,
        deferred=True,
    )


def _compact_after_batch(jobs: list[EditorUpdate]) -> None:
    compact_written({job.section_id for job in jobs})


def _accept(
    section_id: int,
    address: str,
    update: bytes,
    parsed: ParsedUpdate,
    user_id: int | None,
    relay_skip,
    live: sync.LiveDoc,
    *,
    deferred: bool = False,
) -> int:
    """Persist a checked update (``deferred``: leave compaction to ``compact_written``)."""
    _claim_clients(section_id, live, parsed, user_id)
    row_id = store.append(section_id, update, user_id)
    _pending_rows(section_id).add(row_id)
    if live.log is None:
        live.log = list(store.log_size(section_id))
    else:
        live.log[0] += 1
        live.log[1] += len(update)
    if not deferred:
        _maybe_compact(live, _pending_rows(section_id))
    _maybe_checkpoint(section_id, live)
    message = create_update_message(update)
    room = section_room(section_id)

    def relay() -> None:
        live.applied_row(row_id, update)
        socketio.emit(
            "sync",
            {"section": address, "data": message},
            to=room,
            namespace=NAMESPACE,
            skip_sid=relay_skip,
        )

    after_commit(relay)
    return row_id


def _claim_clients(
    section_id: int, live: sync.LiveDoc, parsed: ParsedUpdate, user_id: int | None
) -> None:
    """A Yjs client id belongs to the user who first wrote with it in the section: an
    update bringing new structs of another user's client id is refused (authorship could
    be forged otherwise); a new client id becomes the sender's."""
    _claim(section_id, live, parsed.news(live.state_vector()), user_id)


def _claim(section_id: int, live: sync.LiveDoc, clients, user_id: int | None) -> None:
    if any(client not in live.clients for client in clients):
        live.clients.update(store.known_clients(section_id))  # another process's, maybe
    for client in clients:
        owner = live.clients.get(client, user_id)
        if owner != user_id:
            raise Forbidden(_("This editor's identity belongs to another member."))
        if client not in live.clients:
            store.remember_client(section_id, client, user_id)
            live.clients[client] = user_id


def claim_presence(section: SectionRef, clients, user_id: int) -> None:
    """A browser's presence (awareness) id is its document's client id, announced when it
    joins, before its first edit: claimed for the user then, no one who saw it relayed can
    write under it first."""
    live = sync.documents().get(section.id, max_age=math.inf)
    if any(client not in live.clients for client in clients):
        _claim(section.id, live, clients, user_id)


def _compaction_due(live: sync.LiveDoc) -> bool:
    if live.log is None:
        return False
    count, size = live.log
    return count >= store.COMPACT_AFTER_UPDATES or size >= store.COMPACT_AFTER_BYTES


def _maybe_compact(live: sync.LiveDoc, pending: set[int]) -> None:
    if not _compaction_due(live):
        return
    with live.lock:
        state, applied = live.doc.get_update(), set(live.applied)
        version = live.version
    compacted = store.compact(
        live.section_id, state, version=version, exclude=pending, included=applied
    )
    # Rows merged are committed ones (ours are excluded): the live document may have
    # missed one another writer committed since it last read the log.
    log = list(store.log_size(live.section_id))
    with live.lock:
        for data in compacted.unapplied:
            sync.apply_stored(live, data)
        live.applied.clear()  # every row it had applied is in the snapshot now
        live.probe = None  # rebuilt from the document alone at the next check
        live.version = compacted.version
        live.size, live.log = compacted.snapshot_bytes + log[1], log


def compact_written(section_ids: Collection[int]) -> None:
    """The writer's step after relaying a batch: compact the sections whose log has
    grown past the bounds, in a transaction of their own, so that no update waits for
    it on its way to the others."""
    for section_id in section_ids:
        live = sync.documents().cached(section_id)
        if live is not None and _compaction_due(live):
            _maybe_compact(live, set())


def _maybe_checkpoint(section_id: int, live: sync.LiveDoc) -> None:
    if live.last_checkpoint is None:
        live.last_checkpoint = db.session.scalar(
            select(func.max(Checkpoint.created_at)).where(Checkpoint.section_id == section_id)
        )
    now = utcnow()
    if live.last_checkpoint is None or now - live.last_checkpoint >= CHECKPOINT_EVERY:
        _add_checkpoint(section_id, live, None, name="", automatic=True)


def _server_edit(section: Section, edit, actor) -> None:
    live = _live(section)
    # Edits made earlier in this same transaction are not committed yet: build on them.
    pending = transaction_state("collab.pending").setdefault(section.id, [])
    update = sync.server_edit(live, edit, pending)
    pending.append(update)
    if update == sync.EMPTY_UPDATE:
        return
    # Made by yrs on top of the document (and of this transaction's edits, which the
    # document has not applied yet): bounded and parsed, not checked against the document.
    parsed = sync.parse_section_update(update)
    actor_id = getattr(actor, "id", None)
    _accept(section.id, section_address(section), update, parsed, actor_id, None, live)


def append_to_section(section: Section, markdown: str, actor) -> None:
    """Append Markdown at the end of a section, as an edit every co-author sees arrive."""
    if not (markdown or "").strip():
        raise BadInput(_("Nothing to insert."))
    _server_edit(section, sync.append_markdown(markdown.strip("\n")), actor)


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
    return _add_checkpoint(section.id, _live(section), actor, name=name, automatic=automatic)


def _add_checkpoint(section_id: int, live: sync.LiveDoc, actor, *, name: str, automatic: bool):
    with live.lock:
        state, text = live.doc.get_update(), live.text()
    checkpoint = Checkpoint(
        section_id=section_id,
        name=(name or "").strip()[:120],
        automatic=automatic,
        text=text,
        state=state,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(checkpoint)
    db.session.flush()
    live.last_checkpoint = checkpoint.created_at
    return checkpoint


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
