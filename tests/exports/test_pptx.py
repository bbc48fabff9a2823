"""Read-back tests of the group's deck (python-pptx, and our own text metric)."""

from __future__ import annotations

import io
import re

import pptx
import pytest
from pptx.util import Emu

from app.exports import ExportInputError, check_pptx_template, group_pptx
from app.exports.pptx_writer import frame_report
from app.exports.textfit import Segment, metrics_for, paragraph_lines
from benchmarks.exports.paper import deliverable as big_deliverable
from tests.exports import fixtures as fx

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _prs(built):
    return pptx.Presentation(io.BytesIO(built.data))


def _plain(text: str) -> str:
    """Slide text with its non-breaking spaces (French punctuation) as spaces."""
    return text.replace("\u00a0", " ")


def _titles(prs) -> list[str]:
    return [_plain(s.shapes.title.text) if s.shapes.title is not None else "" for s in prs.slides]


def _slide_with(prs, text: str):
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame and text in _plain(shape.text_frame.text):
                return slide, shape
    raise AssertionError(f"no slide shows {text!r}")


def _paragraph(shape, startswith: str):
    for p in shape.text_frame.paragraphs:
        if _plain(p.text).startswith(startswith):
            return p
    raise AssertionError(startswith)


def test_slides_are_16_by_9(paper_pptx):
    prs = _prs(paper_pptx)
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))


def test_layouts_were_stretched_to_16_by_9(paper_pptx):
    prs = _prs(paper_pptx)
    body = prs.slide_layouts[1].placeholders[1]
    assert body.left + body.width > 0.9 * prs.slide_width


def test_deck_structure(paper_pptx):
    titles = _titles(_prs(paper_pptx))
    assert titles[0] == "MaliSIG 2023"
    assert titles[1] == "Sommaire"
    assert titles[2] == "Introduction"
    assert fx.QUESTIONS[0] in titles and fx.QUESTIONS[2] in titles  # the dividers
    assert titles[-3:] == ["Notes", "Sources", "Merci"]


def test_title_slide_shows_group_members_and_date(paper_pptx):
    slide = _prs(paper_pptx).slides[0]
    text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "PARTIE PRENANTE\nGouvernement" in text
    assert "École malienne sur la gouvernance de l'Internet" in text
    assert "Awa Traoré, Moussa Keïta, Fatoumata Diallo" in text
    assert "25 novembre 2023" in text


def test_closing_slide_invites_questions(paper_pptx):
    slide = _prs(paper_pptx).slides[-1]
    text = "\n".join(_plain(s.text_frame.text) for s in slide.shapes if s.has_text_frame)
    assert "Merci" in text and "Questions ?" in text


def test_agenda_lists_every_section(paper_pptx):
    prs = _prs(paper_pptx)
    shape = prs.slides[_titles(prs).index("Sommaire")].placeholders[1]
    paragraphs = shape.text_frame.paragraphs
    lines = [_plain(p.text) for p in paragraphs]
    assert lines[0] == "Introduction" and lines[-1] == "Conclusion" and len(lines) == 5
    assert lines[2] == fx.QUESTIONS[1]
    numbers = [p._p.pPr.find(f"{A}buAutoNum") for p in paragraphs[1:4]]
    assert [n.get("startAt") for n in numbers] == ["1", "2", "3"]


def test_section_slide_carries_the_question_as_its_title(paper_pptx):
    prs = _prs(paper_pptx)
    slide = prs.slides[_titles(prs).index(fx.QUESTIONS[1])]
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert "QUESTION 2" in texts and "2" in texts  # the kicker, the large number


def test_markdown_heading_becomes_slide_title(paper_pptx):
    assert "Définition" in _titles(_prs(paper_pptx))


def test_list_levels_are_kept(paper_pptx):
    _, shape = _slide_with(_prs(paper_pptx), "participation des acteurs")
    assert _paragraph(shape, "l'ouverture").level == 0
    assert _paragraph(shape, "participation des acteurs").level == 1
    assert _paragraph(shape, "au niveau national").level == 2


def test_numbered_items_keep_their_number(paper_pptx):
    _, shape = _slide_with(_prs(paper_pptx), "l'ouverture")
    auto = _paragraph(shape, "la transparence")._p.pPr.find(f"{A}buAutoNum")
    assert auto is not None and auto.get("startAt") == "2"


def test_bold_lead_in_stays_bold(paper_pptx):
    _, shape = _slide_with(_prs(paper_pptx), "Des enjeux éducatifs")
    runs = _paragraph(shape, "Des enjeux éducatifs").runs
    assert runs[0].text == "Des enjeux éducatifs\u00a0:" and runs[0].font.bold
    assert str(runs[0].font.color.rgb) == "0B6E4F"  # the group's colour (dark enough as text)


def test_long_paragraph_is_condensed_to_its_lead_sentence_and_says_so(paper_pptx):
    slide, shape = _slide_with(_prs(paper_pptx), "Des enjeux sécuritaires")
    text = _plain(_paragraph(shape, "Des enjeux sécuritaires").text)
    assert text.endswith("ordonne la coupure. Cette mesure est exceptionnelle. […]")
    assert "proportionnée" not in text
    marker = [s for s in slide.shapes if s.name == "Texte condensé"]
    assert marker and _plain(marker[0].text_frame.text) == "[…] texte intégral dans les notes"


def test_speaker_notes_carry_the_full_text_and_footnotes(paper_pptx):
    slide, _ = _slide_with(_prs(paper_pptx), "Des enjeux sécuritaires")
    notes = slide.notes_slide.notes_text_frame.text
    assert "Elle doit rester proportionnée." in notes
    slide, _ = _slide_with(_prs(paper_pptx), "augmentation")
    assert "rapport d'impact 2022" in slide.notes_slide.notes_text_frame.text


def test_every_content_slide_has_notes(paper_pptx):
    prs = _prs(paper_pptx)
    missing = [n for n, s in enumerate(prs.slides, 1) if not s.has_notes_slide]
    assert missing == []


def test_hyperlinks_are_kept(paper_pptx):
    _, shape = _slide_with(_prs(paper_pptx), "rapport de l'ISOC")
    links = [r.hyperlink.address for p in shape.text_frame.paragraphs for r in p.runs]
    assert "https://www.internetsociety.org/fr/" in links
    assert "mailto:contact@malisig.ml" in links


def test_table_becomes_a_table_slide(paper_pptx):
    prs = _prs(paper_pptx)
    tables = [s.table for sl in prs.slides for s in sl.shapes if s.has_table]
    assert len(tables) == 1
    table = tables[0]
    assert table.cell(0, 0).text == "Pays" and table.cell(1, 0).text == "Sénégal"
    assert table.cell(3, 2).text == "0,9"


def test_image_becomes_a_picture_slide(paper_pptx):
    prs = _prs(paper_pptx)
    slide = prs.slides[_titles(prs).index("Carte des coupures")]
    pictures = [s for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 1
    assert pictures[0].left >= 0 and pictures[0].left + pictures[0].width <= prs.slide_width


def test_empty_section_shows_to_be_completed(paper_pptx):
    _slide_with(_prs(paper_pptx), "(à compléter)")


def test_language_on_every_run(paper_pptx):
    prs = _prs(paper_pptx)
    langs = {
        r.font._rPr.get("lang")
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame
        for p in shape.text_frame.paragraphs
        for r in p.runs
    }
    assert langs == {"fr-FR"}


def test_group_colour_is_the_theme_accent(paper_pptx):
    theme = next(n for n in paper_pptx.names() if n.startswith("ppt/theme/"))
    xml = paper_pptx.xml(theme)
    assert re.search(r'<a:accent1><a:srgbClr val="0B6E4F"/>', xml)
    bars = [s for s in _prs(paper_pptx).slides[3].shapes if s.name == "Accent"]
    assert bars and str(bars[0].fill.fore_color.rgb) == "0B6E4F"


def test_core_properties_are_ours(paper_pptx):
    cp = _prs(paper_pptx).core_properties
    assert cp.author == "Gouvernement" and cp.last_modified_by == "Palabre"
    assert cp.title == "MaliSIG 2023 — Gouvernement" and cp.language == "fr-FR"
    assert cp.created.year == 2023
    props = paper_pptx.xml("docProps/core.xml") + paper_pptx.xml("docProps/app.xml")
    assert "python-pptx" not in props and "2013" not in props


def test_no_autofit_flag_is_relied_upon(paper_pptx):
    xml = paper_pptx.all_xml()
    slides = [paper_pptx.xml(n) for n in paper_pptx.names() if re.match(r"ppt/slides/slide", n)]
    assert all("normAutofit" not in s for s in slides)
    assert "noAutofit" in xml


# -------------------------------------------------------------------- overflow
def test_no_text_frame_overflows_on_the_fixture(paper_pptx):
    frames = frame_report(paper_pptx.data)
    assert frames and [f for f in frames if f.overflows] == []


@pytest.fixture(scope="module")
def big_pptx() -> bytes:
    return group_pptx(big_deliverable())


def test_no_text_frame_overflows_on_an_8000_word_paper(big_pptx):
    frames = frame_report(big_pptx)
    assert len(frames) > 100 and [f for f in frames if f.overflows] == []


def test_long_parts_are_split_across_continued_slides(big_pptx):
    titles = _titles(pptx.Presentation(io.BytesIO(big_pptx)))
    assert any(t.endswith("(suite)") for t in titles)


#: the chrome of a slide, smaller than its text: kicker, footer, number, condensed marker
CHROME = {"Surtitre", "Pied de page", "Numéro de diapositive", "Texte condensé"}


def test_font_sizes_never_shrink_below_18pt(big_pptx):
    prs = pptx.Presentation(io.BytesIO(big_pptx))
    sizes = {
        r.font.size.pt
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame and shape.name not in CHROME
        for p in shape.text_frame.paragraphs
        for r in p.runs
        if r.font.size is not None
    }
    assert min(sizes) >= 18


def test_chrome_is_small_but_readable(big_pptx):
    prs = pptx.Presentation(io.BytesIO(big_pptx))
    sizes = {
        r.font.size.pt
        for slide in prs.slides
        for shape in slide.shapes
        if shape.name in CHROME
        for p in shape.text_frame.paragraphs
        for r in p.runs
    }
    assert sizes and min(sizes) >= 12


def test_very_long_question_title_is_fitted():
    long_q = " ".join(["Quelle est la légitimité des coupures d'Internet"] * 8) + " ?"
    sections = (fx.Section("q1", long_q, "Texte. " * 400, 1),)
    data = group_pptx(fx.deliverable(sections=sections))
    assert [f for f in frame_report(data) if f.overflows] == []


def test_metric_measures_wrapping():
    m = metrics_for("Arial")
    width = 12700 * 24 * 10  # ten em at 24 pt
    assert paragraph_lines([Segment("mot " * 2)], 24, width, m) == 1
    assert paragraph_lines([Segment("coupure " * 40)], 24, width, m) >= 17
    wide = paragraph_lines([Segment("W" * 40, bold=True)], 24, width, m)
    narrow = paragraph_lines([Segment("i" * 40)], 24, width, m)
    assert wide > narrow


def test_unknown_font_is_measured_wider_than_arial():
    text = [Segment("La gouvernance de l'Internet repose sur des principes clés " * 3)]
    assert paragraph_lines(text, 24, 6_000_000, metrics_for("Fonte Inconnue")) >= (
        paragraph_lines(text, 24, 6_000_000, metrics_for("Arial"))
    )


# -------------------------------------------------------------------- hostile input
def test_hostile_links_dropped_only_http_mailto_external(hostile_pptx):
    targets = re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', hostile_pptx.all_xml())
    assert "https://example.org/ok" in targets
    assert all(t.startswith(("http://", "https://", "mailto:")) for t in targets)


def test_hostile_deck_has_no_click_action(hostile_pptx):
    xml = hostile_pptx.all_xml()
    assert "ppaction://" not in xml and 'action="' not in xml


def test_hostile_text_is_plain_and_clean(hostile_pptx):
    prs = _prs(hostile_pptx)
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in prs.slides if s.has_notes_slide)
    assert "<script>alert('x')</script>" in notes
    assert "ContrôleNULbellsurrogateescape." in notes
    assert "[2]: internetsociety" in notes


# -------------------------------------------------------------------- template
def _template() -> bytes:
    prs = pptx.Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Diapositive d'exemple"
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def test_template_is_used_and_its_sample_slides_dropped():
    data = group_pptx(fx.deliverable(edition=fx.edition(pptx_template=_template())))
    prs = pptx.Presentation(io.BytesIO(data))
    assert "Diapositive d'exemple" not in _titles(prs)
    assert _titles(prs)[0] == "MaliSIG 2023"
    assert [f for f in frame_report(data) if f.overflows] == []


def test_broken_template_is_refused_clearly():
    with pytest.raises(ExportInputError) as err:
        check_pptx_template(b"this is not a pptx")
    assert "PowerPoint" in err.value.fr and "PowerPoint" in err.value.en


def test_word_file_as_template_is_refused(paper_docx):
    with pytest.raises(ExportInputError) as err:
        group_pptx(fx.deliverable(edition=fx.edition(pptx_template=paper_docx.data)))
    assert err.value.code == "template-type"
