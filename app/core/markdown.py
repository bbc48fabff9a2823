"""The one Markdown dialect of Palabre.

Every place that turns a participant's Markdown into something else uses this module: the
web pages (arguments, published papers), the Word and PowerPoint exports, and — through the
same options in JavaScript — the browser preview of the editor. Keep them in step.

The dialect
-----------
CommonMark, plus:

* GFM tables and ``~~strikethrough~~``;
* footnotes, ``text[^1]`` with ``[^1]: the note`` (and inline ``^[note]``);
* **raw HTML disabled**: ``<b>`` or ``<script>`` is shown as text, never interpreted;
* **reference-style link definitions disabled**: a line such as ``[2]: internetsociety`` (a
  very common way trainees write a reference, see the MaliSIG papers) stays visible text
  instead of being silently swallowed as a link definition. The consequence is that
  ``[text][label]`` links are not supported: write ``[text](https://…)``;
* a footnote definition nobody refers to (``[^3]: …`` without ``[^3]`` in the text) is
  kept visible as text too, instead of vanishing (:func:`keep_orphan_footnotes`);
* no linkify, no typographer (what you type is what is stored and shown).

Links are only kept for ``http:``, ``https:`` and ``mailto:`` (plus in-page ``#fn…``
anchors on the web); images only from the platform's own ``/uploads/…``.

Python (this module)::

    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable(["table", "strikethrough"])
        .use(mdit_py_plugins.footnote.footnote_plugin)
        .disable("reference")

JavaScript (browser preview, markdown-it 14 + markdown-it-footnote 4)::

    markdownit("commonmark", {html: false, linkify: false, typographer: false})
        .enable(["table", "strikethrough"])
        .use(markdownitFootnote)
        .disable("reference")

then sanitized with DOMPurify with the same allow-list as :data:`ALLOWED_TAGS` /
:data:`ALLOWED_ATTRIBUTES` below (``ALLOWED_URI_REGEXP`` =
``/^(?:https?:|mailto:|#|\\/uploads\\/)/i``).

Text cleaning
-------------
:func:`clean_text` removes what XML 1.0 cannot carry and what python-docx / python-pptx
raise on: NUL and other C0 controls (except tab and newline), C1 controls, lone UTF-16
surrogates and the non-characters U+FFFE/U+FFFF. Line endings become ``\\n``. Every export
and :func:`render_html` call it first.
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "SAFE_LINK_SCHEMES",
    "clean_text",
    "is_safe_link",
    "keep_orphan_footnotes",
    "make_markdown",
    "markdown",
    "render_html",
]

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})

# Characters XML 1.0 forbids (and python-docx/python-pptx refuse), C1 controls, DEL,
# lone surrogates, U+FFFE/U+FFFF. Tab and newline are kept; \r is normalised first.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Characters browsers ignore inside a scheme ("java\tscript:") — stripped before checking.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def clean_text(text: str | None) -> str:
    """Return ``text`` safe to store in XML: no NUL, controls or lone surrogates."""
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BAD_CHARS.sub("", text)


def is_safe_link(url: str | None, *, allow_relative: bool = False) -> bool:
    """True for http(s)/mailto URLs (and, if asked, same-site relative ones)."""
    if not url:
        return False
    probe = _URL_IGNORED.sub("", url)
    match = _SCHEME.match(probe)
    if match:
        if match.group(1).lower() not in SAFE_LINK_SCHEMES:
            return False
        if match.group(1).lower() == "mailto":
            return len(probe) > len("mailto:")
        return probe.lower().startswith(("http://", "https://")) and len(probe) > 8
    if not allow_relative:
        return False
    # "//evil.example" is protocol-relative, i.e. external: refuse.
    return probe.startswith(("/", "#")) and not probe.startswith("//") and "\\" not in probe


def make_markdown() -> MarkdownIt:
    """A fresh parser configured with Palabre's dialect (see the module docstring)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.disable("reference")
    return md


@functools.cache
def markdown() -> MarkdownIt:
    """A shared parser (markdown-it instances are safe to reuse for parse/render)."""
    return make_markdown()


_FOOTNOTE_DEF = re.compile(r"^( {0,3})\[\^([^\]\s]+)\]:", re.M)


def keep_orphan_footnotes(text: str) -> str:
    """Escape footnote definitions that no reference uses, so they stay visible text.

    markdown-it (Python and JS alike) silently drops them otherwise.
    """
    if "[^" not in text:
        return text
    env: dict = {}
    markdown().parse(text, env)
    refs = env.get("footnotes", {}).get("refs", {})
    orphans = {label[1:] for label, idx in refs.items() if idx == -1}
    if not orphans:
        return text
    return _FOOTNOTE_DEF.sub(
        lambda m: f"{m.group(1)}\\[^{m.group(2)}]:" if m.group(2) in orphans else m.group(0), text
    )


ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td", "sup", "section",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "id", "class", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "sup": {"class"},
    "hr": {"class"},
    "section": {"class"},
    "th": {"style"},
    "td": {"style"},
}
_FOOTNOTE_ID = re.compile(r"fn(ref)?\d+(:\d+)?")  # fullmatch: "$" lets a final "\n" through
_ALIGN_STYLE = re.compile(r"text-align:(left|right|center)")
_CLASSES = frozenset(
    {"footnote-ref", "footnote-backref", "footnotes", "footnotes-sep", "footnotes-list",
     "footnote-item"}
)  # fmt: skip


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "href":
        return value if is_safe_link(value, allow_relative=True) else None
    if attr == "src":
        probe = _URL_IGNORED.sub("", value)
        ok = probe.startswith("/uploads/") and ".." not in probe and "\\" not in probe
        return value if ok else None
    if attr == "id":
        return value if _FOOTNOTE_ID.fullmatch(value) else None
    if attr == "class":
        return value if value in _CLASSES else None
    if attr == "style":
        return value if _ALIGN_STYLE.fullmatch(value.replace(" ", "")) else None
    return value


@functools.lru_cache(maxsize=4096)
def render_html(text: str | None) -> str:
    """Markdown → sanitized HTML for the web (links get ``rel="noopener nofollow"``).

    Kept for the last few thousand texts: a debate page renders hundreds of arguments
    whose text rarely changes."""
    html = markdown().render(keep_orphan_footnotes(clean_text(text)))
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(SAFE_LINK_SCHEMES),
        link_rel="noopener nofollow",
        strip_comments=True,
    )
