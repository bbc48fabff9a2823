"""Words the exports write themselves (French and English), and small shared helpers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_LABELS = {
    "fr": {
        "toc": "Table des matières",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "question": "Question",
        "todo": "(à compléter)",
        "bibliography": "Bibliographie",
        "annex": "Annexe : arguments du débat",
        "general": "Questions générales",
        "members": "Membres",
        "position_paper": "Document de position",
        "agenda": "Sommaire",
        "continued": "(suite)",
        "notes": "Notes",
        "sources": "Sources",
        "thanks": "Merci",
        "questions": "Questions ?",
        "synthesis": "Synthèse des positions",
        "positions": "Positions des groupes",
        "exchanges": "Principaux arguments échangés",
        "no_position": "(pas de position)",
        "figure": "Figure",
        "cited": "Sources",
        "page": "p.",
        "n_members": "{n} membres",
        "claim": "Thèse",
        "support": "Pour",
        "oppose": "Contre",
        "rebut": "Réfutation",
        "question_kind": "Question",
        "image_missing": "[image indisponible : {alt}]",
        "stakeholder": "Partie prenante",
    },
    "en": {
        "toc": "Contents",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "question": "Question",
        "todo": "(to be completed)",
        "bibliography": "Bibliography",
        "annex": "Annex: arguments from the debate",
        "general": "General questions",
        "members": "Members",
        "position_paper": "Position paper",
        "agenda": "Agenda",
        "continued": "(continued)",
        "notes": "Notes",
        "sources": "Sources",
        "thanks": "Thank you",
        "questions": "Questions?",
        "synthesis": "Synthesis of the positions",
        "positions": "Positions of the groups",
        "exchanges": "Main arguments exchanged",
        "no_position": "(no position)",
        "figure": "Figure",
        "cited": "Sources",
        "page": "p.",
        "n_members": "{n} members",
        "claim": "Claim",
        "support": "Support",
        "oppose": "Oppose",
        "rebut": "Rebuttal",
        "question_kind": "Question",
        "image_missing": "[image unavailable: {alt}]",
        "stakeholder": "Stakeholder",
    },
}
_REGIONS = {"fr": "fr-FR", "en": "en-US", "pt": "pt-PT", "ar": "ar-SA", "es": "es-ES"}
_MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def labels(language: str) -> dict[str, str]:
    return _LABELS.get(language.split("-")[0].lower(), _LABELS["fr"])


def lang_tag(language: str) -> str:
    """ "fr" → "fr-FR" (what w:lang and a:rPr/@lang expect)."""
    language = (language or "fr").strip()
    if "-" in language:
        return language
    return _REGIONS.get(language.lower(), f"{language.lower()}-{language.upper()}")


def kind_label(kind: str, language: str) -> str:
    lab = labels(language)
    return lab.get("question_kind" if kind == "question" else kind, kind)


def format_date(date: dt.date | None, language: str) -> str:
    if date is None:
        return ""
    if language.lower().startswith("fr"):
        day = "1er" if date.day == 1 else str(date.day)
        return f"{day} {_MONTHS_FR[date.month - 1]} {date.year}"
    return date.strftime("%d %B %Y").lstrip("0")


def ascii_stem(text: str, fallback: str = "export") -> str:
    """ "Société civile" → "Societe-civile" (safe in any file system and zip tool)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")
    return stem[:60].rstrip("-") or fallback


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def hex_colour(value: str, default: str = "1F6FB2") -> str:
    """ "#1f6fb2" → "1F6FB2"; anything else → the default."""
    v = (value or "").strip().lstrip("#")
    if len(v) == 3:
        v = "".join(c * 2 for c in v)
    return v.upper() if re.fullmatch(r"[0-9a-fA-F]{6}", v) else default


def readable_on(colour_hex: str) -> str:
    """Black or white, whichever reads better on the given background."""
    r, g, b = (int(colour_hex[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "000000" if lum > 0.4 else "FFFFFF"


_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>Palabre</Application><DocSecurity>0</DocSecurity>'
    "</Properties>"
)


def set_core_properties(
    core, package, *, lang: str, title: str, author: str, subject: str, keywords: str, created
) -> None:
    """Our own document properties: python-docx/pptx templates leak their author, comments,
    a 2013 date and their name as the application; replace every one of them."""
    from app.core.markdown import clean_text

    when = created or now_utc()
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
    rels = package.rels if hasattr(package, "rels") else package._rels  # docx / pptx
    for rel in rels.values():
        if rel.reltype.endswith("/extended-properties") and not rel.is_external:
            rel.target_part._blob = _APP_XML.encode()
