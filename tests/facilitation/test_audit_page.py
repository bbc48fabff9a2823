"""The audit page people read: each main action in words, actors by name and group,
filters as links; the CSV keeps the raw fields."""

from __future__ import annotations

import csv
import html
import io
import re

from app.deliberation import arguments, moderation
from app.extensions import db
from app.facilitation import announcements, audit, locks, phases
from app.workshops import memberships
from app.workshops.services import membership_of
from tests.facilitation.conftest import group

ENGLISH = {"Accept-Language": "en"}


def _text(page: str) -> str:
    """The page's text: tags out, spaces collapsed (a no-break space too)."""
    page = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _audit_page(client, query: str = "") -> str:
    response = client.get(f"/editions/ecole-2024/audit{query}", headers=ENGLISH)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(page: str, action: str) -> str:
    """The text of the first row of ``action``."""
    found = re.search(
        rf'<tr class="[^"]*" data-action="{re.escape(action)}">(.*?)</tr>', page, re.S
    )
    assert found, f"no row for {action}"
    return _text(found.group(1))


def test_a_phase_change_reads_from_the_old_phase_to_the_new(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "phase.change")
    assert "Phase changed" in row
    assert "Phase: Rédaction → Débat" in row
    assert "{" not in row and "debat" not in row


def test_a_section_lock_says_which_section_and_that_it_is_locked(world, client_for):
    section = group(world.edition, "gouvernement").paper.sections[0]
    locks.set_lock(
        world.edition, world.facilitator, "section", section.id, locked=True, reason="relecture"
    )
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "section.lock")
    assert "Section locked" in row
    assert "Gouvernement · Introduction" in row
    assert "State: unlocked → locked" in row
    assert "relecture" in row


def test_a_member_moved_is_named_with_the_groups_names(world, client_for):
    membership = membership_of(world.participant, world.edition)
    memberships.move_member(membership, group(world.edition, "societe-civile"), world.organizer)
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "member.move")
    assert "Moved to another group" in row
    assert "Awa" in row  # the member, not a membership id
    assert "Group: Gouvernement → Société civile" in row
    assert "Oumou Organisatrice" in row  # who did it


def test_a_hidden_argument_shows_its_text_visibility_and_reason(world, client_for):
    question = world.edition.questions[0]
    claim = arguments.add_argument(
        world.edition,
        world.participant,
        question=question,
        kind="claim",
        text="Les coupures sont illégales.",
    )
    db.session.commit()
    moderation.hide(claim, world.facilitator, "hors sujet")
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "argument.hide")
    assert "Argument hidden" in row
    assert f"Argument no. {claim.id}" in row and "Les coupures sont illégales." in row
    assert "Visibility: visible → hidden" in row
    assert "hors sujet" in row


def test_an_announcement_shows_to_whom_and_its_message(world, client_for):
    announcements.send_announcement(
        world.edition, world.facilitator, "Plénière à 18 h", group(world.edition, "gouvernement")
    )
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "announcement.send")
    assert "Announcement sent" in row
    assert "To: Gouvernement" in row
    assert "Message: Plénière à 18 h" in row


def test_the_actor_is_shown_with_their_group_or_role(world, client_for):
    section = group(world.edition, "gouvernement").paper.sections[0]
    locks.set_lock(world.edition, world.facilitator, "section", section.id, locked=True)
    db.session.commit()
    audit.record_refusal(
        world.edition, world.participant, section, reason="/collab sync", after={"event": "x"}
    )
    db.session.commit()
    page = _audit_page(client_for(world.organizer))
    assert "Fatou Facilitator" in _row(page, "section.lock")
    refused = _row(page, "forbidden.attempt")
    assert "Awa Gouvernement" in refused  # the group's badge beside the name
    assert "Request: /collab sync" in refused


def test_no_raw_code_or_json_is_shown_in_the_table(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    phase = world.edition.current_phase
    phases.update_phase(
        phase,
        world.facilitator,
        name="Débat ouvert",
        write_own_paper=False,
        read_other_papers=True,
        debate_mode="readonly",
        papers_locked=False,
    )
    locks.set_lock(world.edition, world.facilitator, "all", None, locked=True)
    db.session.commit()
    page = _audit_page(client_for(world.organizer))
    table = _text(page[page.index("<table") : page.index("</table>")])
    assert "{" not in table and '":' not in table
    assert "phase.update" not in table and "papers.lock" not in table
    update = _row(page, "phase.update")
    assert "Name: Débat → Débat ouvert" in update
    assert "Groups write their own paper: yes → no" in update
    assert "Debate: open → read-only" in update
    assert "Gouvernement: unlocked → locked" in _row(page, "papers.lock")


def test_an_unknown_key_is_shown_in_words(world, client_for):
    audit.record_audit(
        world.edition, world.facilitator, "phase.update", None, after={"new_flag": [1, True]}
    )
    db.session.commit()
    row = _row(_audit_page(client_for(world.organizer)), "phase.update")
    assert "New flag: 1, yes" in row


def test_the_family_chip_keeps_the_other_filters(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    announcements.send_announcement(world.edition, world.organizer, "Bonjour")
    db.session.commit()
    client = client_for(world.organizer)
    page = _audit_page(client, f"?actor={world.organizer.id}")
    chip = re.search(r'<a class="chip" href="([^"]+)">Announcements</a>', page)
    assert chip, "an Announcements chip"
    url = html.unescape(chip.group(1))
    assert "family=announcements" in url and f"actor={world.organizer.id}" in url
    filtered = _audit_page(client, url[url.index("?") :])
    assert 'data-action="announcement.send"' in filtered
    assert 'data-action="phase.change"' not in filtered
    assert 'class="chip active" href' in filtered


def test_the_group_filter_keeps_what_its_members_did(world, client_for):
    section = group(world.edition, "gouvernement").paper.sections[0]
    audit.record_refusal(world.edition, world.participant, section, reason="a", after=None)
    audit.record_refusal(world.edition, world.other, section, reason="b", after=None)
    db.session.commit()
    page = _audit_page(client_for(world.organizer), "?group=gouvernement")
    assert page.count('data-action="forbidden.attempt"') == 1
    assert "Awa" in _row(page, "forbidden.attempt")


def test_a_period_chip_shows_today(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    db.session.commit()
    client = client_for(world.organizer)
    assert 'data-action="phase.change"' in _audit_page(client, "?period=today")
    assert 'data-action="phase.change"' not in _audit_page(
        client, "?from-day=1&from-month=1&from-year=2099"
    )


def test_a_date_filter_in_the_wrong_order_is_a_clear_error(world, client_for):
    response = client_for(world.organizer).get(
        "/editions/ecole-2024/audit?from-day=31&from-month=2&from-year=2025", headers=ENGLISH
    )
    assert response.status_code == 400
    assert "This date does not exist: 31 February 2025." in response.get_data(as_text=True)


def test_the_csv_keeps_the_raw_codes_json_and_utc_times(world, client_for):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    db.session.commit()
    entry = audit.audit_entries(world.edition, action="phase.change")[0]
    body = client_for(world.organizer).get("/editions/ecole-2024/audit.csv?family=phases")
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["action"] for row in rows] == ["phase.change"]
    assert rows[0]["when"] == entry.created_at.isoformat() and rows[0]["when"].endswith("+00:00")
    assert rows[0]["before"] == '{"phase": "redaction"}'
    assert rows[0]["after"] == '{"phase": "debat"}'
    assert rows[0]["actor_email"] == "fa@example.org"


def test_every_audit_code_of_a_busy_log_renders(world, client_for):
    """A log with one entry of each kind renders (no template error on any code)."""
    section = group(world.edition, "gouvernement").paper.sections[0]
    locks.set_lock(world.edition, world.facilitator, "section", section.id, locked=True)
    locks.set_lock(world.edition, world.facilitator, "paper", section.paper_id, locked=True)
    phases.add_phase(world.edition, world.facilitator, key="bilan", name="Bilan")
    db.session.commit()
    phase = next(p for p in world.edition.phases if p.key == "bilan")
    phases.move_phase(phase, -1, world.facilitator)
    phases.delete_phase(phase, world.facilitator)
    memberships.remove_member(membership_of(world.teammate, world.edition), world.organizer)
    db.session.commit()
    page = _audit_page(client_for(world.organizer))
    for code in ("phase.add", "phase.move", "phase.delete", "member.remove", "paper.lock"):
        assert f'data-action="{code}"' in page
    assert "Removed from the edition" in _row(page, "member.remove")
    assert "Role: Participant" in _row(page, "member.remove")
