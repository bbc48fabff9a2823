"""The text the benchmark fills the Gouvernement paper with."""

from __future__ import annotations

SENTENCES = [
    "Les coupures d'Internet privent les citoyens de leur droit d'accès à l'information.",
    "Selon l'Internet Society, elles ont coûté près de 24 milliards de dollars en 2022.",
    "L'État doit concilier la sécurité publique et le respect des libertés fondamentales.",
    "Une coupure pendant les examens pénalise aussi les étudiants et les entreprises.",
    "Le point d'échange MLIX permet de garder le trafic local au Mali.",
    "La transparence des décisions et leur contrôle par un juge sont indispensables.",
    "Les opérateurs doivent être informés des bases légales de toute restriction.",
    "Des mesures ciblées et proportionnées valent mieux qu'une coupure générale.",
]


def prose(seed: int, words: int) -> str:
    """About ``words`` words of Markdown: paragraphs, a list, bold lead-ins."""
    out, count, i = [f"## Partie {seed + 1}"], 0, seed
    while count < words:
        paragraph = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(4))
        out.append(paragraph if i % 3 else f"- **Point {i}** : {paragraph}")
        count += len(paragraph.split())
        i += 1
    return "\n\n".join(out)
