"""What the Word and the PowerPoint writers share of Office Open XML.

Namespaces, WordprocessingML element helpers, colours, fonts, language tags, the hygiene
of a package someone else made (thumbnail, external links) and the document properties:
python-docx and python-pptx each expose these a little differently, the rules are ours.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from app.core.markdown import clean_text, is_safe_link

__all__ = [
    "A_NS",
    "CODE_FONT",
    "P_NS",
    "R_ID",
    "R_NS",
    "W_NS",
    "XML_SPACE",
    "contrast",
    "drop_package_relationships",
    "drop_unsafe_relationships",
    "hex_colour",
    "ink_on",
    "lang_tag",
    "luminance",
    "mix",
    "readable_on",
    "set_core_properties",
    "w_sub",
    "w_tag",
]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
R_ID = f"{{{R_NS}}}id"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: the monospace font of inline code and code blocks, in documents and decks alike
CODE_FONT = "Courier New"

_W = f"{{{W_NS}}}"
_R = f"{{{R_NS}}}"
_REGIONS = {"fr": "fr-FR", "en": "en-US", "pt": "pt-PT", "ar": "ar-SA", "es": "es-ES"}
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>Palabre</Application><DocSecurity>0</DocSecurity>'
    "</Properties>"
)


# ---------------------------------------------------------------------- elements
def w_tag(tag: str) -> str:
    """``"p"`` → ``"{…wordprocessingml…}p"``, the name lxml wants."""
    return _W + tag


def w_sub(parent, tag: str, **attrs) -> etree._Element:
    """A ``w:`` child of ``parent`` with ``w:`` attributes (``rid`` becomes ``r:id``)."""
    el = etree.SubElement(parent, _W + tag)
    for k, v in attrs.items():
        el.set(_R + "id" if k == "rid" else _W + k, str(v))
    return el


# ---------------------------------------------------------------------- values
def lang_tag(language: str) -> str:
    """ "fr" → "fr-FR" (what w:lang and a:rPr/@lang expect)."""
    language = (language or "fr").strip()
    if "-" in language:
        return language
    return _REGIONS.get(language.lower(), f"{language.lower()}-{language.upper()}")


def hex_colour(value: str, default: str = "1F6FB2") -> str:
    """ "#1f6fb2" → "1F6FB2"; anything else → the default."""
    v = (value or "").strip().lstrip("#")
    if len(v) == 3:
        v = "".join(c * 2 for c in v)
    return v.upper() if re.fullmatch(r"[0-9a-fA-F]{6}", v) else default


def luminance(colour_hex: str) -> float:
    """The relative luminance of "RRGGBB" (WCAG 2)."""

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(int(colour_hex[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two "RRGGBB" colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(colour_hex: str) -> str:
    """Black or white, whichever contrasts more with the given background (never < 4.5:1)."""
    return (
        "000000" if contrast(colour_hex, "000000") >= contrast(colour_hex, "FFFFFF") else "FFFFFF"
    )


def mix(a: str, b: str, t: float) -> str:
    """``a`` moved a fraction ``t`` of the way towards ``b`` ("RRGGBB")."""
    out = (round(int(a[i : i + 2], 16) * (1 - t) + int(b[i : i + 2], 16) * t) for i in (0, 2, 4))
    return "".join(f"{c:02X}" for c in out)


def ink_on(colour_hex: str, background: str = "FFFFFF", ratio: float = 4.5) -> str:
    """``colour_hex`` darkened (or lightened, on a dark background) just enough to read as
    text on ``background`` at ``ratio``: the group's colour as text."""
    target = "000000" if luminance(background) > 0.18 else "FFFFFF"
    for step in range(21):
        candidate = mix(colour_hex, target, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


# ---------------------------------------------------------------------- packages
def _package_rels(package):
    return package.rels if hasattr(package, "rels") else package._rels  # docx / pptx


def drop_package_relationships(package, *, external: bool) -> None:
    """Drop the package's thumbnail (a picture of the template, not of what we write) and,
    when ``external``, every external relationship of someone else's template."""
    rels = _package_rels(package)
    for rid, rel in list(rels.items()):
        if rel.reltype.endswith("/thumbnail") or (external and rel.is_external):
            rels.pop(rid)


def drop_unsafe_relationships(part) -> set[str]:
    """Drop a template part's external relationships other than http(s)/mailto
    (attachedTemplate, linked images, file: links…); returns their ids, so the elements
    pointing at them can go too."""
    rels = getattr(part, "rels", None)
    bad: set[str] = set()
    if rels is not None:
        for rid, rel in list(rels.items()):
            if rel.is_external and not is_safe_link(rel.target_ref):
                bad.add(rid)
                rels.pop(rid)
    return bad


def set_core_properties(
    document, *, lang: str, title: str, author: str, subject: str, keywords: str, created
) -> None:
    """Our own properties for a python-docx Document or python-pptx Presentation: their
    templates leak their author, comments, a 2013 date and their name as the application;
    replace every one of them."""
    core = document.core_properties
    when = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    core.title = clean_text(title)[:255]
    core.author = clean_text(author)[:255]
    core.subject = clean_text(subject)[:255]
    core.keywords = clean_text(keywords)[:255]
    core.comments = ""
    core.category = ""
    core.last_modified_by = "Palabre"
    core.revision = 1
    core.created = when
    core.modified = when
    core.language = lang
    for rel in _package_rels(document.part.package).values():
        if rel.reltype.endswith("/extended-properties") and not rel.is_external:
            rel.target_part._blob = _APP_XML.encode()


def insert_in_order(parent, tag: str, order: tuple[str, ...]):
    """A new w: child ``tag`` of ``parent``, placed where the schema's ``order`` wants it
    (Word refuses properties out of order)."""
    el = etree.Element(w_tag(tag))
    rank = order.index(tag)
    for k, child in enumerate(parent):
        name = etree.QName(child).localname
        if name in order and order.index(name) > rank:
            parent.insert(k, el)
            return el
    parent.append(el)
    return el
