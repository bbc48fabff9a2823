"""The deliverables as the web app and the CLI serve them, from the live papers."""

import io
import zipfile

import docx
import pytest
from pptx import Presentation

from app.collaboration.models import PaperVisibility
from app.collaboration.services import append_to_section, paper_of
from app.exports.mdtree import parse, plain
from app.exports.services import group_deliverable
from app.exports.synthesis import first_paragraph
from app.extensions import db


@pytest.fixture
def written(demo):
    """The Government group wrote its introduction and its answer to question 1."""
    paper = paper_of(demo.groups[0])
    author = demo.users["gouvernement1@demo.palabre"]
    append_to_section(paper.sections[0], "Les coupures d'Internet **inquiètent** l'État.", author)
    append_to_section(paper.sections[1], "- Légalité : encadrée par la loi\n- Légitimité", author)
    db.session.commit()
    return demo


def _docx_text(data: bytes) -> str:
    """Body paragraphs, then the text of every table cell (the synthesis is a table)."""
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_member_downloads_the_word_document_of_their_group(written, client_for):
    client = client_for(written.users["gouvernement2@demo.palabre"])
    response = client.get("/editions/malisig-2023/groups/gouvernement/deliverable.docx")
    assert response.status_code == 200
    assert "MaliSIG-2023_Gouvernement.docx" in response.headers["Content-Disposition"]
    assert "Les coupures d'Internet inquiètent l'État." in _docx_text(response.data)


def test_a_member_downloads_the_deck_of_their_group(written, client_for):
    client = client_for(written.users["gouvernement2@demo.palabre"])
    response = client.get("/editions/malisig-2023/groups/gouvernement/deliverable.pptx")
    deck = Presentation(io.BytesIO(response.data))
    assert deck.slide_width > deck.slide_height
    assert len(deck.slides) >= 5


def test_another_group_cannot_download_an_unpublished_paper(written, client_for):
    client = client_for(written.users["prive1@demo.palabre"])
    response = client.get("/editions/malisig-2023/groups/gouvernement/deliverable.docx")
    assert response.status_code == 403


def test_an_observer_downloads_a_paper_once_it_is_published(written, client_for):
    client = client_for(written.users["public@demo.palabre"])
    url = "/editions/malisig-2023/groups/gouvernement/deliverable.docx"
    assert client.get(url).status_code == 403
    paper_of(written.groups[0]).visibility = PaperVisibility.PUBLISHED
    db.session.commit()
    assert client.get(url).status_code == 200


def test_an_unknown_format_is_a_404(written, client_for):
    client = client_for(written.users["organisateur@demo.palabre"])
    assert (
        client.get("/editions/malisig-2023/groups/gouvernement/deliverable.odt").status_code == 404
    )


def test_the_organizer_exports_everything_with_sensible_names(written, client_for):
    client = client_for(written.users["organisateur@demo.palabre"])
    response = client.get("/editions/malisig-2023/deliverables.zip")
    names = set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert {
        "MaliSIG-2023_Gouvernement.docx",
        "MaliSIG-2023_Secteur-prive.pptx",
        "MaliSIG-2023_Societe-civile.docx",
        "MaliSIG-2023_Synthese.docx",
        "MaliSIG-2023_Synthese.pptx",
    } <= names


def test_a_facilitator_may_not_export_everything(written, client_for):
    client = client_for(written.users["facilitateur@demo.palabre"])
    assert client.get("/editions/malisig-2023/deliverables.zip").status_code == 403


def test_the_synthesis_sets_the_groups_side_by_side(written, client_for):
    client = client_for(written.users["facilitateur@demo.palabre"])
    text = " ".join(_docx_text(client.get("/editions/malisig-2023/synthesis.docx").data).split())
    for group in written.groups:
        assert group.name in text
    # the Government's position on question 1: its summary, else its first paragraph
    q1 = next(s for s in group_deliverable(written.groups[0]).sections if s.number == 1)
    position = q1.summary or first_paragraph(q1.markdown)
    opening = " ".join(plain(parse(position).blocks[0].runs).split()[:6])
    assert opening and opening in text


def test_the_cli_writes_a_group_document(written, app, tmp_path):
    output = tmp_path / "gouv.docx"
    result = app.test_cli_runner().invoke(
        args=["export", "malisig-2023", "gouvernement", "--format", "docx", "--output", output]
    )
    assert result.exit_code == 0, result.output
    assert "inquiètent" in _docx_text(output.read_bytes())


def test_the_cli_writes_the_synthesis_deck(written, app, tmp_path):
    output = tmp_path / "synthese.pptx"
    result = app.test_cli_runner().invoke(
        args=["export", "malisig-2023", "--synthesis", "--format", "pptx", "--output", output]
    )
    assert result.exit_code == 0, result.output
    assert len(Presentation(str(output)).slides) >= 3


def test_the_cli_refuses_an_unknown_group(written, app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export", "malisig-2023", "presse", "--format", "docx", "--output", tmp_path / "x"]
    )
    assert result.exit_code != 0
