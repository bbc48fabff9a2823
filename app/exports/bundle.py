"""The "tout exporter" zip and the file names of the deliverables."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from .deck import group_pptx, synthesis_pptx
from .labels import ascii_stem, labels
from .model import Edition, Group, GroupDeliverable, Synthesis
from .word import group_docx, synthesis_docx

__all__ = ["deliverables_zip", "export_filename", "review_filename"]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def edition_stem(edition: Edition) -> str:
    return ascii_stem(edition.file_stem or edition.title or edition.slug, "Palabre")


def export_filename(edition: Edition, group: Group | None, ext: str) -> str:
    """``MaliSIG-2023_Gouvernement.docx``; ``group=None`` → ``MaliSIG-2023_Synthese.pptx``."""
    who = ascii_stem(group.name, group.slug or "Groupe") if group else "Synthese"
    return f"{edition_stem(edition)}_{who}.{ext.lstrip('.').lower()}"


def review_filename(edition: Edition, group: Group) -> str:
    """``MaliSIG-2023_Gouvernement_Copie-de-relecture.docx``."""
    stem = export_filename(edition, group, "docx").removesuffix(".docx")
    return f"{stem}_{ascii_stem(labels(edition.language)['review_file'])}.docx"


def deliverables_zip(
    deliverables: Sequence[GroupDeliverable],
    synthesis: Synthesis | None = None,
    *,
    formats: Sequence[str] = ("docx", "pptx"),
) -> bytes:
    """Every group's document and deck (and the synthesis), sensibly named, in one zip."""
    makers = {"docx": (group_docx, synthesis_docx), "pptx": (group_pptx, synthesis_pptx)}
    out = io.BytesIO()
    used: set[str] = set()

    def add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        stem, ext = name.rsplit(".", 1)
        candidate, n = name, 2
        while candidate.lower() in used:
            candidate = f"{stem}-{n}.{ext}"
            n += 1
        used.add(candidate.lower())
        info = zipfile.ZipInfo(candidate, _ZIP_DATE)
        info.compress_type = zipfile.ZIP_STORED  # docx/pptx are already deflated
        info.external_attr = 0o644 << 16
        zf.writestr(info, data)

    with zipfile.ZipFile(out, "w") as zf:
        for d in deliverables:
            for fmt in formats:
                add(zf, export_filename(d.edition, d.group, fmt), makers[fmt][0](d))
        if synthesis is not None:
            for fmt in formats:
                add(zf, export_filename(synthesis.edition, None, fmt), makers[fmt][1](synthesis))
    return out.getvalue()
