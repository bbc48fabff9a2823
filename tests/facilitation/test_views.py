"""The facilitation pages: they render, and their forms call the services."""

from __future__ import annotations

import csv
import io

from app.extensions import db
from app.facilitation import announcements, audit, locks, phases, settings
from tests.facilitation.conftest import audit_actions, group


def test_every_facilitation_page_renders_for_a_facilitator(world, client_for):
    client = client_for(world.facilitator)
    for path in ("facilitation", "announcements", "audit", "dashboard", "dashboard/fragment"):
        response = client.get(f"/editions/ecole-2024/{path}")
        assert response.status_code == 200, path


def test_edition_pages_load_the_live_client(world, client_for):
    page = client_for(world.participant).get("/editions/ecole-2024").get_data(as_text=True)
    assert 'id="live-root" hidden data-edition="ecole-2024"' in page
    assert "dist/live-" in page  # its hashed name (app/pwa/assets.py)


def test_pages_outside_an_edition_do_not_load_the_live_client(world, client_for):
    assert "dist/live-" not in client_for(world.participant).get("/").get_data(as_text=True)


def test_the_phase_form_changes_the_phase(world, client_for):
    response = client_for(world.facilitator).post(
        "/editions/ecole-2024/facilitation/phase", data={"phase": "debat"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert world.edition.current_phase.key == "debat"


def test_a_deadline_in_the_past_is_refused_with_a_message(world, client_for):
    client = client_for(world.facilitator)
    phase = world.edition.current_phase
    client.post(
        f"/editions/ecole-2024/facilitation/phases/{phase.id}",
        data={"operation": "deadline", "deadline": "2020-01-01T10:00"},
    )
    page = client.get("/editions/ecole-2024/facilitation").get_data(as_text=True)
    assert "L’échéance est dans le passé." in page
    db.session.expire_all()
    assert world.edition.current_phase.deadline is None


def test_the_lock_form_locks_a_paper(world, client_for):
    paper = group(world.edition, "gouvernement").paper
    client_for(world.facilitator).post(
        "/editions/ecole-2024/facilitation/locks",
        data={"scope": "paper", "target": paper.id, "locked": "1", "reason": "échéance"},
    )
    db.session.expire_all()
    assert paper.locked
    assert audit.audit_entries(world.edition, action="paper.lock")[0].reason == "échéance"


def test_an_announcement_is_sent_and_listed_unread_then_read(world, client_for):
    client_for(world.facilitator).post(
        "/editions/ecole-2024/announcements", data={"body": "Rendez-vous à 18 h", "group": ""}
    )
    client = client_for(world.participant)
    first = client.get("/editions/ecole-2024/announcements").get_data(as_text=True)
    assert "Rendez-vous à 18 h" in first and 'class="announcement unread"' in first
    second = client.get("/editions/ecole-2024/announcements").get_data(as_text=True)
    assert 'class="announcement unread"' not in second


def test_a_participant_cannot_send_an_announcement(world, client_for):
    response = client_for(world.participant).post(
        "/editions/ecole-2024/announcements", data={"body": "Je suis le chef"}
    )
    assert response.status_code == 403
    assert announcements.announcements_for(world.organizer, world.edition) == []


def test_the_audit_page_filters_and_the_csv_downloads(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    announcements.send_announcement(world.edition, world.organizer, "=1+1")
    db.session.commit()
    client = client_for(world.organizer)
    page = client.get("/editions/ecole-2024/audit?action=phase.change").get_data(as_text=True)
    assert "phase.change" in page and "announcement-send" not in page
    response = client.get(f"/editions/ecole-2024/audit.csv?actor={world.organizer.id}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert "announcement.send" in body and "phase.change" not in body
    cells = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_a_bad_date_filter_is_a_clear_error(world, client_for):
    response = client_for(world.organizer).get("/editions/ecole-2024/audit?from=yesterday")
    assert response.status_code == 400


def test_the_dashboard_target_form_saves(world, client_for):
    client_for(world.facilitator).post(
        "/editions/ecole-2024/dashboard/target", data={"target_words": "450"}
    )
    assert settings.settings_of(world.edition).target_words == 450


def test_the_dashboard_draws_svg_charts(world, client_for):
    page = (
        client_for(world.facilitator).get("/editions/ecole-2024/dashboard").get_data(as_text=True)
    )
    assert page.count('<svg class="chart"') >= 2
    assert "Gouvernement" in page


def test_an_organizer_moves_then_removes_a_member(world, client_for):
    from app.workshops.services import membership_of

    membership = membership_of(world.participant, world.edition)
    client = client_for(world.organizer)
    assert client.get("/editions/ecole-2024/members").status_code == 200
    client.post(
        f"/editions/ecole-2024/members/{membership.id}",
        data={"operation": "move", "group": "societe-civile"},
    )
    client.post(f"/editions/ecole-2024/members/{membership.id}", data={"operation": "remove"})
    assert membership_of(world.participant, world.edition) is None
    assert audit_actions(world.edition)[-2:] == ["member.move", "member.remove"]
    assert client_for(world.participant).get("/editions/ecole-2024").status_code == 403


def test_an_organizer_changes_a_role_from_the_members_page(world, client_for):
    from app.workshops.services import membership_of

    membership = membership_of(world.observer, world.edition)
    client = client_for(world.organizer)
    url = f"/editions/ecole-2024/members/{membership.id}/role"
    assert url in client.get("/editions/ecole-2024/members").get_data(as_text=True)
    response = client.post(url, data={"role": "participant", "group": "societe-civile"})
    assert response.status_code == 303
    membership = membership_of(world.observer, world.edition)
    assert (membership.role, membership.group.slug) == ("participant", "societe-civile")
    assert audit_actions(world.edition)[-1] == "member.role"
    client.post(url, data={"role": "organizer"})
    assert membership_of(world.observer, world.edition).role == "participant"


def test_the_schedule_form_locks_one_section_at_a_time(world, client_for):
    section = group(world.edition, "societe-civile").paper.sections[1]
    client_for(world.facilitator).post(
        "/editions/ecole-2024/facilitation/schedules",
        data={"what": f"section:{section.id}", "at": "2099-05-31T18:00"},
    )
    (scheduled,) = locks.pending_schedules(world.edition)
    assert (scheduled.scope, scheduled.section_id) == ("section", section.id)
    assert scheduled.at.year == 2099
    page = client_for(world.facilitator).get("/editions/ecole-2024/facilitation")
    assert f"Société civile · {section.key}" in page.get_data(as_text=True)


def test_a_malformed_schedule_target_is_refused(world, client_for):
    client_for(world.facilitator).post(
        "/editions/ecole-2024/facilitation/schedules", data={"what": "section:abc"}
    )
    assert locks.pending_schedules(world.edition) == []
