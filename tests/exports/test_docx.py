"""Read-back tests of the group's Word document (python-docx and the raw parts)."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import docx.shared
import pytest
from docx.oxml.ns import qn

from app.exports import ExportInputError, group_docx
from tests.exports import fixtures as fx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _doc(built):
    return docx.Document(io.BytesIO(built.data))


def _para(doc, startswith: str):
    for p in doc.paragraphs:
        if p.text.startswith(startswith):
            return p
    raise AssertionError(f"no paragraph starting with {startswith!r}")


def _numpr(p) -> tuple[int, int]:
    numpr = p._p.pPr.numPr
    return numpr.numId.val, numpr.ilvl.val


def test_cover_has_title_group_members_and_date(paper_docx):
    doc = _doc(paper_docx)
    assert doc.paragraphs[1].style.name == "Title"  # paragraph 0 holds the logo
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == ["MaliSIG 2023"]
    texts = [p.text for p in doc.paragraphs[:8]]
    assert "Document de position — Gouvernement" in texts
    assert any("Awa Traoré, Moussa Keïta, Fatoumata Diallo" in t for t in texts)
    assert "25 novembre 2023" in texts


def test_cover_has_the_logo_and_the_groups_colour(paper_docx):
    doc = _doc(paper_docx)
    logo = doc.paragraphs[0]._p
    assert logo.findall(f".//{W}drawing") and doc.inline_shapes[0].width > 0
    title = doc.paragraphs[1]._p.pPr.find(f"{W}pBdr/{W}bottom")
    assert title.get(qn("w:color")) == "0B6E4F"  # the title underlined in the group's colour
    band = next(p for p in doc.paragraphs if p.style.name == "Subtitle")
    assert band.text == "Document de position — Gouvernement"
    assert band._p.pPr.find(f"{W}shd").get(qn("w:fill")) == "0B6E4F"
    assert {r.font.color.rgb for r in band.runs} == {docx.shared.RGBColor(0xFF, 0xFF, 0xFF)}


def test_a_light_group_colour_gets_dark_text_on_its_band():
    group = fx.Group("Secteur privé", colour="#F2C14E")
    doc = docx.Document(io.BytesIO(group_docx(fx.deliverable(group=group))))
    band = next(p for p in doc.paragraphs if p.style.name == "Subtitle")
    assert {str(r.font.color.rgb) for r in band.runs} == {"000000"}


def test_cover_without_a_logo_has_no_picture():
    doc = docx.Document(io.BytesIO(group_docx(fx.deliverable(edition=fx.edition()))))
    assert doc.paragraphs[0].style.name == "Title"
    assert not doc.paragraphs[0]._p.findall(f".//{W}drawing")


def test_sections_are_heading_1_titled_by_the_question(paper_docx):
    heads = [p.text for p in _doc(paper_docx).paragraphs if p.style.name == "Heading 1"]
    assert heads[0] == "Introduction"
    assert heads[1] == "1. " + fx.QUESTIONS[0]
    assert heads[3] == "3. " + fx.QUESTIONS[2]
    assert heads[4:] == ["Conclusion", "Bibliographie", "Annexe : arguments du débat"]


def test_markdown_headings_become_heading_2(paper_docx):
    assert _para(_doc(paper_docx), "Définition").style.name == "Heading 2"


def test_nested_list_levels_and_styles(paper_docx):
    doc = _doc(paper_docx)
    top = _para(doc, "l'ouverture")
    mid = _para(doc, "participation des acteurs")
    deep = _para(doc, "au niveau national")
    assert (top.style.name, _numpr(top)[1]) == ("List Number", 0)
    assert (mid.style.name, _numpr(mid)[1]) == ("List Bullet 2", 1)
    assert (deep.style.name, _numpr(deep)[1]) == ("List Number 3", 2)


def test_second_numbered_list_restarts_at_one(paper_docx):
    doc = _doc(paper_docx)
    first_id, _ = _numpr(_para(doc, "l'ouverture"))
    second_id, _ = _numpr(_para(doc, "sécurité ;"))
    assert first_id != second_id
    numbering = doc.part.numbering_part.element
    num = [n for n in numbering.findall(qn("w:num")) if int(n.get(qn("w:numId"))) == second_id]
    start = num[0].find(f"{W}lvlOverride/{W}startOverride")
    assert start is not None and start.get(qn("w:val")) == "1"


def test_footnotes_are_real_word_footnotes(paper_docx):
    doc = _doc(paper_docx)
    body = paper_docx.xml("word/document.xml")
    assert body.count("<w:footnoteReference ") == 2
    notes = paper_docx.xml("word/footnotes.xml")
    assert "rapport d'impact 2022" in notes and "Loi n° 2019-056" in notes
    assert 'w:type="separator"' in notes
    rel_types = {r.reltype for r in doc.part.rels.values()}
    assert any(t.endswith("/footnotes") for t in rel_types)
    # the marker is not left in the text
    assert "[^" not in body


def test_footnote_reference_style_is_used(paper_docx):
    body = paper_docx.xml("word/document.xml")
    assert re.search(r'<w:rStyle w:val="FootnoteReference"/>.{0,80}<w:footnoteReference', body)


def test_hyperlinks_are_real_and_external(paper_docx):
    doc = _doc(paper_docx)
    targets = {r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")}
    assert "https://www.internetsociety.org/fr/" in targets
    assert "mailto:contact@malisig.ml" in targets
    links = doc.element.body.findall(f".//{W}hyperlink")
    texts = {"".join(t.text for t in h.iter(f"{W}t")) for h in links}
    assert "rapport de l'ISOC" in texts


def test_table_cells_and_header(paper_docx):
    doc = _doc(paper_docx)
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Pays", "Coupures 2022", "Coût (M USD)"]
    assert table.cell(1, 0).text == "Sénégal"
    assert table.cell(3, 2).text == "0,9"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.style.name == "Table Grid"


def test_images_are_embedded_with_caption(paper_docx):
    doc = _doc(paper_docx)
    assert len(doc.inline_shapes) == 2  # logo + map
    assert _para(doc, "Carte des coupures").style.name == "Caption"
    images = [n for n in paper_docx.names() if n.startswith("word/media/")]
    assert len(images) == 2


def test_toc_field_is_the_only_field_and_is_prefilled(paper_docx):
    body = paper_docx.xml("word/document.xml")
    instr = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", body)
    assert instr == [' TOC \\o "1-3" \\h \\z \\u ']
    assert "fldSimple" not in body
    doc = _doc(paper_docx)
    toc1 = [p.text for p in doc.paragraphs if p.style.name == "TOC 1"]
    assert toc1[0] == "Introduction" and "Conclusion" in toc1
    assert body.count('w:fldCharType="begin"') == 1 and body.count('w:fldCharType="end"') == 1


def test_toc_entries_link_to_heading_bookmarks(paper_docx):
    body = paper_docx.xml("word/document.xml")
    anchors = set(re.findall(r'w:anchor="(_Toc\d+)"', body))
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(_Toc\d+)"', body))
    assert anchors and anchors <= bookmarks


def test_real_styles_are_used(paper_docx):
    used = {p.style.name for p in _doc(paper_docx).paragraphs}
    for name in (
        "Title",
        "Heading 1",
        "Heading 2",
        "List Bullet",
        "List Number",
        "Quote",
        "Caption",
        "Bibliography",
        "TOC Heading",
    ):
        assert name in used, name


def test_language_is_set_on_runs_and_defaults(paper_docx):
    body = paper_docx.xml("word/document.xml")
    runs_with_text = re.findall(r"<w:r>(.*?)</w:r>", body)
    texty = [r for r in runs_with_text if "<w:t" in r]
    assert texty and all('<w:lang w:val="fr-FR"/>' in r for r in texty)
    defaults = re.search(r"<w:docDefaults>.*?</w:docDefaults>", paper_docx.xml("word/styles.xml"))
    assert 'w:lang w:val="fr-FR"' in defaults.group(0)


def test_core_properties_are_ours(paper_docx):
    cp = _doc(paper_docx).core_properties
    assert cp.title == "MaliSIG 2023 — Gouvernement"
    assert cp.author == "Gouvernement"
    assert cp.last_modified_by == "Palabre"
    assert cp.created == dt.datetime(2023, 11, 24, 18, 0, tzinfo=dt.UTC)
    assert cp.language == "fr-FR"
    assert cp.comments == ""
    props = paper_docx.xml("docProps/core.xml") + paper_docx.xml("docProps/app.xml")
    assert "python-docx" not in props and "2013" not in props and "Macintosh" not in props
    assert "docProps/thumbnail.jpeg" not in paper_docx.names()


def test_a4_page(paper_docx):
    section = _doc(paper_docx).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_bibliography_lists_sources_with_safe_links_only(paper_docx):
    doc = _doc(paper_docx)
    entry = _para(doc, "[1] Internet Society (2023).")
    assert entry.style.name == "Bibliography"
    assert "javascript" not in _para(doc, "[2] République du Mali").text


def test_annex_outlines_arguments_by_question(paper_docx):
    doc = _doc(paper_docx)
    claim = _para(doc, "Thèse : Les coupures sont illégales")
    rebut = _para(doc, "Réfutation : Pas sans contrôle du juge")
    assert _numpr(claim)[1] == 0 and _numpr(rebut)[1] == 2
    assert "« nul ne peut »" in claim.text and "p. 12" in claim.text


def test_empty_section_says_to_be_completed(paper_docx):
    doc = _doc(paper_docx)
    paras = doc.paragraphs
    idx = next(
        k
        for k, p in enumerate(paras)
        if p.text == "3. " + fx.QUESTIONS[2] and p.style.name == "Heading 1"
    )
    assert paras[idx + 1].text == "(à compléter)"


def test_english_edition_uses_english_words_and_language():
    data = group_docx(fx.deliverable(edition=fx.edition(language="en")))
    doc = docx.Document(io.BytesIO(data))
    assert "Contents" in [p.text for p in doc.paragraphs]
    assert doc.core_properties.language == "en-US"


# -------------------------------------------------------------------- hostile input
def test_hostile_raw_html_is_plain_text(hostile_docx):
    text = "\n".join(p.text for p in _doc(hostile_docx).paragraphs)
    assert "<script>alert('x')</script>" in text  # shown, as text
    assert "<script" not in hostile_docx.xml("word/document.xml")  # never markup


def test_hostile_links_dropped_and_only_http_mailto_external(hostile_docx):
    xml = hostile_docx.all_xml()
    targets = re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', xml)
    assert targets and all(t.startswith(("http://", "https://", "mailto:")) for t in targets)
    assert "https://example.org/ok" in targets
    for bad in ("javascript:", "file:", "data:", "evil.example"):
        assert not any(t.startswith(bad) or bad in t for t in targets), bad


def test_hostile_field_codes_stay_text(hostile_docx):
    body = hostile_docx.xml("word/document.xml")
    assert len(re.findall(r"<w:instrText", body)) == 1  # the TOC
    assert "DDEAUTO" in body and "INCLUDEPICTURE" in body
    assert all("DDEAUTO" not in i for i in re.findall(r"<w:instrText[^>]*>[^<]*<", body))


def test_hostile_control_characters_are_cleaned(hostile_docx):
    text = "\n".join(p.text for p in _doc(hostile_docx).paragraphs)
    assert "ContrôleNULbellsurrogateescape." in text


def test_reference_line_stays_visible(hostile_docx):
    assert "[2]: internetsociety" in [p.text for p in _doc(hostile_docx).paragraphs]


def test_external_image_is_not_fetched_nor_linked(hostile_docx):
    text = "\n".join(p.text for p in _doc(hostile_docx).paragraphs)
    assert "[image indisponible : pixel espion]" in text


def test_paper_of_only_empty_sections_exports():
    empty = tuple(fx.Section(s.key, s.title, "", s.number) for s in fx.sections())
    doc = docx.Document(io.BytesIO(group_docx(fx.deliverable(sections=empty))))
    assert [p.text for p in doc.paragraphs].count("(à compléter)") == 5


# -------------------------------------------------------------------- reference document
def _reference_docx() -> bytes:
    ref = docx.Document()
    ref.styles["Normal"].font.name = "Georgia"
    ref.sections[0].header.paragraphs[0].text = "EN-TÊTE MALISIG"
    ref.add_paragraph("Texte du modèle à ne pas garder")
    out = io.BytesIO()
    ref.save(out)
    return out.getvalue()


def test_reference_docx_styles_and_header_are_used():
    data = group_docx(fx.deliverable(edition=fx.edition(reference_docx=_reference_docx())))
    doc = docx.Document(io.BytesIO(data))
    assert doc.styles["Normal"].font.name == "Georgia"
    assert doc.sections[0].header.paragraphs[0].text == "EN-TÊTE MALISIG"
    assert "Texte du modèle à ne pas garder" not in [p.text for p in doc.paragraphs]
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == ["MaliSIG 2023"]


def test_reference_docx_hostile_fields_and_external_targets_are_removed():
    ref = docx.Document()
    header = ref.sections[0].header.paragraphs[0]
    header._p.append(
        docx.oxml.parse_xml(
            '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
            ' w:instr="DDEAUTO c:\\\\cmd.exe"><w:r><w:t>x</w:t></w:r></w:fldSimple>'
        )
    )
    ref.part._settings_part.relate_to(
        "file:///c:/evil.dotm",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate",
        True,
    )
    out = io.BytesIO()
    ref.save(out)
    data = group_docx(fx.deliverable(edition=fx.edition(reference_docx=out.getvalue())))
    built_xml = "".join(
        __import__("zipfile").ZipFile(io.BytesIO(data)).read(n).decode()
        for n in __import__("zipfile").ZipFile(io.BytesIO(data)).namelist()
        if n.endswith((".xml", ".rels"))
    )
    assert "DDEAUTO" not in built_xml and "file:///" not in built_xml


def test_broken_reference_docx_is_refused_clearly():
    with pytest.raises(ExportInputError) as err:
        group_docx(fx.deliverable(edition=fx.edition(reference_docx=b"PK\x03\x04 broken")))
    assert "Word" in err.value.fr and "Word" in err.value.en
