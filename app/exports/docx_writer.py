"""The Word writer: one document's package and the writers that fill it, one per concern.

package  (docx_package)  the document itself: reference or A4, styles, numbering, bytes
inline   (docx_inline)   paragraphs and runs, links, pictures, footnotes
outline  (docx_outline)  cover, headings, table of contents, page breaks
blocks   (docx_blocks)   Markdown blocks: paragraphs, quotes, code, lists, tables
"""

from __future__ import annotations

from .docx_blocks import BlockWriter
from .docx_inline import InlineWriter
from .docx_outline import Outline
from .docx_package import WordPackage

__all__ = ["DocxWriter"]


class DocxWriter:
    """Builds one Word document: write through its parts in order, then ``to_bytes``."""

    def __init__(
        self,
        *,
        language: str,
        reference: bytes | None = None,
        images: dict[str, bytes] | None = None,
        labels: dict[str, str],
    ) -> None:
        self.package = WordPackage(language=language, reference=reference)
        self.inline = InlineWriter(self.package, images=images or {}, labels=labels)
        self.outline = Outline(self.package, self.inline, labels)
        self.blocks = BlockWriter(self.package, self.inline, self.outline)

    def to_bytes(self) -> bytes:
        self.outline.finish_toc()
        return self.package.to_bytes()
