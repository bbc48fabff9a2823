"""Read-back tests of the designed deck (issue 15): titles, nothing dropped without a marker,
slide numbers and footer, layouts that follow the content, colours that read, no overflow."""

from __future__ import annotations

import dataclasses
import io
import re

import pptx
import pytest
from pptx.enum.shapes import PP_PLACEHOLDER

from app.exports import group_pptx, synthesis_pptx
from app.exports.deck_text import condense, short_question
from app.exports.mdtree import ListBlock, Para, Quote, Run, parse, plain
from app.exports.model import Edition, Group
from app.exports.ooxml import contrast
from app.exports.pptx_fit import CUT
from app.exports.pptx_theme import INK, MUTED, palette
from app.exports.pptx_writer import frame_report
from benchmarks.exports.paper import deliverable as big_deliverable
from tests.exports import fixtures as fx
from tests.exports import sample

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
BARE = re.compile(r"^question\s+\d+(\s+\(suite\))?$", re.I)


@pytest.fixture(scope="module")
def sample_data() -> bytes:
    return group_pptx(sample.deliverable())


@pytest.fixture(scope="module")
def deck(sample_data):
    return pptx.Presentation(io.BytesIO(sample_data))


def _plain(text: str) -> str:
    """Slide text with its non-breaking spaces (French punctuation) as spaces."""
    return text.replace("\u00a0", " ")


def _title(slide) -> str:
    return _plain(slide.shapes.title.text) if slide.shapes.title is not None else ""


def _visible(slide) -> list[str]:
    """Every paragraph a slide shows (titles, bodies, table cells)."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out += [p.text for p in shape.text_frame.paragraphs if p.text.strip()]
        elif shape.has_table:
            out += [c.text for row in shape.table.rows for c in row.cells if c.text.strip()]
    return out


def _notes(slide) -> str:
    """The speaker notes, without their footnote calls ("…pas[1]. Quand…")."""
    text = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
    return re.sub(r"\[\d+\]", "", text)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.replace("\u00a0", " ").lower())


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[k : k + n] == needle for k in range(len(haystack) - n + 1))


# -------------------------------------------------------------------- titles
@pytest.mark.parametrize("which", ["fixture", "sample", "big", "synthesis"])
def test_no_slide_is_titled_a_bare_question_number(which, deck, paper_pptx):
    data = {
        "fixture": lambda: paper_pptx.data,
        "sample": lambda: group_pptx(sample.deliverable()),
        "big": lambda: group_pptx(big_deliverable()),
        "synthesis": lambda: synthesis_pptx(fx.synthesis()),
    }[which]()
    titles = [_title(s) for s in pptx.Presentation(io.BytesIO(data)).slides]
    assert all(t.strip() for t in titles)
    assert [t for t in titles if BARE.match(t.strip())] == []


def test_dividers_carry_the_question_as_their_title(deck):
    titles = [_title(s) for s in deck.slides]
    for question in sample.QUESTIONS:
        slide = deck.slides[titles.index(question)]
        assert str(slide.background.fill.fore_color.rgb) == "1D5C8C"  # the group's colour


def test_content_slides_are_titled_by_heading_lead_in_or_short_question(deck, paper_pptx):
    titles = {_title(s) for s in deck.slides}
    assert "Ce que dit le droit" in titles  # a heading
    assert "Des enjeux économiques et de souveraineté" in titles  # a long bold lead-in
    # a question too long for a title gets a short form of it
    fixture_titles = {_title(s) for s in pptx.Presentation(io.BytesIO(paper_pptx.data)).slides}
    assert "La légalité et la légitimité de ces coupures d'Internet" in fixture_titles


def test_content_slides_name_their_section_above_the_title(deck):
    kickers = [sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.name == "Surtitre"]
    assert "QUESTION 1" in kickers and "QUESTION 5" in kickers


def test_short_forms_of_questions():
    assert short_question(sample.QUESTIONS[1]) == sample.QUESTIONS[1]  # short: as it is
    assert short_question(sample.QUESTIONS[0]) == (
        "La légalité et la légitimité de ces coupures d'Internet"
    )
    assert short_question(sample.QUESTIONS[4]) == (
        "Devrions-nous entreprendre des actions et des initiatives face à ces actes ?"
    )
    assert short_question(
        "What are the stakes of these Internet shutdowns for the citizens "
        "of West Africa and their economies?"
    ) == ("The stakes of these Internet shutdowns for the citizens of West Africa …")


# -------------------------------------------------------------------- condensing
def _source_paragraphs() -> list[str]:
    """The plain text of every paragraph, list item and quotation of the sample paper."""
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, Para):
                text = plain([r for r in b.runs if r.footnote is None and r.image is None])
                if text.strip():
                    out.append(text)
            elif isinstance(b, ListBlock):
                for item in b.items:
                    walk(item)
            elif isinstance(b, Quote):
                walk(b.blocks)

    for section in sample.sections():
        walk(parse(section.markdown).blocks)
    return out


def test_every_paragraph_is_shown_or_marked_condensed_with_its_full_text_in_the_notes(deck):
    slides = [
        (s, _words(" ".join(_visible(s))), _words(_notes(s)), _visible(s)) for s in deck.slides
    ]
    for text in _source_paragraphs():
        full = _words(text)
        holders = [x for x in slides if _contains(x[2], full)]
        assert holders, f"not in any slide's notes: {text[:60]}"
        shown = any(_contains(visible, full) for _, visible, _, _ in holders)
        if shown:
            continue
        # condensed: a slide holding it in its notes shows its opening words, ends them
        # with the marker, and says in its footer that the full text is in the notes
        marked = [
            s
            for s, _, _, paragraphs in holders
            for p in paragraphs
            if p.endswith(CUT.strip()) and _contains(full, _words(p[: -len(CUT)])[:4])
        ]
        assert marked, f"dropped without a marker: {text[:60]}"
        assert any(sh.name == "Texte condensé" for s in marked for sh in s.shapes), text[:60]


def test_condensing_keeps_whole_sentences_and_marks_the_cut():
    first = "Première phrase assez longue pour compter."
    second = "Deuxième phrase aussi longue que la première ici."
    runs = [Run(f"{first} {second} Troisième phrase qui ne tiendra pas dans le budget.")]
    assert _plain(plain(condense(runs, 16))) == f"{first} {second} […]"
    assert _plain(plain(condense(runs, 4))) == "Première phrase assez longue […]"
    assert plain(condense([Run("Court.")], 4)) == "Court."
    # an opening too short to say much is followed by the next words
    opening = [
        Run(
            "Gouverner, c'est protéger. Quand une crise éclate, l'État doit agir vite, "
            "et il doit le faire dans le respect du droit."
        )
    ]
    assert _plain(plain(condense(opening, 12))) == (
        "Gouverner, c'est protéger. Quand une crise éclate, l'État doit agir vite […]"
    )


# -------------------------------------------------------------------- chrome
def test_every_slide_but_the_cover_and_the_closing_has_its_number_and_the_footer(deck):
    slides = list(deck.slides)
    for n, slide in enumerate(slides[1:-1], 2):
        by_type = {sh.placeholder_format.type: sh for sh in slide.placeholders if sh.has_text_frame}
        number = by_type[PP_PLACEHOLDER.SLIDE_NUMBER]
        assert number.text_frame.text == str(n)
        assert number.text_frame.paragraphs[0]._p.find(f"{A}fld").get("type") == "slidenum"
        assert by_type[PP_PLACEHOLDER.FOOTER].text_frame.text == "Gouvernement · MaliSIG 2023"
    for slide in (slides[0], slides[-1]):
        assert not [sh for sh in slide.placeholders if sh.name == "Numéro de diapositive"]


def test_an_editions_template_keeps_footer_and_numbers_in_its_own_placeholders():
    template = group_pptx(fx.deliverable())  # any deck is a template
    data = group_pptx(sample.deliverable(edition=fx.edition(pptx_template=template)))
    prs = pptx.Presentation(io.BytesIO(data))
    slide = prs.slides[2]
    types = {sh.placeholder_format.type for sh in slide.placeholders}
    assert {PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER} <= types
    assert [f for f in frame_report(data) if f.overflows] == []


# -------------------------------------------------------------------- layouts
def _slides_with(deck, name: str):
    return [s for s in deck.slides if any(sh.name == name for sh in s.shapes)]


def test_a_table_gets_a_table_slide_under_its_intro_line(deck):
    [slide] = [s for s in deck.slides if any(sh.has_table for sh in s.shapes)]
    table = next(sh for sh in slide.shapes if sh.has_table).table
    assert table.cell(0, 0).text == "Pays" and table.cell(1, 1).text == "24 milliards USD"
    intro = [sh for sh in slide.shapes if sh.name == "Chapeau"]
    assert intro and intro[0].text_frame.text.startswith("Les coupures coûtent cher")
    header = table.cell(0, 0)._tc.tcPr.find(f"{A}solidFill/{A}srgbClr")
    assert header.get("val") == "1D5C8C"


def test_a_quotation_gets_a_quote_slide_with_its_source_and_comment(deck):
    [slide] = _slides_with(deck, "Citation")
    texts = {sh.name: sh.text_frame.text for sh in slide.shapes if sh.has_text_frame}
    assert texts["Citation"].startswith("Une coupure d'Internet est une perturbation")
    assert texts["Source"] == "— d'après Access Now et l'Internet Society"
    assert texts["Commentaire"].startswith("Cette définition guide notre lecture")
    quote = next(sh for sh in slide.shapes if sh.name == "Citation")
    assert all(r.font.italic for p in quote.text_frame.paragraphs for r in p.runs)


def test_a_list_of_short_items_gets_two_columns(deck):
    [slide] = _slides_with(deck, "Colonne 1")
    names = {sh.name: sh for sh in slide.shapes}
    assert "Colonne 2" in names and names["Colonne 1"].left < names["Colonne 2"].left
    intro = _plain(names["Chapeau"].text_frame.text)
    assert intro == "Les coupures interviennent dans des contextes bien identifiés :"
    items = [p.text for c in ("Colonne 1", "Colonne 2") for p in names[c].text_frame.paragraphs]
    assert items[0] == "les crises politiques" and len(items) == 6


def test_a_one_paragraph_section_gets_a_statement_slide(deck):
    [slide] = _slides_with(deck, "Message")
    assert _title(slide) == "Conclusion"
    assert _plain(next(sh for sh in slide.shapes if sh.name == "Message").text_frame.text) == (
        sample.CONCLUSION
    )


def test_the_cover_shows_the_edition_the_group_in_its_colour_and_the_logo(deck):
    cover = deck.slides[0]
    texts = {sh.name: sh.text_frame.text for sh in cover.shapes if sh.has_text_frame}
    assert texts["Groupe"] == "Gouvernement" and _title(cover) == "MaliSIG 2023"
    panel = next(sh for sh in cover.shapes if sh.name == "Accent")
    assert str(panel.fill.fore_color.rgb) == "1D5C8C" and panel.height == deck.slide_height
    assert [sh for sh in cover.shapes if sh.shape_type == 13]  # the logo


# -------------------------------------------------------------------- colours, type, fit
@pytest.mark.parametrize(
    "colour",
    [
        "#1D5C8C",
        "#0B6E4F",
        "#F2C14E",
        "#7B2D8B",
        "#FFFFFF",
        "#000000",
        "#E63946",
        "#808080",
        "#FFFF00",
    ],
)
def test_every_colour_pairing_reads_at_4_5_to_1(colour):
    c = palette(colour)
    assert contrast(c.on_accent, c.accent) >= 4.5  # text on the group's colour
    assert contrast(c.accent_ink, "FFFFFF") >= 4.5  # the group's colour as text
    assert contrast(INK, c.tint) >= 4.5  # body text on the tinted card and table rows
    assert contrast(c.accent_ink, c.tint) >= 3  # large quotation mark on the card
    assert contrast(INK, "FFFFFF") >= 4.5 and contrast(MUTED, "FFFFFF") >= 4.5


def test_the_theme_fonts_are_arial_measured_as_liberation_sans(sample_data):
    theme = pptx.Presentation(io.BytesIO(sample_data)).slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
    )
    xml = theme.blob.decode()
    assert xml.count('<a:latin typeface="Arial"/>') == 2


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"group": Group("Organisations intergouvernementales", colour="#F7E8A4")},
        {
            "edition": Edition(
                title="Internet Governance School — West Africa Regional Edition 2024, Abidjan",
                language="en",
                subtitle="x " * 60,
            )
        },
    ],
)
def test_no_text_frame_overflows_on_the_sample_paper(variant):
    data = group_pptx(dataclasses.replace(sample.deliverable(), **variant))
    frames = frame_report(data)
    assert frames and [f for f in frames if f.overflows] == []


def test_titles_are_drawn_as_measured_even_under_an_all_caps_template_style():
    # python-pptx's own template sets its section header's title in capitals
    template = pptx.Presentation()
    out = io.BytesIO()
    template.save(out)
    data = group_pptx(sample.deliverable(edition=fx.edition(pptx_template=out.getvalue())))
    prs = pptx.Presentation(io.BytesIO(data))
    titles = [s.shapes.title for s in prs.slides if s.shapes.title is not None]
    runs = [r for t in titles for p in t.text_frame.paragraphs for r in p.runs]
    assert runs and all(r.font._rPr.get("cap") == "none" for r in runs)


def test_an_editions_template_still_says_when_text_was_condensed():
    template = pptx.Presentation()
    out = io.BytesIO()
    template.save(out)
    data = group_pptx(sample.deliverable(edition=fx.edition(pptx_template=out.getvalue())))
    prs = pptx.Presentation(io.BytesIO(data))
    cut = [s for s in prs.slides if any(CUT.strip() in p for p in _visible(s))]
    assert cut and all(any(sh.name == "Texte condensé" for sh in s.shapes) for s in cut)
    assert [f for f in frame_report(data) if f.overflows] == []
