"""Uploaded files: checked, stored by content hash under UPLOAD_DIR, served with authorization.

Every upload is typed by its bytes, never by its name: the name's extension only says which
kind of content to expect (image, PDF, Word, PowerPoint, text), the content must be of that
kind, and the type stored and served is the one of the content. Images are checked by Pillow
(through the export layer's ``check_image``, so a picture that was accepted always exports),
Word and PowerPoint models by the export layer's checks, library documents by their signature.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select

from app.core.errors import BadInput, NotFound
from app.exports import ExportInputError, check_image, check_pptx_template, check_reference_docx
from app.extensions import db
from app.workshops.models import Edition, Upload, UploadKind

SINGLE_KINDS = {UploadKind.LOGO, UploadKind.REFERENCE_DOCX, UploadKind.PPTX_TEMPLATE}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: The kind of content a name's extension promises.
IMAGE, PDF, DOCX, PPTX, TEXT = "image", "pdf", "docx", "pptx", "text"
SUFFIX_CONTENT = {
    ".png": IMAGE,
    ".jpg": IMAGE,
    ".jpeg": IMAGE,
    ".gif": IMAGE,
    ".pdf": PDF,
    ".docx": DOCX,
    ".pptx": PPTX,
    ".txt": TEXT,
    ".md": TEXT,
}
#: The extensions each kind of upload accepts (in the order the messages list them).
ACCEPTED_SUFFIXES = {
    UploadKind.IMAGE: (".png", ".jpg", ".jpeg", ".gif"),
    UploadKind.LOGO: (".png", ".jpg", ".jpeg", ".gif"),
    UploadKind.REFERENCE_DOCX: (".docx",),
    UploadKind.PPTX_TEMPLATE: (".pptx",),
    UploadKind.SOURCE: (".pdf", ".docx", ".pptx", ".txt", ".md", ".png", ".jpg", ".jpeg", ".gif"),
}
#: The extension that goes with each image format Pillow reads.
IMAGE_SUFFIXES = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "GIF": (".gif",)}
#: The OOXML part that makes a ZIP file a Word document, a PowerPoint presentation.
OOXML_MAIN_PART = {DOCX: "word/document.xml", PPTX: "ppt/presentation.xml"}
TEXT_TYPES = {".txt": "text/plain", ".md": "text/markdown"}


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name).strip(".-")
    return (name or "fichier")[-120:]


def _mismatch(content: str, suffix: str) -> BadInput:
    """The file's content is not what its extension announces."""
    if content == IMAGE:
        text = _(
            "The name of this file ends in %(suffix)s "
            "but its content is not an image (PNG, JPEG or GIF).",
            suffix=suffix,
        )
    elif content == PDF:
        text = _(
            "The name of this file ends in %(suffix)s but its content is not a PDF document.",
            suffix=suffix,
        )
    elif content == DOCX:
        text = _(
            "The name of this file ends in %(suffix)s but its content is not a Word document.",
            suffix=suffix,
        )
    elif content == PPTX:
        text = _(
            "The name of this file ends in %(suffix)s "
            "but its content is not a PowerPoint presentation.",
            suffix=suffix,
        )
    else:
        text = _(
            "The name of this file ends in %(suffix)s but its content is not text (UTF-8).",
            suffix=suffix,
        )
    return BadInput(text)


def _is_ooxml(data: bytes, content: str) -> bool:
    """A ZIP file holding the main part of a Word document or a PowerPoint presentation."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return OOXML_MAIN_PART[content] in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check(kind: str, data: bytes, filename: str) -> tuple[str, str]:
    """Validate the bytes for their kind and their name's extension.

    Return the content type to serve them with (the content's) and the name to keep: a name
    without extension gets the content's, an image whose extension names another image format
    (a PNG called ``.jpg``) gets the extension of what it is.
    """
    if kind not in ACCEPTED_SUFFIXES:
        raise BadInput(_("Unknown kind of file."))
    name = safe_filename(filename)
    suffix = Path(name).suffix.lower()
    accepted = ACCEPTED_SUFFIXES[kind]
    if not suffix and kind in (*SINGLE_KINDS, UploadKind.IMAGE):
        suffix = accepted[0] if len(accepted) == 1 else ""  # an image is named by its format
        name = f"{name}{suffix}"
    elif suffix not in accepted:
        if kind == UploadKind.SOURCE:
            raise BadInput(
                _("This kind of file is not accepted (PDF, Word, PowerPoint, text, image).")
            )
        raise BadInput(
            _("The name of this file must end in %(suffixes)s.", suffixes=" / ".join(accepted))
        )
    content = SUFFIX_CONTENT[suffix] if suffix else IMAGE
    try:
        if content == IMAGE:
            # A library document is only downloaded: the request's size limit is enough.
            limits = {"max_bytes": len(data), "max_pixels": Image.MAX_IMAGE_PIXELS}
            try:
                info = check_image(data, **(limits if kind == UploadKind.SOURCE else {}))
            except ExportInputError as error:
                if error.code == "image-unreadable" and suffix:
                    raise _mismatch(IMAGE, suffix) from error
                raise
            if suffix not in IMAGE_SUFFIXES[info.format]:
                name = f"{name[: len(name) - len(suffix)]}{IMAGE_SUFFIXES[info.format][0]}"
            return info.mime, name
        if content in (DOCX, PPTX) and not _is_ooxml(data, content):
            raise _mismatch(content, suffix)
        if kind == UploadKind.REFERENCE_DOCX:
            check_reference_docx(data)
        elif kind == UploadKind.PPTX_TEMPLATE:
            check_pptx_template(data)
    except ExportInputError as error:
        raise BadInput(error.message(str(get_locale() or "fr"))) from error
    if content == DOCX:
        return DOCX_TYPE, name
    if content == PPTX:
        return PPTX_TYPE, name
    if content == PDF:
        if not data.startswith(b"%PDF-"):
            raise _mismatch(PDF, suffix)
        return "application/pdf", name
    if not _is_text(data):
        raise _mismatch(TEXT, suffix)
    return TEXT_TYPES[suffix], name


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(edition: Edition, uploader, kind: str, filename: str, data: bytes) -> Upload:
    if not data:
        raise BadInput(_("The file is empty."))
    content_type, filename = _check(kind, data, filename)
    digest = hashlib.sha256(data).hexdigest()
    target = storage_dir() / digest
    if not target.exists():
        temporary = target.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(target)
    if kind in SINGLE_KINDS:
        for previous in db.session.scalars(
            select(Upload).where(
                Upload.edition_id == edition.id, Upload.kind == kind, Upload.current.is_(True)
            )
        ):
            previous.current = False
    upload = Upload(
        edition_id=edition.id,
        uploader_id=getattr(uploader, "id", None),
        kind=kind,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=digest,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def current_asset(edition: Edition, kind: str) -> Upload | None:
    return db.session.scalar(
        select(Upload)
        .where(Upload.edition_id == edition.id, Upload.kind == kind, Upload.current.is_(True))
        .order_by(Upload.id.desc())
    )


def remove_asset(edition: Edition, kind: str) -> None:
    asset = current_asset(edition, kind)
    if asset is not None:
        asset.current = False
        db.session.flush()


def read_bytes(upload: Upload) -> bytes:
    path = storage_dir() / upload.sha256
    if not path.exists():
        raise NotFound()
    return path.read_bytes()


def get_upload(upload_id: int) -> Upload:
    upload = db.session.get(Upload, upload_id)
    if upload is None:
        raise NotFound()
    return upload


def images_by_url(edition: Edition) -> dict[str, bytes]:
    """Every image uploaded to the edition, by the URL a paper uses to show it."""
    uploads = db.session.scalars(
        select(Upload).where(Upload.edition_id == edition.id, Upload.kind == UploadKind.IMAGE)
    )
    images = {}
    for upload in uploads:
        path = storage_dir() / upload.sha256
        if path.exists():
            images[upload.url] = path.read_bytes()
    return images
