"""From the database to the export layer's plain data (the only impure module here).

``group_deliverable`` and ``edition_synthesis`` read the models and the live papers and
build :mod:`app.exports.model` objects; the pure writers then turn them into bytes.
"""

from __future__ import annotations

import datetime as dt

from app.collaboration.models import PaperVisibility
from app.collaboration.services import paper_of
from app.exports import model
from app.exports.synthesis import synthesis_from_deliverables
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


def _section_text(section) -> str:
    from app.collaboration.services import section_text

    return section_text(section)


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
                markdown=_section_text(section),
                number=number,
                summary=getattr(section, "summary", None) or None,
            )
        )
    return tuple(sections)


def _debate(edition, group) -> tuple[tuple[model.Source, ...], tuple[model.Argument, ...]]:
    """The group's cited sources and its arguments of the debate, when the debate exists."""
    try:
        from app.deliberation.services import export_debate
    except ImportError:
        return (), ()
    return export_debate(edition, group)


def group_deliverable(group, *, edition_data: model.Edition | None = None, images=None):
    edition = group.edition
    sources, arguments = _debate(edition, group)
    return model.GroupDeliverable(
        edition=edition_data or export_edition(edition),
        group=export_group(group),
        sections=export_sections(group),
        sources=sources,
        arguments=arguments,
        images=images if images is not None else uploads.images_by_url(edition),
    )


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
