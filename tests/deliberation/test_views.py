import re

from app.core.transactions import commit
from app.deliberation.arguments import add_argument
from app.deliberation.moderation import hide
from app.deliberation.sources import add_source, sources
from app.workshops.models import DebateMode

Q1 = "/editions/malisig-2023/debate/q1"


def _post_claim(client, text):
    return client.post(f"{Q1}/arguments", data={"kind": "claim", "text": text})


def test_a_participant_publishes_a_thesis(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    response = _post_claim(client, "Le secteur privé perd des revenus.")
    assert response.status_code == 302
    assert "Le secteur privé perd des revenus." in client.get(Q1).get_data(as_text=True)


def test_hostile_text_is_made_harmless(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    _post_claim(
        client, "<script>alert(1)</script><img src=x onerror=alert(2)> [clic](javascript:alert(3))"
    )
    page = client.get(Q1).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert not re.search(r'href="javascript:', page)


def test_an_observer_reads_but_cannot_write(demo, client_for):
    client = client_for(demo.users["public@demo.palabre"])
    assert client.get(Q1).status_code == 200
    assert _post_claim(client, "Texte").status_code == 403


def test_a_stranger_cannot_read_the_debate(demo, client_for, create_user):
    assert client_for(create_user()).get(Q1).status_code == 403


def test_the_debate_is_read_only_when_the_phase_says_so(demo, client_for):
    demo.current_phase.debate_mode = DebateMode.READONLY
    commit()
    client = client_for(demo.users["prive1@demo.palabre"])
    assert _post_claim(client, "Texte").status_code == 403


def test_a_hidden_debate_is_closed_to_participants_but_not_to_facilitators(demo, client_for):
    demo.current_phase.debate_mode = DebateMode.HIDDEN
    commit()
    assert client_for(demo.users["prive1@demo.palabre"]).get(Q1).status_code == 403
    assert client_for(demo.users["facilitateur@demo.palabre"]).get(Q1).status_code == 200


def test_a_participant_cannot_moderate(demo, client_for, claim):
    client = client_for(demo.users["prive1@demo.palabre"])
    response = client.post(
        f"/editions/malisig-2023/arguments/{claim.id}/moderate",
        data={"operation": "hide", "reason": "je n'aime pas"},
    )
    assert response.status_code == 403
    assert claim.hidden is False


def test_the_author_sees_why_their_argument_was_hidden(demo, client_for, claim):
    moderator = client_for(demo.users["facilitateur@demo.palabre"])
    moderator.post(
        f"/editions/malisig-2023/arguments/{claim.id}/moderate",
        data={"operation": "hide", "reason": "attaque personnelle"},
    )
    author_page = (
        client_for(demo.users["gouvernement1@demo.palabre"]).get(Q1).get_data(as_text=True)
    )
    other_page = client_for(demo.users["prive1@demo.palabre"]).get(Q1).get_data(as_text=True)
    assert "attaque personnelle" in author_page
    assert "attaque personnelle" not in other_page
    assert "masqué par la modération" in other_page


def test_a_reply_to_a_missing_argument_is_a_404(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    response = client.post(
        f"{Q1}/arguments", data={"kind": "support", "parent": 99999, "text": "Texte"}
    )
    assert response.status_code == 404


def test_the_map_draws_every_argument(demo, client_for, claim, reply):
    page = client_for(demo.users["prive1@demo.palabre"]).get(f"{Q1}/map").get_data(as_text=True)
    assert f'data-argument="{claim.id}"' in page
    assert f'data-argument="{reply.id}"' in page


def test_a_member_adds_a_source_to_the_library(demo, client_for):
    client = client_for(demo.users["societe1@demo.palabre"])
    client.post(
        "/editions/malisig-2023/library",
        data={"title": "Rapport Access Now", "author": "Access Now", "year": "2023"},
    )
    assert "Rapport Access Now" in client.get("/editions/malisig-2023/library").get_data(
        as_text=True
    )


def test_a_participant_reports_and_the_report_reaches_the_queue(demo, client_for, claim):
    client_for(demo.users["prive1@demo.palabre"]).post(
        f"/editions/malisig-2023/arguments/{claim.id}/report", data={"reason": "hors sujet"}
    )
    queue = client_for(demo.users["facilitateur@demo.palabre"]).get(
        "/editions/malisig-2023/moderation"
    )
    assert "hors sujet" in queue.get_data(as_text=True)


ARGS = "/editions/malisig-2023/arguments"


def test_a_forged_moderation_form_is_refused_and_logged(demo, client_for, claim):
    from sqlalchemy import select

    from app.extensions import db
    from app.facilitation.models import AuditEntry

    forger = demo.users["prive1@demo.palabre"]
    response = client_for(forger).post(
        f"{ARGS}/{claim.id}/moderate", data={"operation": "merge", "into": "1"}
    )
    assert response.status_code == 403
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "forbidden.attempt")
    ).all()
    assert (entry.actor_id, entry.target_id, entry.after) == (
        forger.id,
        claim.id,
        {"operation": "merge"},
    )


def test_an_unknown_moderation_operation_is_a_400(demo, client_for, claim):
    client = client_for(demo.users["facilitateur@demo.palabre"])
    assert client.post(f"{ARGS}/{claim.id}/moderate", data={"operation": "nuke"}).status_code == 400


def test_merging_through_the_form_moves_the_replies(demo, client_for, claim, reply, users):
    duplicate = add_argument(
        demo, users["prive1@demo.palabre"], question=demo.questions[0], kind="claim", text="Bis"
    )
    commit()
    client_for(users["facilitateur@demo.palabre"]).post(
        f"{ARGS}/{duplicate.id}/moderate",
        data={"operation": "merge", "into": str(claim.id), "reason": "doublon"},
    )
    assert duplicate.merged_into_id == claim.id


def test_the_fragment_of_a_hidden_argument_shows_others_a_placeholder(demo, client_for, claim):
    hide(claim, demo.users["facilitateur@demo.palabre"], "propos blessants")
    commit()
    other = client_for(demo.users["prive1@demo.palabre"]).get(f"{ARGS}/{claim.id}")
    author = client_for(demo.users["gouvernement1@demo.palabre"]).get(f"{ARGS}/{claim.id}")
    assert other.status_code == 200 and "légale" not in other.get_data(as_text=True)
    assert "propos blessants" in author.get_data(as_text=True)


def test_the_fragment_of_another_editions_argument_is_a_404(demo, client_for, create_edition):
    create_edition("autre")
    argument = add_argument(
        demo,
        demo.users["prive1@demo.palabre"],
        question=demo.questions[0],
        kind="claim",
        text="Ici.",
    )
    commit()
    client = client_for(demo.users["prive1@demo.palabre"])
    assert client.get(f"/editions/autre/arguments/{argument.id}").status_code in (403, 404)


def test_an_edit_keeps_a_history_anyone_may_read(demo, client_for, claim):
    author = client_for(demo.users["gouvernement1@demo.palabre"])
    author.post(f"{ARGS}/{claim.id}/edit", data={"text": "Texte corrigé."})
    history = client_for(demo.users["prive1@demo.palabre"]).get(f"{ARGS}/{claim.id}/history")
    page = history.get_data(as_text=True)
    assert "Texte corrigé." in page and "légale" in page


def test_a_late_edit_is_refused(demo, client_for, claim):
    from datetime import timedelta

    claim.created_at = claim.created_at - timedelta(hours=1)
    commit()
    author = client_for(demo.users["gouvernement1@demo.palabre"])
    assert author.post(f"{ARGS}/{claim.id}/edit", data={"text": "Trop tard."}).status_code == 403


def test_a_twenty_thousand_character_argument_is_refused_with_a_message(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    _post_claim(client, "x" * 20_000)
    page = client.get(Q1).get_data(as_text=True)
    assert "5000" in page.replace("\u202f", "").replace(" ", "") and "x" * 100 not in page


def test_a_citation_of_another_editions_source_is_refused(demo, client_for, create_edition):
    foreign = add_source(create_edition("autre"), None, title="Ailleurs")
    commit()
    client = client_for(demo.users["prive1@demo.palabre"])
    client.post(
        f"{Q1}/arguments", data={"kind": "claim", "text": "Source volée", "source": foreign.id}
    )
    assert "Source volée" not in client.get(Q1).get_data(as_text=True)


def test_the_map_svg_is_served_alone(demo, client_for, claim):
    response = client_for(demo.users["prive1@demo.palabre"]).get(f"{Q1}/map.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")


def test_hostile_text_is_escaped_in_the_map(demo, client_for):
    client = client_for(demo.users["prive1@demo.palabre"])
    _post_claim(client, '<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    page = client.get(f"{Q1}/map").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_a_source_page_lists_the_arguments_citing_it(demo, client_for):
    source = sources(demo)[0]
    page = client_for(demo.users["public@demo.palabre"]).get(
        f"/editions/malisig-2023/library/{source.id}"
    )
    assert page.status_code == 200 and "Q" in page.get_data(as_text=True)


def test_an_uploaded_source_file_is_kept_and_a_wrong_type_refused(demo, client_for):
    import io

    client = client_for(demo.users["societe1@demo.palabre"])
    client.post(
        "/editions/malisig-2023/library",
        data={"title": "Compte rendu", "file": (io.BytesIO(b"notes"), "compte-rendu.txt")},
        content_type="multipart/form-data",
    )
    client.post(
        "/editions/malisig-2023/library",
        data={"title": "Programme", "file": (io.BytesIO(b"MZ\x90"), "programme.exe")},
        content_type="multipart/form-data",
    )
    page = client.get("/editions/malisig-2023/library").get_data(as_text=True)
    assert "Compte rendu" in page and "Programme" not in page


def test_the_edition_menu_links_the_debate_and_the_library(demo, client_for):
    page = client_for(demo.users["public@demo.palabre"]).get("/editions/malisig-2023")
    text = page.get_data(as_text=True)
    assert "/editions/malisig-2023/debate" in text and "/editions/malisig-2023/library" in text


def test_the_moderation_link_is_for_the_staff_only(demo, client_for):
    staff = client_for(demo.users["facilitateur@demo.palabre"]).get(Q1).get_data(as_text=True)
    member = client_for(demo.users["prive1@demo.palabre"]).get(Q1).get_data(as_text=True)
    assert "/editions/malisig-2023/moderation" in staff
    assert "/editions/malisig-2023/moderation" not in member


def test_filters_by_kind_keep_matching_replies(demo, client_for, claim, reply):
    page = client_for(demo.users["prive1@demo.palabre"]).get(f"{Q1}?kind=oppose")
    text = page.get_data(as_text=True)
    assert f'id="a{reply.id}"' in text and f'id="a{claim.id}"' in text
