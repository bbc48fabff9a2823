"""A paper that uses every Markdown feature of Palabre, plus hostile input."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from app.exports.model import (
    Argument,
    Citation,
    Edition,
    Group,
    GroupDeliverable,
    GroupPosition,
    Section,
    Source,
    Synthesis,
    SynthesisQuestion,
)


def png(width: int = 120, height: int = 80, colour=(30, 110, 180)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


QUESTIONS = (
    "Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des principes "
    "de Gouvernance de l'Internet ?",
    "Quels sont les enjeux liés à ces coupures d'Internet ?",
    "Quelles sont les conséquences qui découlent de ces coupures d'Internet ?",
)

INTRO = """\
Le nombre de restrictions de l'accès à Internet est en **augmentation** dans le monde \
entier[^isoc]. Les coupures sont *fortement* motivées par des enjeux de `sécurité`.

## Définition

> Une coupure d'Internet est l'ensemble des « perturbations volontaires ou involontaires \
des communications basées sur internet ».

Voir le [rapport de l'ISOC](https://www.internetsociety.org/fr/) et \
[écrire au secrétariat](mailto:contact@malisig.ml).

[1]: internetsociety

[^isoc]: Internet Society, *rapport d'impact 2022*, https://www.internetsociety.org.
"""

Q1 = """\
La gouvernance d'Internet repose sur plusieurs principes clés :

1. l'ouverture ;
2. la transparence :
   - participation des acteurs ;
   - collaboration :
     1. au niveau national ;
     2. au niveau régional ;
3. le respect de la diversité culturelle.

Une seconde liste numérotée recommence à 1 :

1. sécurité ;
2. innovation[^loi].

~~Texte barré~~ et texte normal.

[^loi]: Loi n° 2019-056 du 5 décembre 2019 portant répression de la cybercriminalité.
"""

Q2 = """\
Il s'agit entre autres :

- **Des enjeux éducatifs** : à la veille des examens le gouvernement se voit souvent dans \
l'obligation de couper Internet pour protéger contre les fraudes.
- **Des enjeux électoraux** : le gouvernement utilise la restriction d'Internet comme outil.

**Des enjeux sécuritaires** : en cas de menaces graves pour la sécurité nationale, telles \
que des attaques terroristes imminentes, le gouvernement ordonne la coupure. Cette mesure \
est exceptionnelle. Elle doit rester proportionnée.

| Pays | Coupures 2022 | Coût (M USD) |
|:-----|:-------------:|-------------:|
| Sénégal | 2 | 7,5 |
| Algérie | 5 | 12 |
| Mali | 1 | **0,9** |

![Carte des coupures](/uploads/carte.png)
"""

HOSTILE = """\
<script>alert('x')</script> <b>gras</b>

[clic](javascript:alert(1)) [fichier](file:///etc/passwd) [données](data:text/html,xx) \
[ok](https://example.org/ok)

{ DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" } =cmd|' /C calc'!A0 \
INCLUDEPICTURE "http://evil.example/x.png"

Contrôle\x00NUL\x07bell\ud800surrogate\x1bescape.

[2]: internetsociety

![pixel espion](https://evil.example/pixel.png)
"""


def edition(**kw) -> Edition:
    base = dict(
        title="MaliSIG 2023",
        slug="malisig-2023",
        language="fr",
        date=dt.date(2023, 11, 25),
        subtitle="École malienne sur la gouvernance de l'Internet",
    )
    base.update(kw)
    return Edition(**base)


GROUP = Group(
    name="Gouvernement",
    slug="gouvernement",
    kind="government",
    colour="#0B6E4F",
    members=("Awa Traoré", "Moussa Keïta", "Fatoumata Diallo"),
)

SOURCES = (
    Source(
        1,
        "Internet Society Impact Report 2022",
        "Internet Society",
        2023,
        "https://www.internetsociety.org/impact-report",
        "Coût des coupures.",
    ),
    Source(2, "Loi sur la cybercriminalité", "République du Mali", 2019, "javascript:alert(1)"),
)

ARGUMENTS = (
    Argument(
        1,
        1,
        "claim",
        "Les coupures sont **illégales** sans base légale.",
        "Awa Traoré",
        "Gouvernement",
        (Citation(2, page="12", quote="nul ne peut"),),
        (
            Argument(
                2, 1, "support", "Le droit international l'exige.", "Moussa Keïta", "Gouvernement"
            ),
            Argument(
                3,
                1,
                "oppose",
                "La sécurité nationale prime.",
                "Ali Cissé",
                "Secteur privé",
                (),
                (
                    Argument(
                        4, 1, "rebut", "Pas sans contrôle du juge.", "Awa Traoré", "Gouvernement"
                    ),
                ),
            ),
        ),
    ),
    Argument(
        5, 2, "question", "Quel coût pour les opérateurs ?", "Fatoumata Diallo", "Gouvernement"
    ),
)


def sections(
    intro=INTRO, q1=Q1, q2=Q2, q3="", conclusion="Nous recommandons le dialogue."
) -> tuple:
    return (
        Section("introduction", "Introduction", intro),
        Section("q1", QUESTIONS[0], q1, 1, summary="Les coupures doivent rester exceptionnelles."),
        Section("q2", QUESTIONS[1], q2, 2),
        Section("q3", QUESTIONS[2], q3, 3),
        Section("conclusion", "Conclusion", conclusion),
    )


def deliverable(**kw) -> GroupDeliverable:
    base = dict(
        edition=edition(logo=png(300, 120)),
        group=GROUP,
        sections=sections(),
        sources=SOURCES,
        arguments=ARGUMENTS,
        images={"/uploads/carte.png": png(640, 400)},
        generated_at=dt.datetime(2023, 11, 24, 18, 0, tzinfo=dt.UTC),
    )
    base.update(kw)
    return GroupDeliverable(**base)


OTHER_GROUPS = (
    Group("Secteur privé", "secteur-prive", "private-sector", "#F2C14E", ("Ali Cissé",)),
    Group("Société civile", "societe-civile", "civil-society", "#7B2D8B", ("Kadia Sow",)),
)


def synthesis() -> Synthesis:
    groups = (GROUP, *OTHER_GROUPS)
    questions = tuple(
        SynthesisQuestion(
            n,
            text,
            tuple(
                GroupPosition(g, f"Position du groupe **{g.name}** sur la question {n}. " * 3)
                for g in groups
            ),
            ARGUMENTS if n == 1 else (),
        )
        for n, text in enumerate(QUESTIONS, 1)
    )
    return Synthesis(
        edition(), groups, questions, generated_at=dt.datetime(2023, 11, 25, 9, 0, tzinfo=dt.UTC)
    )
