"""Uploaded files: checked, stored by content hash under UPLOAD_DIR, served with authorization.

Images are checked by Pillow (through the export layer's ``check_image``, so a picture that
was accepted always exports), Word and PowerPoint templates by the export layer's checks.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import BadInput, NotFound
from app.exports import ExportInputError, check_image, check_pptx_template, check_reference_docx
from app.extensions import db
from app.workshops.models import Edition, Upload, UploadKind

SINGLE_KINDS = {UploadKind.LOGO, UploadKind.REFERENCE_DOCX, UploadKind.PPTX_TEMPLATE}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
SOURCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": DOCX_TYPE,
    ".pptx": PPTX_TYPE,
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name).strip(".-")
    return (name or "fichier")[-120:]


def _check(kind: str, data: bytes, filename: str) -> str:
    """Validate the bytes for their kind; return the content type to serve them with."""
    try:
        if kind in (UploadKind.IMAGE, UploadKind.LOGO):
            return check_image(data).mime
        if kind == UploadKind.REFERENCE_DOCX:
            check_reference_docx(data)
            return DOCX_TYPE
        if kind == UploadKind.PPTX_TEMPLATE:
            check_pptx_template(data)
            return PPTX_TYPE
    except ExportInputError as error:
        raise BadInput(error.message(str(get_locale() or "fr"))) from error
    if kind == UploadKind.SOURCE:
        suffix = Path(filename).suffix.lower()
        if suffix not in SOURCE_TYPES:
            raise BadInput(
                _("This kind of file is not accepted (PDF, Word, PowerPoint, text, image).")
            )
        return SOURCE_TYPES[suffix]
    raise BadInput(_("Unknown kind of file."))


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(edition: Edition, uploader, kind: str, filename: str, data: bytes) -> Upload:
    if not data:
        raise BadInput(_("The file is empty."))
    content_type = _check(kind, data, filename)
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
        filename=safe_filename(filename),
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
