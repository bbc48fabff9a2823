import re

from app.extensions import db
from app.workshops.models import Edition


def test_a_participant_sees_the_edition_home(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    page = client.get("/editions/malisig-2023").get_data(as_text=True)
    assert "MaliSIG 2023" in page
    assert "Quels sont les enjeux liés à ces coupures" in page


def test_a_participant_sees_the_outline_of_their_group_paper(demo, client_for):
    client = client_for(demo.users["gouvernement1@demo.palabre"])
    page = client.get("/editions/malisig-2023/groups/gouvernement").get_data(as_text=True)
    keys = re.findall(r'data-section-key="([^"]+)"', page)
    assert keys == ["introduction", "q1", "q2", "q3", "q4", "q5", "conclusion"]


def test_my_editions_lists_only_mine(demo, create_edition, create_user, add_member, client_for):
    other = create_edition("autre-ecole")
    user = add_member(other, "observer")
    page = client_for(user).get("/").get_data(as_text=True)
    assert "autre-ecole" in page
    assert "malisig-2023" not in page


def test_a_non_member_gets_a_403_page(demo, create_user, client_for):
    response = client_for(create_user()).get("/editions/malisig-2023")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_an_unknown_edition_is_a_404(demo, client_for):
    response = client_for(demo.users["prive1@demo.palabre"]).get("/editions/nope")
    assert response.status_code == 404


def test_a_participant_cannot_open_the_organizer_pages(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    assert client.get("/editions/malisig-2023/manage/invitations").status_code == 403


def test_an_organizer_creates_an_edition(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    response = client.post(
        "/editions/new",
        data={"title": "MaliSIG 2024", "slug": "malisig-2024", "language": "fr"},
    )
    assert response.status_code == 302
    assert db.session.query(Edition).filter_by(slug="malisig-2024").one().title == "MaliSIG 2024"


def test_a_new_edition_form_with_missing_fields_is_shown_again(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    response = client.post("/editions/new", data={"title": ""})
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)


def test_an_organizer_adds_a_question_and_every_paper_gets_its_section(demo, client_for):
    client = client_for(demo.users["organisateur@demo.palabre"])
    client.post("/editions/malisig-2023/manage/questions", data={"text": "Une sixième ?"})
    group_page = client.get("/editions/malisig-2023/groups/societe-civile").get_data(as_text=True)
    assert 'data-section-key="q6"' in group_page


def test_an_organizer_gets_an_invitation_link_that_signs_a_person_up(app, demo, client_for):
    organizer = client_for(demo.users["organisateur@demo.palabre"])
    page = organizer.post(
        "/editions/malisig-2023/manage/invitations",
        data={"role": "participant", "group": "societe-civile", "valid_days": 7, "max_uses": 1},
    ).get_data(as_text=True)
    link = re.search(r"http://localhost(/invitation/[\w-]+)", page).group(1)
    newcomer = app.test_client()
    response = newcomer.post(
        link,
        data={
            "name": "Kadiatou",
            "email": "kadiatou@example.org",
            "password": "un mot de passe",
            "confirm": "un mot de passe",
        },
    )
    assert response.status_code == 302
    group_page = newcomer.get("/editions/malisig-2023/groups/societe-civile")
    assert "Kadiatou" in group_page.get_data(as_text=True)


def test_a_reused_invitation_link_says_it_was_used(app, demo, create_user):
    from app.workshops.services import create_invitation, find_invitation, redeem_invitation

    _invitation, token = create_invitation(demo, role="observer")
    redeem_invitation(find_invitation(token), create_user())
    db.session.commit()
    response = app.test_client().get(f"/invitation/{token}")
    assert response.status_code == 409
    assert "déjà été utilisée" in response.get_data(as_text=True)


def test_an_unknown_invitation_link_says_it_is_not_valid(app, demo):
    response = app.test_client().get("/invitation/not-a-token")
    assert response.status_code == 404
    assert "pas valide" in response.get_data(as_text=True)
