"""Deliverables of a school: pure functions, data in (:mod:`app.exports.model`), bytes out.

Never imports Flask, SQLAlchemy, views or sockets: the web app and the CLI build the
dataclasses from the database and call these functions.

    group_docx(GroupDeliverable) -> bytes        # the group's Word position paper
    group_pptx(GroupDeliverable) -> bytes        # the group's 16:9 deck
    review_docx(GroupDeliverable, [ReviewComment]) -> bytes  # its Word document, commented
    synthesis_docx(Synthesis) -> bytes           # the cross-group synthesis, Word
    synthesis_pptx(Synthesis) -> bytes           # the cross-group synthesis, deck
    deliverables_zip([GroupDeliverable], Synthesis | None) -> bytes
    export_filename(edition, group | None, "docx") -> "MaliSIG-2023_Gouvernement.docx"
    review_filename(edition, group) -> "MaliSIG-2023_Gouvernement_Copie-de-relecture.docx"
    check_reference_docx / check_pptx_template / check_image  (raise ExportInputError)
"""

from .bundle import deliverables_zip, export_filename, review_filename
from .deck import group_pptx, synthesis_pptx
from .docx_comments import review_docx
from .errors import ExportInputError
from .model import (
    ARGUMENT_KINDS,
    Argument,
    Citation,
    Edition,
    Group,
    GroupDeliverable,
    GroupPosition,
    Reply,
    ReviewComment,
    Section,
    Source,
    Synthesis,
    SynthesisQuestion,
)
from .synthesis import synthesis_from_deliverables
from .validate import check_image, check_pptx_template, check_reference_docx
from .word import group_docx, synthesis_docx

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
}

__all__ = [
    "ARGUMENT_KINDS",
    "MIME_TYPES",
    "Argument",
    "Citation",
    "Edition",
    "ExportInputError",
    "Group",
    "GroupDeliverable",
    "GroupPosition",
    "Reply",
    "ReviewComment",
    "Section",
    "Source",
    "Synthesis",
    "SynthesisQuestion",
    "check_image",
    "check_pptx_template",
    "check_reference_docx",
    "deliverables_zip",
    "export_filename",
    "group_docx",
    "group_pptx",
    "review_docx",
    "review_filename",
    "synthesis_docx",
    "synthesis_from_deliverables",
    "synthesis_pptx",
]
