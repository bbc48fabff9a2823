"""Demo content of the debate: three real sources from the seeds and a few arguments."""

from __future__ import annotations

from app.deliberation.arguments import add_argument
from app.deliberation.sources import add_source
from app.workshops.demo import DEMO_EXTENSIONS

SOURCES = (
    {
        "title": "Internet Society — Rapport d'impact 2022",
        "author": "Internet Society",
        "year": 2022,
        "url": "https://www.internetsociety.org/resources/doc/2023/2022-impact-report/",
        "note": "Les coupures d'Internet ont coûté environ 24 milliards USD à l'économie "
        "mondiale en 2022 (Netloss).",
    },
    {
        "title": "ISOC Mali — Plan d'action 2022",
        "author": "Chapitre malien de l'Internet Society",
        "year": 2022,
        "url": "",
        "note": "Point d'échange MLIX, MaliNOG, formation des jeunes à la gouvernance de "
        "l'Internet.",
    },
    {
        "title": "Forum sur le numérique et la cohésion sociale — rapport",
        "author": "Forum multi-acteurs, Bamako",
        "year": 2023,
        "url": "",
        "note": "Panels, points clés et recommandations sur le numérique au service de la "
        "cohésion sociale.",
    },
)


def add_demo_debate(edition, users) -> None:
    cost, plan, forum = (
        add_source(edition, users["organisateur@demo.palabre"], **source) for source in SOURCES
    )
    q1, q2 = edition.questions[0], edition.questions[1]
    state = add_argument(
        edition,
        users["gouvernement1@demo.palabre"],
        question=q1,
        kind="claim",
        text="Une coupure peut être **légale** si une loi la prévoit, pour une durée "
        "limitée et sous le contrôle d'un juge.",
    )
    add_argument(
        edition,
        users["societe1@demo.palabre"],
        question=None,
        kind="oppose",
        parent=state,
        text="Même prévue par une loi, une coupure générale n'est ni **nécessaire** ni "
        "**proportionnée** : elle prive tout le monde d'information.",
    )
    business = add_argument(
        edition,
        users["prive1@demo.palabre"],
        question=q2,
        kind="claim",
        text="L'enjeu est d'abord **économique** : paiements mobiles, commerce en ligne et "
        "emplois s'arrêtent avec le réseau.",
        cited=[(cost.id, "", "")],
    )
    add_argument(
        edition,
        users["gouvernement2@demo.palabre"],
        question=None,
        kind="support",
        parent=business,
        text="Le point d'échange national MLIX garde le trafic local et réduit la "
        "dépendance aux liaisons internationales.",
        cited=[(plan.id, "", "")],
    )
    add_argument(
        edition,
        users["societe2@demo.palabre"],
        question=q2,
        kind="claim",
        text="L'enjeu est aussi **social** : le numérique peut renforcer la cohésion "
        "sociale quand chacun y a accès.",
        cited=[(forum.id, "", "")],
    )


DEMO_EXTENSIONS.append(add_demo_debate)
