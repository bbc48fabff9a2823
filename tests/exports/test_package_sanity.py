"""Advisory schema-level sanity of the produced packages: every part is well-formed XML,
has a content type, and every internal relationship resolves. (openxml-audit or the
Open XML SDK validator go further; they are not packaged for Debian.)"""

from __future__ import annotations

import posixpath
import re

import pytest
from lxml import etree

BUILT = ["paper_docx", "paper_pptx", "hostile_docx", "hostile_pptx", "synth_docx", "synth_pptx"]


def _content_types(built) -> tuple[set[str], set[str]]:
    root = etree.fromstring(built.zip.read("[Content_Types].xml"))
    defaults = {e.get("Extension").lower() for e in root if e.tag.endswith("Default")}
    overrides = {e.get("PartName") for e in root if e.tag.endswith("Override")}
    return defaults, overrides


@pytest.mark.parametrize("name", BUILT)
def test_every_xml_part_is_well_formed(name, request):
    built = request.getfixturevalue(name)
    for part in built.names():
        if part.endswith((".xml", ".rels")):
            etree.fromstring(built.zip.read(part))  # raises on malformed XML


@pytest.mark.parametrize("name", BUILT)
def test_every_part_has_a_content_type(name, request):
    built = request.getfixturevalue(name)
    defaults, overrides = _content_types(built)
    for part in built.names():
        if part == "[Content_Types].xml" or part.endswith("/"):
            continue
        ext = part.rsplit(".", 1)[-1].lower()
        assert "/" + part in overrides or ext in defaults, part


@pytest.mark.parametrize("name", BUILT)
def test_every_internal_relationship_resolves(name, request):
    built = request.getfixturevalue(name)
    names = set(built.names())
    for rels in (n for n in names if n.endswith(".rels")):
        base = posixpath.dirname(posixpath.dirname(rels))
        for rel in etree.fromstring(built.zip.read(rels)):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(base, target))
            )
            assert path in names, f"{rels}: {target}"


@pytest.mark.parametrize("name", BUILT)
def test_every_relationship_id_used_in_a_part_exists(name, request):
    built = request.getfixturevalue(name)
    for part in built.names():
        if not part.endswith(".xml") or part.startswith("[") or "/_rels/" in part:
            continue
        xml = built.xml(part)
        used = set(re.findall(r'r:(?:id|embed|link)="([^"]+)"', xml))
        if not used:
            continue
        rels_name = posixpath.join(
            posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
        )
        declared = set(re.findall(r'Id="([^"]+)"', built.xml(rels_name)))
        assert used <= declared, (part, used - declared)


@pytest.mark.parametrize("name", ["paper_docx", "hostile_docx", "synth_docx"])
def test_footnote_references_point_to_footnotes(name, request):
    built = request.getfixturevalue(name)
    refs = set(re.findall(r'<w:footnoteReference w:id="(\d+)"', built.xml("word/document.xml")))
    if "word/footnotes.xml" not in built.names():
        assert not refs
        return
    notes = set(re.findall(r'<w:footnote w:id="(\d+)"', built.xml("word/footnotes.xml")))
    assert refs <= notes


@pytest.mark.parametrize("name", [n for n in BUILT if n.endswith("pptx")])
def test_shape_ids_are_unique_on_every_slide(name, request):
    """Slides are written as XML text (pictures and tables included): PowerPoint repairs a
    slide whose shapes share an id."""
    built = request.getfixturevalue(name)
    for part in built.names():
        if re.fullmatch(r"ppt/slides/slide\d+\.xml", part):
            ids = re.findall(r'<p:cNvPr id="(\d+)"', built.xml(part))
            assert len(ids) == len(set(ids)), part
