"""Demo content of the debate, and the papers that cite it.

The library holds the sources the groups cite: three documents of the seeds (the Internet
Society's impact report, ISOC Mali's action plan, the Bamako forum) and the two texts every
paper on the legality of shutdowns quotes. The map has a few theses per question, answered
across groups, with citations. Each group's paper (``app.workshops.demo.demo_paper``) is
written into its sections here (``DEMO_PAPERS``), one edit a section by its members in turn:
the debate's area sits above the papers' (``paper.py`` inserts arguments the same way), and
the papers' footnotes cite this library.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.collaboration.services import append_to_section, paper_of
from app.deliberation.arguments import add_argument
from app.deliberation.sources import add_source
from app.workshops.demo import ACCOUNTS, DEMO_EXTENSIONS, DEMO_PAPERS, demo_paper

SOURCES = {
    "isoc": {
        "title": "Internet Society — Rapport d'impact 2022",
        "author": "Internet Society",
        "year": 2022,
        "url": "https://www.internetsociety.org/resources/doc/2023/2022-impact-report/",
        "note": "Les coupures d'Internet ont coûté environ 24 milliards USD à l'économie "
        "mondiale en 2022 (Netloss) ; campagne du Bénin, élection kényane, MANRS.",
    },
    "plan": {
        "title": "ISOC Mali — Plan d'action 2022",
        "author": "Chapitre malien de l'Internet Society",
        "year": 2022,
        "url": "",
        "note": "Point d'échange MLIX, MaliNOG, mesure de l'Internet, détaxation du matériel "
        "informatique, réseaux communautaires.",
    },
    "forum": {
        "title": "Forum sur le numérique et la cohésion sociale — conférence-débat",
        "author": "Search for Common Ground, AC-RSS, FSJP, APDP",
        "year": 2023,
        "url": "",
        "note": "Bamako, 9 juin 2023 : protection des données personnelles, désinformation, "
        "culture numérique ; appel à mieux réglementer l'espace en ligne.",
    },
    "pidcp": {
        "title": "Pacte international relatif aux droits civils et politiques",
        "author": "Assemblée générale des Nations unies",
        "year": 1966,
        "url": "https://www.ohchr.org/fr/instruments-mechanisms/instruments/"
        "international-covenant-civil-and-political-rights",
        "note": "Article 19 : liberté d'expression et d'information ; restrictions fixées par "
        "la loi et nécessaires (§ 3). Le Mali y est partie.",
    },
    "cadhp": {
        "title": "Déclaration de principes sur la liberté d'expression et l'accès à "
        "l'information en Afrique",
        "author": "Commission africaine des droits de l'homme et des peuples",
        "year": 2019,
        "url": "",
        "note": "Principe 38 : les États ne perturbent pas l'accès à Internet, pour une partie "
        "ou pour l'ensemble de la population.",
    },
}

COST_QUOTE = (
    "En 2022, les coupures ont coûté environ 24 milliards de dollars américains à l'économie "
    "mondiale"
)


@dataclass(frozen=True)
class Say:
    """An argument of the demo map: who (the e-mail's local part), what, citing what
    (``(source key, page, quote)``), and the replies it got."""

    who: str
    kind: str
    text: str
    cites: tuple[tuple[str, str, str], ...] = ()
    replies: tuple[Say, ...] = ()


# Question number → its theses, each with its replies.
DEBATE: dict[int, tuple[Say, ...]] = {
    1: (
        Say(
            "gouvernement1",
            "claim",
            "Une coupure peut être **légale** si une loi la prévoit, pour une durée limitée et "
            "sous le contrôle d'un juge.",
            (("pidcp", "art. 19, § 3", ""),),
            (
                Say(
                    "societe1",
                    "oppose",
                    "Même prévue par une loi, une coupure générale n'est ni **nécessaire** ni "
                    "**proportionnée** : elle prive tout le monde d'information.",
                    (("pidcp", "art. 19, § 3", ""),),
                    (
                        Say(
                            "gouvernement2",
                            "rebut",
                            "La proportionnalité se juge au cas par cas : une restriction "
                            "**ciblée**, limitée à une zone attaquée et à quelques heures, peut "
                            "l'être.",
                        ),
                    ),
                ),
                Say(
                    "prive1",
                    "support",
                    "Un texte clair protège aussi les **opérateurs** : aujourd'hui, ils "
                    "exécutent des ordres sans écrit ni durée, et en répondent seuls devant "
                    "leurs clients.",
                    (("pidcp", "art. 19, § 3", ""),),
                ),
            ),
        ),
        Say(
            "societe2",
            "claim",
            "Les coupures générales sont **illégitimes** : décidées en secret, sans durée ni "
            "recours, elles échappent à toute redevabilité.",
            (("cadhp", "principe 38", ""),),
            (
                Say(
                    "gouvernement2",
                    "support",
                    "Pour une coupure **générale**, nous en convenons : la Déclaration de la "
                    "Commission africaine nous oblige à chercher d'autres moyens.",
                    (("cadhp", "principe 38", ""),),
                ),
            ),
        ),
    ),
    2: (
        Say(
            "prive1",
            "claim",
            "L'enjeu est d'abord **économique** : paiements mobiles, commerce en ligne et "
            "emplois s'arrêtent avec le réseau.",
            (("isoc", "", ""),),
        ),
        Say(
            "gouvernement1",
            "claim",
            "L'enjeu est aussi **sécuritaire** : dans une zone attaquée, les réseaux servent "
            "à coordonner les assaillants et à diffuser la terreur.",
            replies=(
                Say(
                    "societe1",
                    "oppose",
                    "Les habitants de ces zones ont justement besoin du réseau pour donner "
                    "l'alerte et rassurer leurs proches.",
                ),
            ),
        ),
    ),
    3: (
        Say(
            "societe1",
            "claim",
            "Une coupure ne fait pas taire la **désinformation** : sans démentis en ligne, la "
            "rumeur circule plus vite que la vérité.",
            (("forum", "", ""),),
        ),
        Say(
            "prive2",
            "claim",
            "Les coupures ont coûté environ **24 milliards de dollars** à l'économie mondiale "
            "en 2022.",
            (("isoc", "", COST_QUOTE),),
            (
                Say(
                    "gouvernement2",
                    "question",
                    "Ce total vient surtout de la Russie : quelle estimation pour le **Mali** ?",
                    (("isoc", "", ""),),
                    (
                        Say(
                            "prive1",
                            "support",
                            "Aucune estimation publique n'existe encore : c'est l'objet de "
                            "l'étude sur l'économie numérique du Mali que propose ISOC Mali.",
                            (("plan", "", ""),),
                        ),
                    ),
                ),
            ),
        ),
    ),
    4: (
        Say(
            "gouvernement2",
            "claim",
            "Le point d'échange **MLIX** doit enfin produire ses effets : garder localement le "
            "trafic entre Maliens.",
            (("plan", "", ""),),
            (
                Say(
                    "societe2",
                    "oppose",
                    "Un point d'échange protège d'une rupture de câble, pas d'un ordre de "
                    "coupure : il faut d'abord une **loi**.",
                    (("plan", "", ""),),
                    (
                        Say(
                            "gouvernement1",
                            "rebut",
                            "Les deux se complètent : la loi encadre la décision, "
                            "l'infrastructure réduit le besoin d'y recourir.",
                        ),
                    ),
                ),
            ),
        ),
        Say(
            "prive2",
            "claim",
            "Le paiement mobile doit garder ses canaux **USSD et SMS**, qui fonctionnent même "
            "quand les données mobiles sont suspendues.",
        ),
    ),
    5: (
        Say(
            "societe1",
            "claim",
            "Créons une **coalition nationale** contre les coupures, sur le modèle de la "
            "campagne béninoise de 2021.",
            (("isoc", "", ""),),
            (
                Say(
                    "prive1",
                    "support",
                    "Le secteur privé s'y joindra avec une **charte de transparence** : publier "
                    "chaque ordre de restriction reçu.",
                ),
            ),
        ),
        Say(
            "gouvernement1",
            "claim",
            "Un **cadre de concertation multipartite** doit préparer les crises avant "
            "qu'elles n'arrivent.",
            replies=(
                Say(
                    "societe2",
                    "support",
                    "Le Forum de Bamako en a montré l'intérêt : acteurs étatiques, chercheurs, "
                    "journalistes et société civile autour d'une même table.",
                    (("forum", "", ""),),
                ),
            ),
        ),
    ),
}


def add_demo_papers(edition, users) -> None:
    """Each group's paper, its sections written by the group's members in turn."""
    for group in edition.groups:
        texts = demo_paper(group.slug)
        writers = [users[a.email] for a in ACCOUNTS if a.group == group.slug]
        paper = paper_of(group)
        if not texts or not writers or paper is None:
            continue
        for index, section in enumerate(paper.sections):
            if texts.get(section.key):
                append_to_section(section, texts[section.key], writers[index % len(writers)])


def add_demo_debate(edition, users) -> None:
    organizer = users["organisateur@demo.palabre"]
    library = {key: add_source(edition, organizer, **source) for key, source in SOURCES.items()}

    def say(item: Say, question, parent=None) -> None:
        argument = add_argument(
            edition,
            users[f"{item.who}@demo.palabre"],
            question=question if parent is None else None,
            kind=item.kind,
            parent=parent,
            text=item.text,
            cited=[(library[key].id, page, quote) for key, page, quote in item.cites],
        )
        for reply in item.replies:
            say(reply, question, argument)

    questions = {q.position: q for q in edition.questions}
    for number, theses in DEBATE.items():
        for thesis in theses:
            say(thesis, questions[number])


if add_demo_debate not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(add_demo_debate)
if add_demo_papers not in DEMO_PAPERS:
    DEMO_PAPERS.append(add_demo_papers)
