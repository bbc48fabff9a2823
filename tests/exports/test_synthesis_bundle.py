"""The synthesis (Word and deck), the zip of every deliverable, and upload checks."""

from __future__ import annotations

import io
import zipfile

import docx
import pptx
import pytest

from app.exports import (
    ExportInputError,
    Group,
    check_image,
    check_reference_docx,
    deliverables_zip,
    export_filename,
    synthesis_from_deliverables,
)
from app.exports.pptx_writer import frame_report
from app.exports.synthesis import first_paragraph
from tests.exports import fixtures as fx


def test_synthesis_docx_sets_groups_side_by_side(synth_docx):
    doc = docx.Document(io.BytesIO(synth_docx.data))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == [f"{n}. {q}" for n, q in enumerate(fx.QUESTIONS, 1)]
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Gouvernement",
        "Secteur privé",
        "Société civile",
    ]
    assert "Position du groupe Société civile sur la question 1" in table.cell(1, 2).text


def test_synthesis_docx_header_cells_use_group_colours(synth_docx):
    xml = synth_docx.xml("word/document.xml")
    for colour in ("0B6E4F", "F2C14E", "7B2D8B"):
        assert f'w:fill="{colour}"' in xml


def test_synthesis_docx_lists_exchanged_arguments(synth_docx):
    doc = docx.Document(io.BytesIO(synth_docx.data))
    texts = [p.text for p in doc.paragraphs]
    assert "Principaux arguments échangés" in texts
    assert any(t.startswith("Contre : La sécurité nationale prime.") for t in texts)


def test_synthesis_pptx_has_positions_and_exchanges(synth_pptx):
    prs = pptx.Presentation(io.BytesIO(synth_pptx.data))
    titles = [s.shapes.title.text for s in prs.slides if s.shapes.title is not None]
    assert "Question 1 — Positions des groupes" in titles
    assert "Question 1 — Principaux arguments échangés" in titles
    assert titles[-1] == "Merci"
    assert [f for f in frame_report(synth_pptx.data) if f.overflows] == []


def test_many_groups_synthesis_docx_uses_one_row_per_group():
    groups = tuple(Group(f"Groupe {n}", colour="#123456") for n in range(5))
    s = fx.synthesis()
    q = s.questions[0]
    q = type(q)(q.number, q.title, tuple(fx.GroupPosition(g, "Position.") for g in groups))
    s = type(s)(s.edition, groups, (q,))
    from app.exports import synthesis_docx

    doc = docx.Document(io.BytesIO(synthesis_docx(s)))
    assert len(doc.tables[0].rows) == 5 and len(doc.tables[0].columns) == 2


def test_synthesis_from_deliverables_uses_summary_then_first_paragraph():
    s = synthesis_from_deliverables(fx.edition(), [fx.deliverable()])
    q1, q2, q3 = s.questions
    assert q1.positions[0].position == "Les coupures doivent rester exceptionnelles."
    assert q2.positions[0].position.startswith("Il s'agit entre autres :")
    assert "Des enjeux éducatifs" in q2.positions[0].position  # short lead completed
    assert q3.positions[0].position == ""
    assert [a.id for a in q1.arguments] == [1]


def test_file_names_are_ascii_and_sensible():
    ed = fx.edition()
    assert export_filename(ed, fx.GROUP, "docx") == "MaliSIG-2023_Gouvernement.docx"
    assert export_filename(ed, fx.OTHER_GROUPS[1], "pptx") == "MaliSIG-2023_Societe-civile.pptx"
    assert export_filename(ed, None, "pptx") == "MaliSIG-2023_Synthese.pptx"


def test_zip_holds_every_deliverable():
    d2 = fx.deliverable(group=fx.OTHER_GROUPS[1])
    data = deliverables_zip([fx.deliverable(), d2], fx.synthesis())
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == [
        "MaliSIG-2023_Gouvernement.docx",
        "MaliSIG-2023_Gouvernement.pptx",
        "MaliSIG-2023_Societe-civile.docx",
        "MaliSIG-2023_Societe-civile.pptx",
        "MaliSIG-2023_Synthese.docx",
        "MaliSIG-2023_Synthese.pptx",
    ]
    inner = zipfile.ZipFile(io.BytesIO(data)).read("MaliSIG-2023_Synthese.docx")
    assert docx.Document(io.BytesIO(inner)).paragraphs


def test_zip_names_never_collide():
    same = fx.deliverable(group=Group("Gouvernement!"))
    names = zipfile.ZipFile(
        io.BytesIO(deliverables_zip([fx.deliverable(), same], formats=("docx",)))
    ).namelist()
    assert names == ["MaliSIG-2023_Gouvernement.docx", "MaliSIG-2023_Gouvernement-2.docx"]


def test_check_image_accepts_png():
    info = check_image(fx.png(40, 30))
    assert (info.format, info.width, info.height) == ("PNG", 40, 30)


def test_check_image_refuses_huge_dimensions():
    with pytest.raises(ExportInputError) as err:
        check_image(fx.png(3000, 3000), max_pixels=1_000_000)
    assert err.value.code == "image-too-large" and "3000×3000" in err.value.fr


def test_check_image_refuses_heavy_files():
    with pytest.raises(ExportInputError) as err:
        check_image(fx.png(), max_bytes=10)
    assert err.value.code == "image-too-heavy"


def test_check_image_refuses_non_images():
    with pytest.raises(ExportInputError) as err:
        check_image(b"<svg onload=alert(1)>")
    assert err.value.code == "image-unreadable"


def test_check_reference_docx_refuses_a_deck(paper_pptx):
    with pytest.raises(ExportInputError) as err:
        check_reference_docx(paper_pptx.data)
    assert err.value.code == "template-type"


def test_check_reference_docx_accepts_our_own_export(paper_docx):
    check_reference_docx(paper_docx.data)


def test_synthesis_pptx_puts_groups_in_coloured_columns(synth_pptx):
    prs = pptx.Presentation(io.BytesIO(synth_pptx.data))
    wanted = "Question 1 — Positions des groupes"
    slide = next(s for s in prs.slides if s.shapes.title and s.shapes.title.text == wanted)
    heads = [s for s in slide.shapes if s.name.startswith("Groupe ")]
    assert [h.text_frame.text for h in heads] == ["Gouvernement", "Secteur privé", "Société civile"]
    assert [str(h.fill.fore_color.rgb) for h in heads] == ["0B6E4F", "F2C14E", "7B2D8B"]
    assert heads[0].left < heads[1].left < heads[2].left  # side by side


def test_long_positions_are_cut_to_fit_their_column():
    long = "Les coupures sont parfois nécessaires pour la sécurité nationale. " * 30
    s = fx.synthesis()
    q = s.questions[0]
    q = type(q)(q.number, q.title, tuple(fx.GroupPosition(p.group, long) for p in q.positions))
    from app.exports import synthesis_pptx

    data = synthesis_pptx(type(s)(s.edition, s.groups, (q,)))
    assert [f for f in frame_report(data) if f.overflows] == []
    prs = pptx.Presentation(io.BytesIO(data))
    texts = [sh.text_frame.text for sl in prs.slides for sh in sl.shapes if sh.has_text_frame]
    assert any(t.endswith("[…]") and t.startswith("Les coupures") for t in texts)


def test_a_position_leaves_out_the_footnote_calls_cut_from_their_definitions():
    section = (
        "Le Pacte admet des restrictions[^pidcp], à trois conditions strictes et cumulatives "
        "que le comité rappelle dans chacune de ses observations.\n\n[^pidcp]: Pacte, art. 19."
    )
    position = first_paragraph(section)
    assert position.startswith("Le Pacte admet des restrictions, à trois conditions")
    assert "[^" not in position


def test_a_position_that_announces_a_list_keeps_the_list():
    section = (
        "Les coupures d'Internet soulèvent des enjeux majeurs, qui touchent chacun dans sa vie "
        "quotidienne :\n\n- l'accès à l'information ;\n- l'économie.\n\nUn autre paragraphe."
    )
    position = first_paragraph(section)
    assert position.endswith("- l'économie.") and "autre" not in position
