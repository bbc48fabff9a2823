"""A position paper as a group really writes one (the Government's, after the 2023 MaliSIG
assignment, in our own words): long paragraphs, bold lead-ins, a quotation, a short list, a
table, footnotes. The deck tests read back what becomes of each of its paragraphs."""

from __future__ import annotations

import datetime as dt

from app.exports.model import Edition, Group, GroupDeliverable, Section, Source
from tests.exports import fixtures as fx

QUESTIONS = (
    "Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des principes "
    "de Gouvernance de l'Internet ?",
    "Quels sont les enjeux liés à ces coupures d'Internet ?",
    "Quelles sont les conséquences qui découlent de ces coupures d'Internet ?",
    "Comment pouvons-nous nous mettre à l'abri de ces coupures ?",
    "Devrions-nous entreprendre des actions et des initiatives face à ces actes ? Si oui "
    "lesquelles, si non pourquoi ?",
)

INTRO = """\
Les restrictions de l'accès à Internet se multiplient dans le monde, et l'Afrique de \
l'Ouest n'y échappe pas[^isoc]. Quand un gouvernement ordonne une coupure, il invoque \
presque toujours la sécurité nationale ou l'ordre public. Notre groupe parle ici depuis la \
place de l'État : celle de l'autorité qui doit protéger la population, et qui en répond.

> Une coupure d'Internet est une perturbation, volontaire ou non, qui rend les \
communications en ligne inaccessibles ou inutilisables pour une population, un lieu ou un \
mode d'accès donnés, souvent pour contrôler le flux d'informations.
>
> — d'après Access Now et l'Internet Society

Cette définition guide notre lecture : elle vise l'effet sur les citoyens, pas l'intention.

Les coupures interviennent dans des contextes bien identifiés :

- les crises politiques
- les périodes électorales
- les examens nationaux
- les contestations populaires
- les zones de conflit
- la lutte contre la désinformation
"""

Q1 = """\
## Ce que dit le droit

La liberté d'expression comprend le droit de rechercher et de recevoir des informations : \
la Constitution la garantit, et le Mali est partie au Pacte international relatif aux \
droits civils et politiques[^pacte]. Une restriction n'y est admise que si une loi la \
prévoit et qu'elle est nécessaire et proportionnée à un but légitime. Hors de ce cadre, la \
coupure est illégale, quelle que soit la gravité de la situation.

Pour nous, une mesure de restriction n'est légitime que si elle est :

1. **fondée sur un texte clair**, publié, qui désigne l'autorité compétente ;
2. **motivée par un danger grave et imminent**, établi par des éléments vérifiables ;
3. **limitée** dans le temps, dans l'espace et aux seuls services nécessaires ;
4. **contrôlée** ensuite par le juge et par le parlement.
"""

Q2 = """\
Les coupures mettent en jeu des intérêts que l'État doit défendre tous à la fois, et c'est \
ce qui rend chaque décision si difficile.

**Des enjeux sécuritaires** : face à une menace terroriste imminente, les réseaux servent \
aussi à coordonner une attaque ou à diffuser la terreur, et l'État doit pouvoir agir vite.

**Des enjeux éducatifs.** La fuite des sujets d'examen ruine l'égalité entre les candidats \
et la valeur des diplômes ; chaque année, la tentation de couper le réseau revient à la \
veille du baccalauréat.

**Des enjeux économiques et de souveraineté** : l'économie numérique, le paiement mobile, \
les recettes fiscales et l'attractivité du pays dépendent d'un réseau stable. Une journée \
sans Internet coûte aux commerçants, aux banques et aux opérateurs, et elle coûte aussi à la \
confiance des investisseurs qui comparent nos pays entre eux avant de choisir où s'installer. \
Cette confiance se perd en un jour et se regagne en plusieurs années.
"""

Q3 = """\
Les coupures coûtent cher, et pas seulement à ceux qu'elles visent. Le rapport d'impact \
2022 de l'Internet Society en donne la mesure[^cout] :

| Pays | Coût estimé en 2022 |
|:-----|--------------------:|
| Monde | 24 milliards USD |
| Russie | 21,6 milliards USD |
| Iran | 773 millions USD |
| Kazakhstan | 411 millions USD |

**Une prise de conscience** : chaque interruption rappelle à tous, citoyens comme \
administrations, la place d'Internet dans la vie quotidienne. Elle pousse à investir dans \
des infrastructures plus robustes, à écrire des règles plus transparentes et à mieux \
coordonner l'État, les opérateurs et la société civile. Elle stimule enfin l'innovation : \
solutions hors ligne, contenus hébergés localement, réseaux plus résilients. Ces leçons ne \
justifient pas les coupures. Elles montrent ce qu'il faut construire pour ne plus en avoir \
besoin. Elles engagent aussi l'État à rendre compte de chaque décision.
"""

Q4 = """\
### Sécuriser les examens à la source

La fuite d'un sujet est d'abord une faille de la chaîne d'examen, non du réseau. Nous \
proposons de sécuriser la conception, l'impression et le transport des épreuves, de préparer \
des sujets de secours et de poursuivre les auteurs de fuites plutôt que de priver tout le \
pays de réseau.

### Renforcer le point d'échange

Le point d'échange Internet du Mali (MLIX), inauguré en 2018, doit enfin produire ses \
effets[^mlix] : garder localement le trafic entre Maliens, réduire les coûts de transit et \
la dépendance aux liaisons internationales.
"""

Q5 = """\
Oui : l'État doit agir, et d'abord sur lui-même. Nous proposons quatre initiatives.

1. **Un cadre juridique des restrictions.** Une loi qui énumère les motifs admis, désigne \
l'autorité qui décide, impose un ordre écrit et motivé, fixe une durée maximale et organise \
le contrôle du juge.
2. **Une gradation des réponses.** Avant toute coupure : communication officielle, \
signalement aux plateformes, retrait ciblé des contenus illicites.
3. **La transparence.** Publier chaque décision de restriction, son motif et sa durée, puis \
un bilan public une fois la crise passée.
4. **Une concertation multipartite permanente** avec le régulateur, les opérateurs, la \
communauté technique et la société civile.
"""

CONCLUSION = (
    "Un État fort, dans l'espace numérique, n'est pas celui qui coupe le réseau : c'est celui "
    "qui n'a plus besoin de le faire."
)

NOTES = {
    "isoc": "Internet Society, *Rapport d'impact 2022*, « Garantir le fonctionnement "
    "d'Internet dans les moments critiques ».",
    "pacte": "Pacte international relatif aux droits civils et politiques (1966), article 19.",
    "cout": "Internet Society, *Rapport d'impact 2022* : les coupures ont coûté environ 24 "
    "milliards de dollars à l'économie mondiale en 2022.",
    "mlix": "Chapitre malien de l'Internet Society, *Plan d'action 2022*.",
}


def _with_notes(body: str) -> str:
    used = [k for k in NOTES if f"[^{k}]" in body]
    return body + "".join(f"\n[^{k}]: {NOTES[k]}\n" for k in used)


GROUP = Group(
    name="Gouvernement",
    slug="gouvernement",
    kind="government",
    colour="#1D5C8C",
    members=("Fatoumata Diarra", "Ibrahim Keïta", "Awa Traoré"),
)


def sections() -> tuple[Section, ...]:
    bodies = (Q1, Q2, Q3, Q4, Q5)
    return (
        Section("introduction", "Introduction", _with_notes(INTRO)),
        *(
            Section(f"q{n}", QUESTIONS[n - 1], _with_notes(body), n)
            for n, body in enumerate(bodies, 1)
        ),
        Section("conclusion", "Conclusion", CONCLUSION),
    )


SOURCES = (
    Source(
        1,
        "Rapport d'impact 2022",
        "Internet Society",
        2023,
        "https://www.internetsociety.org/fr/resources/doc/2023/2022-impact-report/",
    ),
    Source(2, "Plan d'action 2022", "ISOC Mali", 2022),
)


def deliverable(**kw) -> GroupDeliverable:
    base = dict(
        edition=Edition(
            title="MaliSIG 2023",
            slug="malisig-2023",
            language="fr",
            date=dt.date(2023, 11, 25),
            subtitle="École malienne sur la gouvernance de l'Internet",
            logo=fx.png(360, 120, (200, 120, 30)),
        ),
        group=GROUP,
        sections=sections(),
        sources=SOURCES,
        generated_at=dt.datetime(2023, 11, 24, 18, 0, tzinfo=dt.UTC),
    )
    base.update(kw)
    return GroupDeliverable(**base)
