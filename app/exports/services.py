"""From the database to the export layer's plain data (the only module reading models).

``group_deliverable`` and ``edition_synthesis`` read the models, the live papers and the
debate and build :mod:`app.exports.model` objects; the pure writers then turn them into
bytes. Exports is the top area: it imports the areas it reads (collaboration, deliberation,
review, workshops) at module level.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from app.collaboration.models import PaperVisibility
from app.collaboration.services import paper_of, section_text
from app.deliberation.models import Argument
from app.deliberation.threads import visible_arguments
from app.exports import model
from app.exports.synthesis import synthesis_from_deliverables
from app.extensions import db
from app.review.reading import comments_for_export
from app.review.suggestions import pending_count
from app.workshops import services as workshops
from app.workshops import uploads
from app.workshops.models import Role, UploadKind

SECTION_TITLES = {"fr": ("Introduction", "Conclusion"), "en": ("Introduction", "Conclusion")}


def _asset(edition, kind) -> bytes | None:
    asset = uploads.current_asset(edition, kind)
    return uploads.read_bytes(asset) if asset is not None else None


def export_edition(edition, *, today: dt.date | None = None) -> model.Edition:
    return model.Edition(
        title=edition.title,
        slug=edition.slug,
        language=edition.language,
        date=today or dt.date.today(),
        logo=_asset(edition, UploadKind.LOGO),
        reference_docx=_asset(edition, UploadKind.REFERENCE_DOCX),
        pptx_template=_asset(edition, UploadKind.PPTX_TEMPLATE),
        # "MaliSIG 2023 — Masterclass" → files named "MaliSIG-2023_<Groupe>.docx".
        file_stem=edition.title.split(" — ")[0].split(" - ")[0],
    )


def export_group(group) -> model.Group:
    names = tuple(
        m.user.name for m in workshops.members(group.edition, group) if m.role == Role.PARTICIPANT
    )
    return model.Group(
        name=group.name, slug=group.slug, kind=group.kind, colour=group.colour, members=names
    )


def export_sections(group) -> tuple[model.Section, ...]:
    paper = paper_of(group)
    intro, conclusion = SECTION_TITLES.get(group.edition.language, SECTION_TITLES["fr"])
    sections = []
    for section in paper.sections if paper else []:
        if section.key == "introduction":
            title, number = intro, None
        elif section.key == "conclusion":
            title, number = conclusion, None
        else:
            title, number = section.question.text, section.question.position
        sections.append(
            model.Section(
                key=section.key,
                title=title,
                markdown=section_text(section),
                number=number,
                summary=getattr(section, "summary", None) or None,
            )
        )
    return tuple(sections)


def export_debate(edition, group) -> tuple[tuple[model.Source, ...], tuple[model.Argument, ...]]:
    """The group's arguments (with the replies they got, six levels deep) and the sources
    they cite, for the annex and bibliography of its Word document. What still stands in
    the map is the debate's rule (``visible_arguments``); this only turns it into data."""
    arguments = list(db.session.scalars(visible_arguments(edition).order_by(Argument.id)))
    children = defaultdict(list)
    for a in arguments:
        children[a.parent_id].append(a)
    names = {g.id: g.name for g in edition.groups}
    cited: dict[int, tuple[int, object]] = {}  # source id → (its number, the source)

    def number(citation) -> int:
        """Sources are numbered from 1 in the order the annex first cites them."""
        found = cited.setdefault(citation.source_id, (len(cited) + 1, citation.source))
        return found[0]

    def build(a, depth: int = 0) -> model.Argument:
        return model.Argument(
            id=a.id,
            question=a.question.position,
            kind=a.kind,
            text=a.text,
            author=a.author.name if a.author else "",
            group=names.get(a.group_id, ""),
            citations=tuple(
                model.Citation(source_id=number(c), page=c.page, quote=c.quote) for c in a.citations
            ),
            children=tuple(build(c, depth + 1) for c in children[a.id]) if depth < 6 else (),
        )

    own = {a.id for a in arguments if a.group_id == group.id}
    parents = {a.id: a.parent_id for a in arguments}

    def below_own(a) -> bool:
        """Already in the tree of one of the group's arguments (within the six levels
        ``build`` follows): a reply to a reply the group got is not a second root."""
        parent = a.parent_id
        for _level in range(6):
            if parent is None:
                return False
            if parent in own:
                return True
            parent = parents.get(parent)
        return False

    tops = [a for a in arguments if a.id in own and not below_own(a)]
    roots = [build(a) for a in sorted(tops, key=lambda a: (a.question.position, a.id))]
    sources = tuple(
        model.Source(id=n, title=s.title, author=s.author, year=s.year, url=s.url, note=s.note)
        for n, s in cited.values()
    )
    return sources, tuple(roots)


def group_deliverable(group, *, edition_data: model.Edition | None = None, images=None):
    edition = group.edition
    sources, arguments = export_debate(edition, group)
    return model.GroupDeliverable(
        edition=edition_data or export_edition(edition),
        group=export_group(group),
        sections=export_sections(group),
        sources=sources,
        arguments=arguments,
        images=images if images is not None else uploads.images_by_url(edition),
    )


def review_comments(group) -> tuple[model.ReviewComment, ...]:
    """The threads of the group's paper (hidden comments left out), for its review copy."""
    paper = paper_of(group)
    if paper is None:
        return ()
    return tuple(
        model.ReviewComment(
            section_key=c["section_key"],
            author=c["author"],
            at=c["at"],
            body=c["body"],
            quote=c["quote"],
            start=c["start"],
            end=c["end"],
            replies=tuple(model.Reply(r["author"], r["at"], r["body"]) for r in c["replies"]),
            resolved=c["resolved"],
        )
        for c in comments_for_export(paper)
    )


def pending_suggestions(edition) -> dict[int, int]:
    """How many suggestions wait in each group's paper (group id → count)."""
    return {group.id: pending_count(edition, group) for group in edition.groups}


def all_deliverables(edition) -> list[model.GroupDeliverable]:
    edition_data = export_edition(edition)
    images = uploads.images_by_url(edition)
    return [
        group_deliverable(group, edition_data=edition_data, images=images)
        for group in edition.groups
    ]


def edition_synthesis(edition, deliverables=None) -> model.Synthesis:
    deliverables = deliverables if deliverables is not None else all_deliverables(edition)
    edition_data = deliverables[0].edition if deliverables else export_edition(edition)
    return synthesis_from_deliverables(edition_data, deliverables)


def is_published(group) -> bool:
    paper = paper_of(group)
    return paper is not None and paper.visibility == PaperVisibility.PUBLISHED
