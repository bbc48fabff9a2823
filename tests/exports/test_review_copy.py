"""The facilitators' review copy: the group's Word document with its comments as Word
comments (on their passage, replies as replies, resolved threads done, hidden ones left
out), for the staff only; and the deliverables page's warning of pending suggestions."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image, ImageStat

from app.collaboration.services import edit_section, section_text
from app.core.transactions import commit
from app.exports import Edition, Group, GroupDeliverable, Reply, ReviewComment, Section, review_docx
from app.review import comments, suggestions
from tests.exports import sample
from tests.review.conftest import new_id, passage, suggest

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
OUTPUT = Path(__file__).resolve().parents[1] / "output"
AT = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
#: comments as PDF notes (LibreOffice 7.4), in the margin where LibreOffice can (7.5+)
PDF_WITH_NOTES = (
    '{"ExportNotes":{"type":"boolean","value":"true"},'
    '"ExportNotesInMargin":{"type":"boolean","value":"true"}}'
)


def _comment(world, author, quote: str, body: str):
    made, _new = comments.create_comment(
        world.section, author, uid=new_id(), body=body, **passage(world.section, quote)
    )
    commit()
    return made


@pytest.fixture
def commented(world):
    """Three threads on the Government's introduction: one with a reply, one resolved, one
    hidden by the facilitator."""
    world.source = _comment(world, world.facilitator, "coûtent cher", "Quelle source ?")
    world.reply, _new = comments.reply(
        world.source, world.author, uid=new_id(), body="Le rapport de l'**ISOC**."
    )
    world.done = _comment(world, world.organizer, "privent les élèves", "Et les enseignants ?")
    comments.set_resolved(world.done, world.author, True)
    hidden = _comment(world, world.teammate, "leurs cours", "Des propos injurieux")
    comments.moderate(hidden, world.facilitator, "hide", "Injurieux")
    commit()
    return world


def _url(world, name: str = "review-copy.docx") -> str:
    return f"/editions/{world.edition.slug}/groups/{world.group.slug}/{name}"


def _download(world, client_for, user=None):
    response = client_for(user or world.facilitator).get(_url(world))
    assert response.status_code == 200
    return response.data


def _by_text(data: bytes) -> dict:
    return {c.text: c for c in docx.Document(io.BytesIO(data)).comments}


def _xml(data: bytes, name: str):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


def _anchored(data: bytes, comment_id: int) -> str:
    """The text of the document between the comment's range start and end."""
    inside, words = False, []
    for el in _xml(data, "word/document.xml").iter():
        if el.get(f"{W}id") == str(comment_id) and el.tag == f"{W}commentRangeStart":
            inside = True
        elif el.get(f"{W}id") == str(comment_id) and el.tag == f"{W}commentRangeEnd":
            return "".join(words)
        elif inside and el.tag == f"{W}t":
            words.append(el.text or "")
    return ""


def _extended(data: bytes) -> dict[str, dict]:
    """commentsExtended by comment id: its w15 attributes (paraIdParent, done)."""
    paras = {}
    for comment in _xml(data, "word/comments.xml").iter(f"{W}comment"):
        last = comment.findall(f"{W}p")[-1]
        paras[last.get(f"{W14}paraId")] = comment.get(f"{W}id")
    found = {}
    for ex in _xml(data, "word/commentsExtended.xml"):
        parent = ex.get(f"{W15}paraIdParent")
        found[paras[ex.get(f"{W15}paraId")]] = {
            "parent": paras.get(parent) if parent else None,
            "done": ex.get(f"{W15}done") == "1",
        }
    return found


# --- the review copy, from the database --------------------------------------------------


def test_each_comment_has_its_author_date_and_text(commented, client_for):
    found = _by_text(_download(commented, client_for))
    source = found["Quelle source ?"]
    assert (source.author, source.initials) == ("Fanta Coach", "FC")
    created = commented.source.created_at.astimezone(dt.UTC).replace(microsecond=0)
    assert source.timestamp == created
    assert found["Et les enseignants ?"].author == "Oumou Orga"


def test_a_comment_is_anchored_on_the_words_of_its_passage(commented, client_for):
    data = _download(commented, client_for)
    found = _by_text(data)
    assert _anchored(data, found["Quelle source ?"].comment_id) == "coûtent cher"
    assert _anchored(data, found["Et les enseignants ?"].comment_id) == "privent les élèves"


def test_a_reply_is_a_word_reply_to_its_thread(commented, client_for):
    data = _download(commented, client_for)
    found = _by_text(data)
    reply = found["Le rapport de l'ISOC."]
    assert reply.author == "Awa Traoré"
    parent = _extended(data)[str(reply.comment_id)]["parent"]
    assert parent == str(found["Quelle source ?"].comment_id)


def test_a_resolved_thread_is_marked_done(commented, client_for):
    data = _download(commented, client_for)
    found, extended = _by_text(data), _extended(data)
    assert extended[str(found["Et les enseignants ?"].comment_id)]["done"] is True
    assert extended[str(found["Quelle source ?"].comment_id)]["done"] is False


def test_a_hidden_comment_is_left_out(commented, client_for):
    data = _download(commented, client_for)
    assert len(_by_text(data)) == 3
    assert "injurieux" not in zipfile.ZipFile(io.BytesIO(data)).read("word/comments.xml").decode()


def test_a_comment_whose_passage_was_deleted_is_on_the_section_heading(commented, client_for):
    at = section_text(commented.section).index("coûtent cher")

    def cut(ytext) -> None:
        current = str(ytext)
        del ytext[len(current[:at].encode()) : len(current[: at + 12].encode())]

    edit_section(commented.section, cut, commented.author)
    commit()
    data = _download(commented, client_for)
    moved = next(c for c in _by_text(data).values() if c.text.endswith("Quelle source ?"))
    assert moved.text.startswith("Passage supprimé : « coûtent cher »")
    assert _anchored(data, moved.comment_id) == "Introduction"


def test_the_deliverable_of_the_same_group_has_no_comments(commented, client_for):
    response = client_for(commented.facilitator).get(_url(commented, "deliverable.docx"))
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert not [name for name in names if "comments" in name.lower()]


def test_the_review_copy_is_named_after_the_group(commented, client_for):
    response = client_for(commented.organizer).get(_url(commented))
    disposition = response.headers["Content-Disposition"]
    assert "_Gouvernement_Copie-de-relecture.docx" in disposition


@pytest.mark.parametrize("role", ["author", "observer"])
def test_participants_and_observers_do_not_get_the_review_copy(commented, client_for, role):
    response = client_for(getattr(commented, role)).get(_url(commented))
    assert response.status_code == 403


def test_the_deliverables_page_links_the_review_copy(world, client_for):
    page = client_for(world.facilitator).get(f"/editions/{world.edition.slug}/deliverables")
    assert _url(world) in page.get_data(as_text=True)


# --- the deliverables page warns of pending suggestions ---------------------------------


def test_the_deliverables_page_warns_of_a_pending_suggestion_until_it_is_accepted(
    world, client_for
):
    made = suggest(world.section, world.author, "cher", "très cher")
    url = f"/editions/{world.edition.slug}/deliverables"
    page = client_for(world.facilitator).get(url).get_data(as_text=True)
    assert "1 suggestion" in page and 'class="hint pending-suggestions"' in page
    assert f"/groups/{world.group.slug}/paper" in page
    suggestions.decide(made, world.author, "accept")
    commit()
    page = client_for(world.facilitator).get(url).get_data(as_text=True)
    assert "pending-suggestions" not in page


# --- placing the comments, from plain data ----------------------------------------------


def _paper(markdown: str) -> GroupDeliverable:
    return GroupDeliverable(
        edition=Edition(title="École 2024", language="fr"),
        group=Group(name="Gouvernement"),
        sections=(Section(key="introduction", title="Introduction", markdown=markdown),),
    )


def _on(markdown: str, passage_text: str, body: str = "Note", *, start=None) -> ReviewComment:
    at = markdown.index(passage_text) if start is None else start
    return ReviewComment(
        section_key="introduction",
        author="Fanta Coach",
        at=AT,
        body=body,
        quote=passage_text,
        start=at,
        end=markdown.index(passage_text) + len(passage_text),
    )


def test_a_passage_in_bold_and_italics_is_anchored_on_its_words():
    markdown = "Le nombre de coupures est en **forte augmentation** *partout* cette année."
    data = review_docx(_paper(markdown), [_on(markdown, "augmentation** *partout")])
    assert _anchored(data, 0) == "augmentation partout"


def test_a_passage_over_two_paragraphs_is_one_range():
    markdown = "Premier paragraphe, sa fin.\n\nSecond paragraphe, son début."
    data = review_docx(_paper(markdown), [_on(markdown, "sa fin.\n\nSecond")])
    assert _anchored(data, 0) == "sa fin.Second"


def test_a_passage_from_the_start_of_a_list_item_is_anchored_on_its_text():
    markdown = "Des principes :\n\n- l'ouverture ;\n- la transparence."
    data = review_docx(_paper(markdown), [_on(markdown, "- la transparence")])
    assert _anchored(data, 0) == "la transparence"


def test_a_passage_its_marks_would_change_is_found_by_its_text():
    markdown = r"Une \*étoile\* ici."
    comment = _on(markdown, r"*étoile\*", start=markdown.index("*"))
    data = review_docx(_paper(markdown), [comment])
    assert _anchored(data, 0) == "*étoile*"
    assert "Note" in _by_text(data)  # no quote first: it is on its passage


def test_a_passage_not_in_the_text_is_on_the_heading_after_its_quote():
    markdown = "Un texte."
    comment = ReviewComment("introduction", "Fanta", AT, "Note", quote="vieux", start=None)
    data = review_docx(_paper(markdown), [comment])
    assert _by_text(data)["Passage supprimé : « vieux »\nNote"]
    assert _anchored(data, 0) == "Introduction"


def test_no_mark_is_left_in_the_document():
    markdown = "Voir ![une carte](/uploads/carte.png) et la note[^1].\n\n[^1]: Une note ici."
    threads = [_on(markdown, "une carte"), _on(markdown, "note ici")]
    data = review_docx(_paper(markdown), threads)
    every = zipfile.ZipFile(io.BytesIO(data))
    text = "".join(every.read(n).decode() for n in every.namelist() if n.endswith(".xml"))
    assert not any(0xF0000 <= ord(c) <= 0xFFFFD for c in text)


def test_a_reply_from_plain_data_is_written_after_its_thread():
    markdown = "Un texte à relire."
    thread = _on(markdown, "à relire")
    thread = ReviewComment(**{**thread.__dict__, "replies": (Reply("Awa", AT, "D'accord."),)})
    data = review_docx(_paper(markdown), [thread])
    found = _by_text(data)
    assert _anchored(data, found["D'accord."].comment_id) == "à relire"


# --- what it looks like ------------------------------------------------------------------


@pytest.mark.slow
def test_the_review_copy_renders_through_libreoffice(tmp_path):
    """tests/output/review-copy-*.png: LibreOffice 7.4 shows each comment as a note icon at
    its passage (later versions, asked to, in the margin)."""
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("LibreOffice and poppler are required in CI")
        pytest.skip("LibreOffice or poppler not installed")
    deliverable = sample.deliverable()
    intro = deliverable.sections[0].markdown
    words = intro.split()[5:8]
    passage_text = " ".join(words)
    threads = [
        ReviewComment(
            "introduction",
            "Fanta Coach",
            AT,
            "Quelle source pour ce chiffre ?",
            quote=passage_text,
            start=intro.index(passage_text),
            end=intro.index(passage_text) + len(passage_text),
            replies=(Reply("Awa Traoré", AT, "Le rapport de l'ISOC, 2022."),),
        )
    ]
    source = tmp_path / "review-copy.docx"
    source.write_bytes(review_docx(deliverable, threads))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", f"pdf:writer_pdf_Export:{PDF_WITH_NOTES}", "--outdir", str(tmp_path),
         str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("review-copy-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(tmp_path / "review-copy.pdf"),
         str(OUTPUT / "review-copy")],
        check=True, timeout=120,
    )  # fmt: skip
    pngs = sorted(OUTPUT.glob("review-copy-*.png"))
    assert len(pngs) == 3
    for png in pngs:
        with Image.open(png) as im:
            assert ImageStat.Stat(im.convert("L")).stddev[0] > 3, f"{png.name} looks blank"
