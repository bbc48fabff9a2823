"""Group colours: a palette of distinct colours that white text reads on, given in order to
new groups, shown by the groups form and checked by the server."""

from __future__ import annotations

import re

import pytest

from app.core.errors import BadInput
from app.extensions import db
from app.workshops import colours, services
from app.workshops.demo import GROUPS


def _luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of #rrggbb."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


@pytest.mark.parametrize("colour", services.GROUP_PALETTE)
def test_white_text_reads_on_every_colour_of_the_palette(colour):
    assert _contrast_with_white(colour) >= 4.5


def test_the_colour_difference_of_black_and_white_is_100():
    assert colours.difference("#000000", "#ffffff") == pytest.approx(100, abs=0.01)


def test_the_palette_colours_are_distinct():
    # CIE76 colour difference: above 20, two badges side by side never look alike.
    palette = services.GROUP_PALETTE
    for index, one in enumerate(palette):
        for other in palette[index + 1 :]:
            assert colours.difference(one, other) > 20


def test_new_groups_take_the_palette_in_order(app):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    colours = [
        services.add_group(edition, name=f"Groupe {n}", kind="other").colour for n in range(3)
    ]
    assert colours == list(services.GROUP_PALETTE[:3])


def test_a_new_group_takes_the_first_colour_no_group_has(app):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    services.add_group(edition, name="Un", kind="other", colour=services.GROUP_PALETTE[0])
    services.add_group(edition, name="Deux", kind="other", colour=services.GROUP_PALETTE[2])
    assert (
        services.add_group(edition, name="Trois", kind="other").colour
        == (services.GROUP_PALETTE[1])
    )


def test_once_every_colour_is_taken_the_least_used_comes_next(app):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    for n in range(len(services.GROUP_PALETTE) + 1):
        services.add_group(edition, name=f"Groupe {n}", kind="other")
    assert services.next_colour(edition) == services.GROUP_PALETTE[1]


@pytest.mark.parametrize("colour", ["black", "#12345", "#1234567", "1f5f8b", "#gggggg", " "])
def test_a_colour_not_written_rrggbb_is_refused_with_the_expected_form(app, colour):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    group = services.add_group(edition, name="Presse", kind="other")
    with pytest.raises(BadInput, match="#rrggbb"):
        services.update_group(group, name="Presse", kind="other", colour=colour)


def test_a_colour_is_stored_in_lowercase(app):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    assert services.add_group(edition, name="Presse", kind="other", colour="#1F5F8B").colour == (
        "#1f5f8b"
    )


def test_a_colour_close_to_one_a_group_has_counts_as_taken(app):
    edition = services.create_edition(slug="sig", title="SIG", creator=None)
    services.add_group(edition, name="Un", kind="other")
    services.add_group(edition, name="Deux", kind="other", colour="#b5651d")  # near the ochre
    assert services.next_colour(edition) == services.GROUP_PALETTE[2]


def test_the_demo_edition_offers_a_colour_unlike_its_groups(demo):
    assert services.next_colour(demo) == services.GROUP_PALETTE[3]


def test_the_demo_groups_keep_their_colours(demo):
    assert {g.slug: g.colour for g in demo.groups} == {slug: c for slug, _n, _k, c in GROUPS}
    assert {g.colour for g in demo.groups} == {"#1f5f8b", "#b5651d", "#2e7d32"}


def _organizer_client(client_for, create_edition, create_user):
    organizer = create_user(organizer=True)
    edition = create_edition(creator=organizer)
    return client_for(organizer), edition


def test_the_add_form_starts_at_the_colour_the_group_will_get(
    client_for, create_edition, create_user
):
    client, edition = _organizer_client(client_for, create_edition, create_user)
    page = client.get("/editions/ecole-2024/manage/groups").get_data(as_text=True)
    (field,) = re.findall(r'<input[^>]*name="colour"[^>]*type="color"[^>]*>', page) or re.findall(
        r'<input[^>]*type="color"[^>]*name="colour"[^>]*id="colour"[^>]*>', page
    )
    assert f'value="{services.next_colour(edition)}"' in field
    assert services.next_colour(edition) == services.GROUP_PALETTE[2]  # two groups exist


def test_every_colour_input_of_the_groups_page_has_a_colour(
    client_for, create_edition, create_user
):
    client, _edition = _organizer_client(client_for, create_edition, create_user)
    page = client.get("/editions/ecole-2024/manage/groups").get_data(as_text=True)
    inputs = re.findall(r'<input[^>]*type="color"[^>]*>', page)
    assert len(inputs) == 3  # two groups and the new one
    assert all(re.search(r'value="#[0-9a-f]{6}"', tag) for tag in inputs)


def test_adding_a_group_without_a_colour_gives_it_the_next_one(
    client_for, create_edition, create_user
):
    client, edition = _organizer_client(client_for, create_edition, create_user)
    response = client.post(
        "/editions/ecole-2024/manage/groups",
        data={"name": "Communauté technique", "kind": "technical_community", "colour": ""},
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert services.get_group(edition, "communaute-technique").colour == (services.GROUP_PALETTE[2])


def test_a_bad_colour_in_the_add_form_is_a_clear_error(client_for, create_edition, create_user):
    client, edition = _organizer_client(client_for, create_edition, create_user)
    response = client.post(
        "/editions/ecole-2024/manage/groups",
        data={"name": "Presse", "kind": "other", "colour": "noir"},
    )
    assert response.status_code == 400
    assert "#rrggbb" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [g.slug for g in edition.groups] == ["gouvernement", "societe-civile"]


def test_a_bad_colour_in_the_edit_form_is_flashed_and_changes_nothing(
    client_for, create_edition, create_user
):
    client, edition = _organizer_client(client_for, create_edition, create_user)
    response = client.post(
        "/editions/ecole-2024/manage/groups/gouvernement",
        data={"name": "Gouvernement", "kind": "government", "colour": "#12"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error" role="alert"' in page
    assert "#rrggbb" in page
    db.session.expire_all()
    assert services.get_group(edition, "gouvernement").colour == services.GROUP_PALETTE[0]
