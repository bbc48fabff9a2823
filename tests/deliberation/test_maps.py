"""The map's drawing (``maps``): node text is the Markdown's words without its markup, and
both layouts keep the nodes apart, in thread order."""

import xml.etree.ElementTree as ET

import pytest

from app.deliberation import maps, threads

SVG = "{http://www.w3.org/2000/svg}"
Q1 = "/editions/malisig-2023/debate/q1"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (
            "Une coupure **légale** et *limitée*, ~~jamais~~ `totale`",
            "Une coupure légale et limitée, jamais totale",
        ),
        ("Voir [le rapport](https://example.org) de l'ISOC", "Voir le rapport de l'ISOC"),
        ("Un coût[^1] chiffré.\n\n[^1]: Internet Society, 2022.", "Un coût chiffré."),
        ("Une note en ligne^[pas sur la carte] ici", "Une note en ligne ici"),
        ("# Titre\n\n- un\n- deux\n\n> cité", "Titre un deux cité"),
        ("<b>brut</b> & <script>", "<b>brut</b> & <script>"),
    ],
)
def test_plain_text_keeps_the_words_and_drops_the_markup(app, text, plain):
    assert maps.plain_text(text) == plain


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis(app):
    text = maps.plain_text("mot " * 200, limit=50)
    assert text.endswith("mot…") and len(text) <= 51


def _drawn(demo, user):
    question = demo.questions[0]
    roots = threads.thread(question, user)
    svg = maps.render(roots, {g.id: g for g in demo.groups}, Q1)
    return roots, ET.fromstring(str(svg))  # noqa: S314 - our own output


def _cards(svg, layout):
    """(argument id, x, y, width, height) of each node where ``layout`` places it."""
    key = layout[0]
    cards = []
    for a in svg.iter(f"{SVG}a"):
        place = dict(
            item.split(":") for item in a.find(f"{SVG}g").get("style").replace("px", "").split(";")
        )
        rect = a.find(f"{SVG}g/{SVG}rect[@class='map-card']")
        cards.append(
            (
                a.get("data-argument"),
                float(place[f"--{key}x"]),
                float(place[f"--{key}y"]),
                float(rect.get("width")),
                float(rect.get("height")),
            )
        )
    return cards


@pytest.mark.parametrize("layout", ["wide", "narrow"])
def test_no_two_nodes_overlap(demo, layout):
    _roots, svg = _drawn(demo, demo.users["prive1@demo.palabre"])
    layer = svg.find(f".//{SVG}g[@data-layout='{layout}']")
    cards = _cards(svg, layout)
    assert len(cards) >= 5
    for i, (_, x, y, w, h) in enumerate(cards):
        assert x + w <= float(layer.get("data-width")) + 0.5
        assert y + h <= float(layer.get("data-height")) + 0.5
        for _, x2, y2, w2, h2 in cards[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_nodes_come_in_thread_order(demo):
    roots, svg = _drawn(demo, demo.users["prive1@demo.palabre"])
    expected = [str(node.argument.id) for root in roots for node in root.walk()]
    assert [card[0] for card in _cards(svg, "wide")] == expected


def test_the_map_page_shows_node_text_without_markdown(demo, client_for, claim):
    page = client_for(demo.users["prive1@demo.palabre"]).get(f"{Q1}/map").get_data(as_text=True)
    assert "La coupure est légale si une loi la prévoit." in page
    assert "**légale**" not in page


def test_a_node_says_its_kind_in_words(demo, client_for, claim, reply):
    page = client_for(demo.users["prive1@demo.palabre"]).get(f"{Q1}/map").get_data(as_text=True)
    node = page.split(f'data-argument="{reply.id}"', 1)[1].split("</a>", 1)[0]
    assert "Contre" in node and "Société civile" in node
