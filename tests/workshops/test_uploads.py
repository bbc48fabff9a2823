import io
import zipfile

import docx
import pptx
import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core.errors import BadInput
from app.extensions import db
from app.workshops import uploads
from app.workshops.models import Upload


def _png(width=4, height=3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#2e7d32").save(buffer, "PNG")
    return buffer.getvalue()


def _post_image(client, data: bytes, name="carte.png"):
    return client.post(
        "/editions/malisig-2023/uploads/images",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_participant_uploads_an_image_and_gets_its_markdown(demo, client_for):
    response = _post_image(client_for(demo.users["societe1@demo.palabre"]), _png())
    body = response.get_json()
    assert body["ok"] is True
    assert body["markdown"] == f"![carte]({body['url']})"


def test_a_member_of_the_edition_can_see_the_uploaded_image(demo, client_for):
    url = _post_image(client_for(demo.users["societe1@demo.palabre"]), _png()).get_json()["url"]
    with client_for(demo.users["public@demo.palabre"]).get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"


def test_someone_outside_the_edition_cannot_see_the_image(demo, client_for, create_user):
    url = _post_image(client_for(demo.users["societe1@demo.palabre"]), _png()).get_json()["url"]
    assert client_for(create_user()).get(url).status_code == 403


def test_an_observer_cannot_upload_images(demo, client_for):
    response = _post_image(client_for(demo.users["public@demo.palabre"]), _png())
    assert response.status_code == 403


def test_a_file_that_is_not_an_image_is_refused_with_a_message(demo, client_for):
    response = _post_image(client_for(demo.users["societe1@demo.palabre"]), b"<script>", "x.png")
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_an_oversized_upload_is_refused_before_it_is_read(app, demo, client_for):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = _post_image(client_for(demo.users["societe1@demo.palabre"]), b"x" * 4096)
    assert response.status_code == 413


def test_a_broken_word_model_is_refused_and_nothing_changes(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    response = client.post(
        "/editions/malisig-2023/manage/assets",
        data={"kind": "reference_docx", "file": (io.BytesIO(b"PK\x03\x04broken"), "m.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert uploads.current_asset(demo, "reference_docx") is None


def test_a_new_word_model_replaces_the_previous_one(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    for name in ("premier.docx", "second.docx"):
        buffer = io.BytesIO()
        docx.Document().save(buffer)
        buffer.seek(0)
        client.post(
            "/editions/malisig-2023/manage/assets",
            data={"kind": "reference_docx", "file": (buffer, name)},
            content_type="multipart/form-data",
        )
    assert uploads.current_asset(demo, "reference_docx").filename == "second.docx"


def test_uploaded_file_names_are_made_safe(app):
    assert uploads.safe_filename("../../etc/pass wd.png") == "pass-wd.png"
    assert uploads.safe_filename("Coupures d'Internet é.pdf") == "Coupures-d-Internet-e.pdf"


# --- every upload is typed by its content, not its name -------------------------------------

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _docx() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def _pptx() -> bytes:
    buffer = io.BytesIO()
    pptx.Presentation().save(buffer)
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "#2e7d32").save(buffer, "JPEG")
    return buffer.getvalue()


def _refused(demo, kind, name, data) -> str:
    """Upload through the service; return the (French) reason it was refused."""
    before = db.session.scalar(select(func.count()).select_from(Upload))
    with pytest.raises(BadInput) as refusal:
        uploads.save_upload(demo, demo.users["societe1@demo.palabre"], kind, name, data)
    assert db.session.scalar(select(func.count()).select_from(Upload)) == before
    return refusal.value.message


@pytest.mark.parametrize("kind", ["source", "image", "logo"])
def test_html_named_png_is_refused_whatever_the_kind_of_upload(demo, kind):
    message = _refused(demo, kind, "evil.html.png", HTML)
    assert message == (
        "Le nom de ce fichier se termine par .png mais son contenu n’est pas une image "
        "(PNG, JPEG ou GIF)."
    )


def test_html_named_png_is_refused_by_the_library_and_never_served(demo, client_for):
    client = client_for(demo.users["societe1@demo.palabre"])
    response = client.post(
        "/editions/malisig-2023/library",
        data={"title": "Piège", "file": (io.BytesIO(HTML), "evil.html.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "son contenu n’est pas une image" in page
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


@pytest.mark.parametrize("kind", ["source", "image", "logo"])
def test_a_real_png_is_kept_and_served_as_png(demo, client_for, kind):
    upload = uploads.save_upload(
        demo, demo.users["organisateur@demo.palabre"], kind, "carte.png", _png()
    )
    db.session.commit()
    assert (upload.content_type, upload.filename) == ("image/png", "carte.png")
    with client_for(demo.users["organisateur@demo.palabre"]).get(upload.url) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_png_named_jpg_is_kept_as_the_png_it_is(demo, client_for):
    # Accepted: it is an image, as its name says, and Pillow read it; only the format differs.
    # Its type and its name follow its content, so what is served is consistent.
    upload = _post_image(client_for(demo.users["societe1@demo.palabre"]), _png(), "carte.jpg")
    url = upload.get_json()["url"]
    assert url.endswith("/carte.png")
    stored = db.session.scalar(select(Upload).order_by(Upload.id.desc()))
    assert (stored.content_type, stored.filename) == ("image/png", "carte.png")
    with client_for(demo.users["public@demo.palabre"]).get(url) as response:
        assert response.mimetype == "image/png"


def test_a_jpeg_keeps_its_jpeg_name_and_a_nameless_image_gets_one(demo):
    user = demo.users["societe1@demo.palabre"]
    photo = uploads.save_upload(demo, user, "image", "photo.JPEG", _jpeg())
    assert (photo.content_type, photo.filename) == ("image/jpeg", "photo.JPEG")
    pasted = uploads.save_upload(demo, user, "image", "blob", _png())
    assert (pasted.content_type, pasted.filename) == ("image/png", "blob.png")


def test_an_image_named_as_something_else_is_refused(demo):
    assert _refused(demo, "image", "carte.pdf", _png()) == (
        "Le nom de ce fichier doit se terminer par .png / .jpg / .jpeg / .gif."
    )
    assert _refused(demo, "logo", "logo.docx", _png()) == (
        "Le nom de ce fichier doit se terminer par .png / .jpg / .jpeg / .gif."
    )


@pytest.mark.parametrize(
    "data", [HTML, b"PK\x03\x04broken", b"%PDF-1.4\n", b""], ids=["html", "zip-ish", "pdf", "empty"]
)
def test_a_docx_that_is_not_a_zip_is_refused(demo, data):
    if not data:
        assert _refused(demo, "source", "rapport.docx", data) == "Le fichier est vide."
        return
    assert _refused(demo, "source", "rapport.docx", data) == (
        "Le nom de ce fichier se termine par .docx mais son contenu n’est pas un document Word."
    )


def test_a_zip_without_the_word_part_is_not_a_docx(demo):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    assert "n’est pas un document Word" in _refused(demo, "source", "r.docx", buffer.getvalue())
    assert "n’est pas un document Word" in _refused(demo, "source", "r.docx", _pptx())
    assert "n’est pas une présentation PowerPoint" in _refused(demo, "source", "d.pptx", _docx())


def test_a_real_docx_and_pptx_are_accepted_and_served_with_their_type(demo, client_for):
    user = demo.users["societe1@demo.palabre"]
    document = uploads.save_upload(demo, user, "source", "rapport.docx", _docx())
    deck = uploads.save_upload(demo, user, "source", "atelier.pptx", _pptx())
    db.session.commit()
    assert document.content_type == uploads.DOCX_TYPE
    assert deck.content_type == uploads.PPTX_TYPE
    with client_for(user).get(document.url) as response:
        assert response.status_code == 200
        assert response.mimetype == uploads.DOCX_TYPE
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_pdf_and_text_are_typed_by_their_content(demo):
    user = demo.users["societe1@demo.palabre"]
    pdf = uploads.save_upload(demo, user, "source", "rapport.pdf", b"%PDF-1.7\n%\xe2\xe3\n")
    notes = uploads.save_upload(demo, user, "source", "notes.txt", "Coupures d’Internet".encode())
    markdown = uploads.save_upload(demo, user, "source", "notes.md", b"# Titre\n")
    assert pdf.content_type == "application/pdf"
    assert (notes.content_type, markdown.content_type) == ("text/plain", "text/markdown")
    assert "n’est pas un document PDF" in _refused(demo, "source", "rapport.pdf", HTML)
    assert "n’est pas du texte (UTF-8)" in _refused(demo, "source", "a.txt", b"abc\x00def")
    assert "n’est pas du texte (UTF-8)" in _refused(demo, "source", "a.md", "é".encode("latin-1"))
    assert "n’est pas du texte (UTF-8)" in _refused(demo, "source", "a.txt", _png())


def test_edition_models_are_checked_by_their_content_too(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    for kind, name, data in (
        ("logo", "evil.html.png", HTML),
        ("reference_docx", "modele.docx", HTML),
        ("reference_docx", "modele.docx", _pptx()),
        ("reference_docx", "modele.pptx", _docx()),
        ("pptx_template", "modele.pptx", HTML),
        ("pptx_template", "modele.pptx", _docx()),
    ):
        response = client.post(
            "/editions/malisig-2023/manage/assets",
            data={"kind": kind, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, (kind, name)
        assert uploads.current_asset(demo, kind) is None
    model = uploads.save_upload(demo, None, "reference_docx", "modele", _docx())
    assert (model.filename, model.content_type) == ("modele.docx", uploads.DOCX_TYPE)
