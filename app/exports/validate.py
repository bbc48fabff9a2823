"""Checks of uploaded files, to run at upload time (and again before an export)."""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

import docx
import pptx
from PIL import Image, UnidentifiedImageError
from pptx.enum.shapes import PP_PLACEHOLDER

from .errors import ExportInputError

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_TEMPLATE_BYTES",
    "ImageInfo",
    "check_image",
    "check_pptx_template",
    "check_reference_docx",
]

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 25_000_000  # 5000 x 5000
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024
_MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Formats Word and PowerPoint both embed natively.
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
_TITLE_TYPES = frozenset({PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE})


@dataclass(frozen=True)
class ImageInfo:
    format: str  #: "PNG", "JPEG", "GIF"
    mime: str
    width: int  #: pixels
    height: int


def check_image(
    data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS, max_bytes: int = MAX_IMAGE_BYTES
) -> ImageInfo:
    """Refuse what is not a sane PNG/JPEG/GIF; return its format and size in pixels."""
    if not data:
        raise ExportInputError("image-empty", "L'image est vide.", "The image is empty.")
    if len(data) > max_bytes:
        raise ExportInputError(
            "image-too-heavy",
            f"L'image pèse {len(data) / 1e6:.1f} Mo ; la limite est {max_bytes / 1e6:.1f} Mo.",
            f"The image weighs {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                fmt, (width, height) = im.format or "", im.size
                if width * height > max_pixels:
                    raise ExportInputError(
                        "image-too-large",
                        f"L'image fait {width}×{height} pixels ; la limite est "
                        f"{max_pixels / 1e6:.0f} mégapixels.",
                        f"The image is {width}×{height} pixels; the limit is "
                        f"{max_pixels / 1e6:.0f} megapixels.",
                    )
                im.verify()
    except ExportInputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ExportInputError(
            "image-unreadable",
            "Ce fichier n'est pas une image lisible (PNG, JPEG ou GIF).",
            "This file is not a readable image (PNG, JPEG or GIF).",
        ) from None
    if fmt not in IMAGE_FORMATS or width < 1 or height < 1:
        raise ExportInputError(
            "image-format",
            f"Format d'image non accepté ({fmt or 'inconnu'}) : utilisez PNG, JPEG ou GIF.",
            f"Image format not accepted ({fmt or 'unknown'}): use PNG, JPEG or GIF.",
        )
    return ImageInfo(fmt, IMAGE_FORMATS[fmt], width, height)


def _check_zip(data: bytes, what_fr: str, what_en: str, main_type: str) -> None:
    if not data:
        raise ExportInputError("template-empty", f"{what_fr} est vide.", f"{what_en} is empty.")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ExportInputError(
            "template-too-heavy",
            f"{what_fr} dépasse {MAX_TEMPLATE_BYTES // 2**20} Mo.",
            f"{what_en} exceeds {MAX_TEMPLATE_BYTES // 2**20} MB.",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
            content_types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ExportInputError(
            "template-unreadable",
            f"{what_fr} est illisible ou n'est pas un fichier Office.",
            f"{what_en} is unreadable or not an Office file.",
        ) from None
    if total > _MAX_UNCOMPRESSED:
        raise ExportInputError(
            "template-too-heavy",
            f"{what_fr} est trop volumineux une fois décompressé.",
            f"{what_en} is too large once uncompressed.",
        )
    if main_type not in content_types:
        raise ExportInputError(
            "template-type",
            f"{what_fr} n'a pas le bon type (enregistrez-le en .docx ou .pptx, sans macros, "
            "pas en modèle .dotx/.potx).",
            f"{what_en} has the wrong type (save it as .docx or .pptx, without macros, "
            "not as a .dotx/.potx template).",
        )


def check_reference_docx(data: bytes) -> None:
    """Refuse a reference document python-docx cannot use; fine if it returns."""
    fr, en = "Le document de référence Word", "The reference Word document"
    _check_zip(data, fr, en, _DOCX_MAIN)
    try:
        doc = docx.Document(io.BytesIO(data))
        doc.styles  # noqa: B018 - parses styles.xml
        if doc.element.body is None:
            raise ValueError("no body")
    except Exception:  # python-docx raises many kinds on broken parts
        raise ExportInputError(
            "template-unreadable",
            f"{fr} est endommagé : ouvrez-le dans Word et enregistrez-le à nouveau en .docx.",
            f"{en} is damaged: open it in Word and save it again as .docx.",
        ) from None


def check_pptx_template(data: bytes) -> None:
    """Refuse a PowerPoint template the deck export cannot use."""
    fr, en = "Le modèle PowerPoint", "The PowerPoint template"
    _check_zip(data, fr, en, _PPTX_MAIN)
    try:
        prs = pptx.Presentation(io.BytesIO(data))
        layouts = list(prs.slide_layouts)
        has_title = any(
            any(ph.placeholder_format.type in _TITLE_TYPES for ph in lay.placeholders)
            for lay in layouts
        )
        has_body = any(
            any(ph.placeholder_format.idx == 1 for ph in lay.placeholders) for lay in layouts
        )
    except Exception:  # python-pptx raises many kinds on broken parts
        raise ExportInputError(
            "template-unreadable",
            f"{fr} est endommagé : ouvrez-le dans PowerPoint et enregistrez-le à nouveau.",
            f"{en} is damaged: open it in PowerPoint and save it again.",
        ) from None
    if not (has_title and has_body):
        raise ExportInputError(
            "template-layouts",
            f"{fr} doit contenir une disposition « Titre et contenu » (titre + texte).",
            f"{en} must contain a 'Title and Content' layout (title + body placeholder).",
        )
