"""A small edition with one user per role, shared by the facilitation tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(create_edition, add_member, create_user):
    """Edition "ecole-2024" (groups gouvernement and societe-civile, phase redaction)."""
    organizer = create_user("orga@example.org", "Oumou Organisatrice")
    edition = create_edition(creator=organizer)
    return SimpleNamespace(
        edition=edition,
        organizer=organizer,
        facilitator=add_member(edition, "facilitator", user=create_user("fa@example.org", "Fatou")),
        participant=add_member(
            edition, "participant", "gouvernement", user=create_user("awa@example.org", "Awa")
        ),
        teammate=add_member(
            edition, "participant", "gouvernement", user=create_user("ali@example.org", "Ali")
        ),
        other=add_member(
            edition, "participant", "societe-civile", user=create_user("bin@example.org", "Binta")
        ),
        observer=add_member(edition, "observer", user=create_user("obs@example.org", "Omar")),
        outsider=create_user("out@example.org", "Ousmane"),
    )


def group(edition, slug):
    return next(g for g in edition.groups if g.slug == slug)


def audit_actions(edition) -> list[str]:
    from app.facilitation.audit import audit_entries

    return [e.action for e in reversed(audit_entries(edition))]
