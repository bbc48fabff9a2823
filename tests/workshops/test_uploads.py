import io

import docx
from PIL import Image

from app.workshops import uploads


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
