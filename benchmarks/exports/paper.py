"""A deterministic French position paper of a given size, using every Markdown feature."""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image

from app.exports.model import Edition, Group, GroupDeliverable, Section, Source

_WORDS = [
    "gouvernance",
    "Internet",
    "coupure",
    "accès",
    "droits",
    "fondamentaux",
    "liberté",
    "expression",
    "information",
    "sécurité",
    "nationale",
    "ordre",
    "public",
    "opérateurs",
    "télécommunications",
    "régulateur",
    "citoyens",
    "société",
    "civile",
    "secteur",
    "privé",
    "gouvernement",
    "transparence",
    "proportionnalité",
    "légalité",
    "légitimité",
    "économie",
    "numérique",
    "examens",
    "fraude",
    "désinformation",
    "élections",
    "résilience",
    "infrastructure",
    "point",
    "d'échange",
    "Bamako",
    "Mali",
    "Afrique",
    "de",
    "l'Ouest",
    "multipartite",
    "dialogue",
    "confiance",
    "innovation",
    "éducation",
    "santé",
    "paiement",
    "mobile",
    "commerce",
    "jeunesse",
    "formation",
]
QUESTIONS = (
    "Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des principes "
    "de Gouvernance de l'Internet ?",
    "Quels sont les enjeux liés à ces coupures d'Internet ?",
    "Quelles sont les conséquences qui découlent de ces coupures d'Internet ?",
    "Comment pouvons-nous nous mettre à l'abri de ces coupures ?",
    "Devrions-nous entreprendre des actions et des initiatives face à ces actes ? Si oui "
    "lesquelles, si non pourquoi ?",
)


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 450), (20 + seed * 30 % 200, 110, 160)).save(out, "PNG")
    return out.getvalue()


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = 0
        self.notes = 0
        self.tables = 0

    def sentence(self, n: int | None = None) -> str:
        n = n or self.rng.randint(8, 22)
        words = [self.rng.choice(_WORDS) for _ in range(n)]
        self.words += n
        words[0] = words[0].capitalize()
        if self.rng.random() < 0.3:
            k = self.rng.randrange(n)
            words[k] = f"**{words[k]}**"
        if self.rng.random() < 0.2:
            k = self.rng.randrange(n)
            words[k] = f"*{words[k]}*"
        return " ".join(words) + "."

    def paragraph(self, sentences: int = 4) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def footnote(self, section: str) -> tuple[str, str]:
        self.notes += 1
        label = f"{section}n{self.notes}"
        text = f"[^{label}]: {self.sentence(12)} Voir https://www.internetsociety.org/{self.notes}."
        return f"[^{label}]", text

    def table(self) -> str:
        self.tables += 1
        rows = ["| Pays | Coupures | Durée (h) | Coût estimé |", "|:--|:-:|--:|--:|"]
        for _ in range(6):
            rows.append(
                f"| {self.rng.choice(['Mali', 'Sénégal', 'Guinée', 'Niger', 'Algérie'])} | "
                f"{self.rng.randint(1, 9)} | {self.rng.randint(4, 240)} | "
                f"{self.rng.randint(1, 90)} M USD |"
            )
            self.words += 5
        return "\n".join(rows)


#: the generator's prose budget that gives ~8,000 words of Markdown once lists, tables,
#: headings and notes are added (word_count() reports the exact figure)
BUDGET_8000 = 6520


def paper_sections(
    words: int = BUDGET_8000, footnotes: int = 40, tables: int = 10, seed: int = 7
) -> tuple[list[tuple[str, str, str, int | None]], dict[str, bytes]]:
    """[(key, title, markdown, number)] and the images they reference."""
    w = _Writer(seed)
    keys = [("introduction", "Introduction", None)]
    keys += [(f"q{n}", q, n) for n, q in enumerate(QUESTIONS, 1)]
    keys += [("conclusion", "Conclusion", None)]
    bodies: dict[str, list[str]] = {k: [] for k, _, _ in keys}
    notes: dict[str, list[str]] = {k: [] for k, _, _ in keys}
    images: dict[str, bytes] = {}
    per_section_words = words / len(keys)
    for idx, (key, _, _) in enumerate(keys):
        parts = bodies[key]
        start = w.words
        block = 0
        while w.words - start < per_section_words:
            kind = block % 6
            if kind == 0:
                parts.append(f"## {w.sentence(5)[:-1]}")
            elif kind == 1:
                para = w.paragraph(4)
                if w.notes < footnotes * (idx + 1) / len(keys):
                    ref, text = w.footnote(key)
                    para = para[:-1] + ref + "."
                    notes[key].append(text)
                parts.append(para)
            elif kind == 2:
                parts.append(
                    "\n".join(
                        [
                            f"1. {w.sentence()}",
                            f"2. **{w.sentence(3)[:-1]}** : {w.sentence()}",
                            f"   - {w.sentence()}",
                            f"     1. {w.sentence(6)}",
                            f"     2. [{w.sentence(3)[:-1]}](https://www.internetsociety.org)",
                            f"3. {w.sentence()}",
                        ]
                    )
                )
            elif kind == 3:
                parts.append(f"> {w.sentence()}")
                parts.append(f"**{w.sentence(3)[:-1]}** : {w.paragraph(2)}")
            elif kind == 4:
                parts.append(w.paragraph(3) + " `code` ~~ancien~~ texte.")
            elif kind == 5:
                if w.tables < tables * (idx + 1) / len(keys):
                    parts.append(w.table())
                elif len(images) < 3:
                    src = f"/uploads/figure-{len(images) + 1}.png"
                    images[src] = _png(len(images))
                    parts.append(f"![Figure {len(images)} : {w.sentence(6)[:-1]}]({src})")
                else:
                    parts.append("- " + w.sentence() + "\n- " + w.sentence())
            block += 1
    # top up footnotes / tables in the conclusion if the word budget ended early
    while w.notes < footnotes:
        ref, text = w.footnote("conclusion")
        bodies["conclusion"].append(w.sentence()[:-1] + ref + ".")
        notes["conclusion"].append(text)
    while w.tables < tables:
        bodies["conclusion"].append(w.table())
    out = []
    for key, title, number in keys:
        md = "\n\n".join(bodies[key] + notes[key]) + "\n"
        out.append((key, title, md, number))
    return out, images


def paper_markdown(sections) -> str:
    """One Markdown file for pandoc: the same content, each section under a ``#`` heading
    (its inner ``##`` headings then become Heading 2, as in Palabre's export)."""
    chunks = []
    for _key, title, md, number in sections:
        chunks.append(f"# {number}. {title}" if number else f"# {title}")
        chunks.append(md)
    return "\n\n".join(chunks) + "\n"


def deliverable(
    words: int = BUDGET_8000, footnotes: int = 40, tables: int = 10
) -> GroupDeliverable:
    sections, images = paper_sections(words, footnotes, tables)
    return GroupDeliverable(
        edition=Edition("MaliSIG 2023", "malisig-2023", "fr", dt.date(2023, 11, 25)),
        group=Group(
            "Gouvernement",
            "gouvernement",
            "government",
            "#0B6E4F",
            tuple(f"Participant {n}" for n in range(1, 13)),
        ),
        sections=tuple(Section(k, t, md, n) for k, t, md, n in sections),
        sources=tuple(
            Source(
                n, f"Source {n}", "Internet Society", 2022, f"https://www.internetsociety.org/s/{n}"
            )
            for n in range(1, 9)
        ),
        images=images,
    )


def word_count(sections) -> int:
    return sum(len(md.split()) for _, _, md, _ in sections)
