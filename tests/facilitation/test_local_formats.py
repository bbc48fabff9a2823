"""Dates, times and numbers as each language writes them, in the school's time zone:
the audit log's times, the deadline form (day, month, year in the page's order), the
dashboard's figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.facilitation.models import AuditEntry

# Three hours behind UTC all year (no daylight saving since 2019): a UTC time shown as is
# would be seen at once, which Bamako (UTC+0), the default, would hide.
ZONE = "America/Sao_Paulo"
ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}


@pytest.fixture(autouse=True)
def school_zone(monkeypatch):
    """Before ``app`` (autouse fixtures come first): the app reads it at creation."""
    monkeypatch.setenv("PALABRE_TIMEZONE", ZONE)


def _entry_at(world, moment: datetime) -> None:
    db.session.add(
        AuditEntry(
            edition_id=world.edition.id,
            actor_id=world.facilitator.id,
            action="phase.change",
            target_type="phase",
            target_id=world.edition.current_phase_id,
            before={"phase": "redaction"},
            after={"phase": "debat"},
            created_at=moment,
        )
    )
    db.session.commit()


def test_an_audit_time_stored_in_utc_is_shown_in_the_school_zone(world, client_for):
    _entry_at(world, datetime(2025, 5, 31, 21, 30, tzinfo=UTC))
    client = client_for(world.organizer)
    english = client.get("/editions/ecole-2024/audit", headers=ENGLISH).get_data(as_text=True)
    assert re.search(r"May 31, 2025, 6:30:00\s?PM", english)
    french = client.get("/editions/ecole-2024/audit", headers=FRENCH).get_data(as_text=True)
    assert "31 mai 2025, 18:30:00" in french
    assert 'datetime="2025-05-31T21:30:00+00:00"' in french  # the machine-readable UTC


def test_a_deadline_typed_day_month_year_is_read_in_the_school_zone(world, client_for):
    phase = world.edition.current_phase
    response = client_for(world.facilitator).post(
        f"/editions/ecole-2024/facilitation/phases/{phase.id}",
        data={
            "operation": "deadline",
            "deadline-day": "31",
            "deadline-month": "5",
            "deadline-year": "2099",
            "deadline-hour": "18",
            "deadline-minute": "00",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert world.edition.current_phase.deadline == datetime(2099, 5, 31, 21, 0, tzinfo=UTC)


def test_the_deadline_fields_show_it_again_in_the_school_zone(world, client_for):
    from app.facilitation import phases

    phases.set_deadline(
        world.edition.current_phase, datetime(2099, 6, 1, 2, 5, tzinfo=UTC), world.facilitator
    )
    db.session.commit()
    page = (
        client_for(world.facilitator)
        .get("/editions/ecole-2024/facilitation")
        .get_data(as_text=True)
    )
    assert 'name="deadline-day" value="31"' in page  # 23:05 the evening before, locally
    assert '<option value="5" selected>mai</option>' in page
    assert 'name="deadline-hour" value="23"' in page
    assert 'name="deadline-minute" value="05"' in page


def _set_deadline(client, world, **fields) -> str:
    """Post the current phase's deadline form (year 2099) in English; the page after it."""
    data = {"operation": "deadline", "deadline-year": "2099"}
    data |= {f"deadline-{name}": value for name, value in fields.items()}
    phase = world.edition.current_phase
    client.post(f"/editions/ecole-2024/facilitation/phases/{phase.id}", data=data, headers=ENGLISH)
    return client.get("/editions/ecole-2024/facilitation", headers=ENGLISH).get_data(as_text=True)


def test_a_date_that_does_not_exist_is_refused_with_a_clear_message(world, client_for):
    page = _set_deadline(client_for(world.facilitator), world, day="31", month="2", hour="18")
    assert "This date does not exist: 31 February 2099." in page
    db.session.expire_all()
    assert world.edition.current_phase.deadline is None


def test_a_deadline_without_its_time_is_refused(world, client_for):
    page = _set_deadline(client_for(world.facilitator), world, day="1", month="6")
    assert "Give the time: hour and minutes." in page


def test_a_scheduled_lock_is_typed_the_same_way(world, client_for):
    from app.facilitation import locks

    client_for(world.facilitator).post(
        "/editions/ecole-2024/facilitation/schedules",
        data={
            "what": "all",
            "at-day": "2",
            "at-month": "1",
            "at-year": "99",  # two figures on a phone: 2099
            "at-hour": "8",
            "at-minute": "30",
        },
    )
    (scheduled,) = locks.pending_schedules(world.edition)
    assert scheduled.at == datetime(2099, 1, 2, 11, 30, tzinfo=UTC)


def _field_order(page: str) -> list[str]:
    form = page[page.index('class="inline-form deadline-form"') :]
    return re.findall(r'name="deadline-(day|month|year)"', form)[:3]


def test_the_french_page_asks_day_month_year_and_the_english_month_day_year(world, client_for):
    client = client_for(world.facilitator)
    french = client.get("/editions/ecole-2024/facilitation", headers=FRENCH).get_data(as_text=True)
    english = client.get("/editions/ecole-2024/facilitation", headers=ENGLISH).get_data(
        as_text=True
    )
    assert _field_order(french) == ["day", "month", "year"]
    assert _field_order(english) == ["month", "day", "year"]
    assert '<option value="2">février</option>' in french
    assert '<option value="2">February</option>' in english


def test_the_dashboard_writes_numbers_the_french_way(demo, client_for):
    client = client_for(demo.users["facilitateur@demo.palabre"])
    url = f"/editions/{demo.slug}/dashboard"
    french = client.get(url, headers=FRENCH).get_data(as_text=True)
    assert re.search(r"Gini \d,\d\d<", french) and not re.search(r"Gini \d\.\d\d<", french)
    assert re.search(r"<td>\d+\u00a0%</td>", french)  # 52 %, a no-break space
    english = client.get(url, headers=ENGLISH).get_data(as_text=True)
    assert re.search(r"Gini \d\.\d\d<", english)
    assert re.search(r"<td>\d+%</td>", english)


@pytest.mark.browser
def test_the_live_deadline_is_written_in_the_page_language_and_school_zone(
    world, live_server, browser
):
    """An English Chromium in Paris, on the French page: the phase chip's deadline is
    written day first, at the school's time (UTC-3), not the browser's."""
    from app.facilitation import phases
    from tests.browser_support import log_in_page
    from tests.conftest import PASSWORD

    phases.set_deadline(
        world.edition.current_phase, datetime(2099, 5, 31, 21, 0, tzinfo=UTC), world.facilitator
    )
    db.session.commit()
    context = browser.new_context(locale="en-US", timezone_id="Europe/Paris")
    page = context.new_page()
    log_in_page(page, live_server.base_url, "awa@example.org", PASSWORD)
    context.request.post(f"{live_server.base_url}/language/fr", form={"next": "/"})
    page.goto(f"{live_server.base_url}/editions/ecole-2024")
    chip = page.locator(".live-phase time.countdown")
    chip.wait_for(state="visible", timeout=10000)
    assert chip.get_attribute("data-absolute") == "31/05/2099 18:00"
    context.close()
