"""The demo edition: MaliSIG 2023, its five questions, three groups and nine accounts.

The texts summarise, in our own words, the concept note and the practical-work
statement of the 2023 school (see ``shared/seeds``); Palabre does not need the seeds.
Each group's position paper is a data file, ``demo_papers/<group-slug>.md`` (read by
``demo_paper``); ``app.deliberation.demo`` writes them into the sections, beside the debate
whose sources they cite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files

from sqlalchemy import select

from app.accounts import services as accounts
from app.core.errors import Conflict
from app.extensions import db
from app.workshops import services
from app.workshops.models import Edition, GroupKind, Role

DEMO_SLUG = "malisig-2023"
DEMO_TITLE = "MaliSIG 2023 — Masterclass"
DEMO_PASSWORD = "palabre-demo"  # noqa: S105 - documented demo password

CONCEPT_NOTE = """\
L'**École malienne sur la gouvernance de l'Internet** (MaliSIG) est une initiative du
chapitre malien de l'Internet Society. Elle veut donner aux jeunes Maliens les
connaissances qui font de l'Internet un moteur de développement, et élargir la
participation des acteurs maliens aux débats sur la gouvernance de l'Internet, au Mali,
en Afrique et dans le monde, dans un esprit de dialogue multipartite.

Depuis 2018, le chapitre forme chaque année une nouvelle promotion. En 2023, la
quatrième édition prend la forme de dix **masterclass** intégrées au Salon international
du développement accéléré du numérique (SIDAN) :

1. 45 jours de formation en ligne ;
2. deux jours d'atelier en présentiel ;
3. une semaine de travail en ligne, en groupes de parties prenantes — Gouvernement,
   Secteur privé, Société civile — sur les travaux pratiques.

Chaque groupe présente et défend son document lors de la cérémonie de clôture du SIDAN.
"""

ASSIGNMENT = """\
Les crises sociopolitiques se jouent de plus en plus sur Internet, lieu d'expression,
d'organisation et de mobilisation ; ailleurs, les plateformes servent aussi à la fraude
aux examens. Pour y répondre, des autorités **coupent ou restreignent l'accès à
Internet** : on l'a vu au Sénégal en 2023, et l'Algérie le fait lors du baccalauréat.

Ces coupures posent des questions qui dépassent la technique : droits fondamentaux,
accès à l'information, stabilité sociale. Elles obligent à concilier sécurité nationale
et droits humains.

**Consigne.** En tant que partie prenante de la gouvernance de l'Internet, et selon
votre groupe, prenez position sur chacune des questions et argumentez.

**Livrables :** un document détaillé et argumenté (Word) et une présentation
PowerPoint, soutenus lors de la cérémonie de clôture.
"""

QUESTIONS = (
    "Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des principes "
    "de gouvernance de l'Internet ?",
    "Quels sont les enjeux liés à ces coupures d'Internet ?",
    "Quelles sont les conséquences qui découlent de ces coupures d'Internet ?",
    "Comment pouvons-nous nous mettre à l'abri de ces coupures ?",
    "Devrions-nous entreprendre des actions et des initiatives face à ces actes ? "
    "Si oui lesquelles, si non pourquoi ?",
)

# Each group keeps the colour it always had in the demo (screenshots, exports).
GROUPS = (
    ("gouvernement", "Gouvernement", GroupKind.GOVERNMENT, "#1f5f8b"),
    ("secteur-prive", "Secteur privé", GroupKind.PRIVATE_SECTOR, "#b5651d"),
    ("societe-civile", "Société civile", GroupKind.CIVIL_SOCIETY, "#2e7d32"),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    group: str | None = None


ACCOUNTS = (
    DemoAccount("organisateur@demo.palabre", "Aminata Organisatrice", Role.ORGANIZER),
    DemoAccount("facilitateur@demo.palabre", "Moussa Facilitateur", Role.FACILITATOR),
    DemoAccount("gouvernement1@demo.palabre", "Fatoumata Diarra", Role.PARTICIPANT, "gouvernement"),
    DemoAccount("gouvernement2@demo.palabre", "Ibrahim Keïta", Role.PARTICIPANT, "gouvernement"),
    DemoAccount("prive1@demo.palabre", "Awa Traoré", Role.PARTICIPANT, "secteur-prive"),
    DemoAccount("prive2@demo.palabre", "Seydou Coulibaly", Role.PARTICIPANT, "secteur-prive"),
    DemoAccount("societe1@demo.palabre", "Mariam Sangaré", Role.PARTICIPANT, "societe-civile"),
    DemoAccount("societe2@demo.palabre", "Oumar Touré", Role.PARTICIPANT, "societe-civile"),
    DemoAccount("public@demo.palabre", "Public observateur", Role.OBSERVER),
)

# A paper's file: one ``<!-- key -->`` line opens each section (introduction, q1…, conclusion).
SECTION_MARK = re.compile(r"^<!-- (introduction|conclusion|q[1-9][0-9]*) -->$", re.MULTILINE)


def demo_paper(group_slug: str) -> dict[str, str]:
    """The demo paper of a group: section key → its Markdown (empty when it has no file)."""
    paper = files("app.workshops.demo_papers") / f"{group_slug}.md"
    if not paper.is_file():
        return {}
    parts = SECTION_MARK.split(paper.read_text(encoding="utf-8"))
    return {key: body.strip() for key, body in zip(parts[1::2], parts[2::2], strict=True)}


# Areas add their demo content (sources, arguments…) here: fn(edition, users_by_email).
DEMO_EXTENSIONS: list = []
# ... and the writers of the groups' papers (``app.deliberation.demo``, from ``demo_paper``),
# the same way: ``load_demo(papers=False)`` leaves the papers blank, as a school starts them.
DEMO_PAPERS: list = []
# ... and what is about the written papers (``app.review.demo``: comments on a passage),
# after every writer whatever the order the areas were imported in.
DEMO_ON_PAPERS: list = []


def load_demo(*, force: bool = False, papers: bool = True) -> Edition:
    """Create the demo edition, its papers written unless ``papers`` is false. Refuses when
    other editions exist, unless ``force``."""
    if db.session.scalar(select(Edition.id).where(Edition.slug == DEMO_SLUG)) is not None:
        raise Conflict(f"the demo edition {DEMO_SLUG!r} already exists")
    others = db.session.scalar(select(db.func.count(Edition.id)))
    if others and not force:
        raise Conflict(
            f"this database already holds {others} edition(s); "
            "load the demo there only with --force"
        )
    edition = services.create_edition(
        slug=DEMO_SLUG,
        title=DEMO_TITLE,
        creator=None,
        concept_note=CONCEPT_NOTE,
        assignment=ASSIGNMENT,
        language="fr",
    )
    for text in QUESTIONS:
        services.add_question(edition, text)
    groups = {
        slug: services.add_group(edition, name=name, kind=kind, slug=slug, colour=colour)
        for slug, name, kind, colour in GROUPS
    }
    users = {}
    for account in ACCOUNTS:
        user = accounts.find_user(account.email) or accounts.create_user(
            account.email,
            account.name,
            DEMO_PASSWORD,
            is_organizer=account.role == Role.ORGANIZER,
        )
        group = groups[account.group] if account.group else None
        services.set_membership(edition, user, account.role, group)
        users[account.email] = user
    # The school is in its writing phase when the demo opens.
    edition.current_phase = next(p for p in edition.phases if p.key == "redaction")
    for extend in (*DEMO_EXTENSIONS, *((*DEMO_PAPERS, *DEMO_ON_PAPERS) if papers else ())):
        extend(edition, users)
    db.session.flush()
    return edition
