"""Words the exports write themselves (French and English), their dates and file names."""

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
        "condensed": "[…] texte intégral dans les notes",
        "review_copy": "Copie de relecture, avec les commentaires",
        "review_file": "Copie de relecture",
        "passage_deleted": "Passage supprimé :",
        "quoted": "« {quote} »",
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
        "condensed": "[…] full text in the speaker notes",
        "review_copy": "Review copy, with the comments",
        "review_file": "Review copy",
        "passage_deleted": "Deleted passage:",
        "quoted": "“{quote}”",
    },
}
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
