"""The role × action matrix over EVERY HTTP route and EVERY socket event of the app.

Each route (``app.url_map``, except static files) and each registered socket event
(``app.core.sockets.registered_events()``) is requested as: anonymous, a logged-in
stranger, an observer, a participant of another group, a participant of the group, a
facilitator and an organizer, and the outcome is compared with the table below.

Outcomes: ``login`` (redirect to the login page, 401, or a refused socket connection),
``403``, ``ok`` (past authorization: 2xx/3xx, or — for a POST sent with an empty form —
a 400/409 validation answer), ``404``.

**The test fails when a route or a socket event exists that the table does not list**:
add every new route here, with the profile of who may use it.
"""

from __future__ import annotations

import io
import uuid
from types import SimpleNamespace

import pytest
from pycrdt import Doc, create_sync_message, write_var_uint

from app.core import sockets

SYNC_STEP1 = create_sync_message(Doc())
AWARENESS = bytes([1]) + write_var_uint(0)  # an awareness message announcing no client

ROLES = ("anonymous", "outsider", "observer", "other", "participant", "facilitator", "organizer")


def _profile(**allowed) -> dict[str, str]:
    return {role: allowed.get(role, "403") for role in ROLES}


PUBLIC = {role: "ok" for role in ROLES}
LOGGED = {"anonymous": "login", **{role: "ok" for role in ROLES[1:]}}
MEMBER = {**LOGGED, "outsider": "403"}
GROUP = _profile(anonymous="login", participant="ok", facilitator="ok", organizer="ok")
WRITERS = GROUP | {"other": "ok"}  # participants of any group and the staff
STAFF = _profile(anonymous="login", facilitator="ok", organizer="ok")
ORGANIZER = _profile(anonymous="login", organizer="ok")
AUTHORS = _profile(anonymous="login", participant="ok")  # the group's own participants
AUTHOR = AUTHORS  # the matrix's argument is the participant's own
ARGUERS = _profile(anonymous="login", participant="ok", other="ok")  # participants, any group

# (endpoint, method) -> expected outcome per role.
HTTP = {
    ("accounts.login", "GET"): PUBLIC,
    ("accounts.login", "POST"): PUBLIC,
    ("accounts.logout", "POST"): LOGGED,
    ("accounts.invitation", "GET"): PUBLIC,
    ("accounts.invitation", "POST"): PUBLIC,
    ("accounts.language", "POST"): PUBLIC,
    ("pwa.service_worker", "GET"): PUBLIC,  # the installable app: the same for everyone
    ("pwa.manifest", "GET"): PUBLIC,
    ("pwa.offline", "GET"): PUBLIC,
    ("workshops.home", "GET"): LOGGED,
    ("workshops.new_edition", "GET"): ORGANIZER,  # the organizer may create editions
    ("workshops.new_edition", "POST"): ORGANIZER,
    ("workshops.edition", "GET"): MEMBER,
    ("workshops.group", "GET"): MEMBER,
    ("workshops.manage", "GET"): ORGANIZER,
    ("workshops.manage", "POST"): ORGANIZER,
    ("workshops.questions", "GET"): ORGANIZER,
    ("workshops.questions", "POST"): ORGANIZER,
    ("workshops.question_action", "POST"): ORGANIZER,
    ("workshops.groups", "GET"): ORGANIZER,
    ("workshops.groups", "POST"): ORGANIZER,
    ("workshops.group_edit", "POST"): ORGANIZER,
    ("workshops.invitations", "GET"): ORGANIZER,
    ("workshops.invitations", "POST"): ORGANIZER,
    ("workshops.revoke_invitation", "POST"): ORGANIZER,
    ("workshops.upload", "GET"): MEMBER,
    ("workshops.upload_image", "POST"): WRITERS,
    ("workshops.assets", "GET"): ORGANIZER,
    ("workshops.assets", "POST"): ORGANIZER,
    ("workshops.remove_asset", "POST"): ORGANIZER,
    ("collaboration.set_aside", "GET"): ORGANIZER,
    ("exports.index", "GET"): STAFF,
    ("exports.group_file", "GET"): GROUP,
    ("exports.review_copy", "GET"): STAFF,  # the Word document with the comments
    ("exports.synthesis_file", "GET"): STAFF,
    ("exports.everything", "GET"): ORGANIZER,
    ("facilitation.control", "GET"): STAFF,
    ("facilitation.set_phase", "POST"): STAFF,
    ("facilitation.add_phase", "POST"): STAFF,
    ("facilitation.phase_action", "POST"): STAFF,
    ("facilitation.lock", "POST"): STAFF,
    ("facilitation.schedule", "POST"): STAFF,
    ("facilitation.cancel_schedule", "POST"): STAFF,
    ("facilitation.announcements", "GET"): MEMBER,
    ("facilitation.announcements", "POST"): STAFF,
    ("facilitation.audit", "GET"): STAFF,
    ("facilitation.audit_csv", "GET"): STAFF,
    ("facilitation.dashboard", "GET"): STAFF,
    ("facilitation.dashboard_fragment", "GET"): STAFF,
    ("facilitation.dashboard_target", "POST"): STAFF,
    ("facilitation.release_feedback", "POST"): STAFF,
    ("facilitation.members", "GET"): ORGANIZER,
    ("facilitation.member_action", "POST"): ORGANIZER,
    ("facilitation.member_role", "POST"): ORGANIZER,
    ("collaboration.paper", "GET"): GROUP,
    ("collaboration.authorship", "GET"): GROUP,
    ("collaboration.checkpoints", "GET"): GROUP,
    ("collaboration.checkpoint", "GET"): GROUP,
    ("collaboration.create_checkpoint", "POST"): AUTHORS,
    ("collaboration.restore", "POST"): AUTHORS,
    ("deliberation.index", "GET"): MEMBER,
    ("deliberation.question", "GET"): MEMBER,
    ("deliberation.thread_fragment", "GET"): MEMBER,
    ("deliberation.map_view", "GET"): MEMBER,
    ("deliberation.map_fragment", "GET"): MEMBER,
    ("deliberation.argument_fragment", "GET"): MEMBER,
    ("deliberation.history", "GET"): MEMBER,
    ("deliberation.add", "POST"): ARGUERS,
    ("deliberation.edit", "GET"): AUTHOR,
    ("deliberation.edit", "POST"): AUTHOR,
    ("deliberation.delete", "POST"): AUTHOR,
    ("deliberation.mark", "POST"): _profile(anonymous="login", other="ok"),  # not one's own
    ("deliberation.report", "POST"): ARGUERS,
    ("deliberation.insert", "POST"): AUTHORS,
    ("deliberation.moderate", "GET"): STAFF,
    ("deliberation.moderate", "POST"): STAFF,
    ("deliberation.moderation", "GET"): STAFF,
    ("deliberation.close_report", "POST"): STAFF,
    ("deliberation.library", "GET"): MEMBER,
    ("deliberation.library", "POST"): MEMBER | {"observer": "403"},
    ("deliberation.source", "GET"): MEMBER,
    # Review: a section's comments, suggestions and feedback; the facilitators' feedback;
    # every member's inbox (observers have one too, always empty).
    ("review.section_review", "GET"): GROUP,
    ("review.save_feedback", "POST"): STAFF,
    ("review.edition_feedback", "GET"): STAFF,
    ("review.release_feedback", "POST"): STAFF,
    ("review.inbox", "GET"): MEMBER,
    ("review.unread", "GET"): MEMBER,
    ("review.mark_read", "POST"): MEMBER,
    ("inbox.page", "GET"): MEMBER,
    ("inbox.read", "POST"): MEMBER,
}

# (namespace, event) -> (payload builder, expected outcome per role).
SOCKETS = {
    ("/live", "join"): (lambda w: {"edition": w.slug}, MEMBER),
    ("/live", "ping"): (lambda w: {"edition": w.slug}, MEMBER),
    ("/live", "read"): (lambda w: {"announcement": w.announcement_id}, MEMBER),
    ("/live", "announce"): (lambda w: {"edition": w.slug, "body": "Matrice"}, STAFF),
    ("/collab", "join"): (lambda w: {"section": w.section}, GROUP),
    ("/collab", "leave"): (lambda w: {"section": w.section}, LOGGED),
    ("/collab", "sync"): (lambda w: {"section": w.section, "data": SYNC_STEP1}, GROUP),
    ("/collab", "awareness"): (lambda w: {"section": w.section, "data": AWARENESS}, GROUP),
    # Review (an invalid id or decision: past the rule, nothing is created or decided).
    ("/collab", "review"): (lambda w: {"section": w.section}, GROUP),
    ("/collab", "comment"): (lambda w: {"section": w.section, "id": "?"}, GROUP),
    ("/collab", "reply"): (lambda w: {"comment": w.comment, "id": "?"}, GROUP),
    ("/collab", "resolve"): (lambda w: {"comment": w.comment, "resolved": "?"}, GROUP),
    ("/collab", "moderate_comment"): (lambda w: {"comment": w.comment, "operation": "?"}, STAFF),
    ("/collab", "suggest"): (lambda w: {"section": w.section, "id": "?"}, AUTHORS),
    ("/collab", "decide"): (lambda w: {"suggestion": w.suggestion, "decision": "?"}, AUTHORS),
    (
        "/collab",
        "decide_all",
    ): (lambda w: {"section": w.section, "author": 0, "decision": "?"}, AUTHORS),
    ("/live", "inbox"): (lambda w: {"edition": w.slug}, MEMBER),
    ("/debate", "watch"): (lambda w: {"edition": w.slug, "question": 1}, MEMBER),
    ("/debate", "unwatch"): (lambda w: {"edition": w.slug, "question": 1}, MEMBER),
    (
        "/debate",
        "moderate",
    ): (
        lambda w: {"edition": w.slug, "argument": w.argument_id, "operation": "pin"},
        STAFF,
    ),
}

# URL parameters by name (every route of the gouvernement group / its members).
PARAMS = {
    "slug": lambda w, endpoint: w.slug,
    "group_slug": lambda w, endpoint: "gouvernement",
    "question_id": lambda w, endpoint: w.question_id,
    "invitation_id": lambda w, endpoint: w.invitation_id,
    "token": lambda w, endpoint: w.token,
    "code": lambda w, endpoint: "en",
    "upload_id": lambda w, endpoint: w.upload_id,
    "name": lambda w, endpoint: w.upload_name,
    "kind": lambda w, endpoint: "logo",
    "fmt": lambda w, endpoint: "pptx" if endpoint == "exports.synthesis_file" else "docx",
    "phase_id": lambda w, endpoint: w.phase_id,
    "lock_id": lambda w, endpoint: w.lock_id,
    "membership_id": lambda w, endpoint: w.victim_membership_id,
    "key": lambda w, endpoint: "introduction",
    "cid": lambda w, endpoint: w.checkpoint_id,
    "number": lambda w, endpoint: 1,
    "argument_id": lambda w, endpoint: w.argument_id,
    "report_id": lambda w, endpoint: w.report_id,
    "source_id": lambda w, endpoint: w.source_id,
}


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "#2f6f4e").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def matrix_world(app, create_user, create_edition, add_member):
    from datetime import timedelta

    from app.collaboration import services as collaboration
    from app.core.models import utcnow
    from app.deliberation.arguments import add_argument
    from app.deliberation.moderation import report
    from app.deliberation.sources import add_source
    from app.extensions import db
    from app.facilitation.announcements import send_announcement
    from app.facilitation.locks import schedule_lock
    from app.review import anchors, comments, suggestions
    from app.review.common import section_state
    from app.workshops import services as workshops
    from app.workshops.uploads import save_upload

    organizer = create_user("orga@example.org", organizer=True)
    edition = create_edition(creator=organizer)
    users = {
        "anonymous": None,
        "outsider": create_user(),
        "observer": add_member(edition, "observer"),
        "other": add_member(edition, "participant", "societe-civile"),
        "participant": add_member(edition, "participant", "gouvernement"),
        "facilitator": add_member(edition, "facilitator"),
        "organizer": organizer,
    }
    victim = add_member(edition, "participant", "gouvernement")
    invitation, token = workshops.create_invitation(edition, role="observer", max_uses=500)
    upload = save_upload(edition, organizer, "image", "carte.png", _png())
    lock = schedule_lock(edition, organizer, "all", at=utcnow() + timedelta(days=1))
    announcement = send_announcement(edition, organizer, "Bienvenue")
    question = edition.questions[0]
    argument = add_argument(
        edition, users["participant"], question=question, kind="claim", text="Thèse"
    )
    # A reply keeps the argument in place (as "deleted") once its author deletes it.
    add_argument(
        edition, users["other"], question=question, kind="oppose", text="Non", parent=argument
    )
    entry = report(argument, users["other"], "Hors sujet")
    source = add_source(edition, organizer, title="Rapport Access Now")
    section = collaboration.paper_of(workshops.get_group(edition, "gouvernement")).sections[0]
    checkpoint = collaboration.create_checkpoint(section, organizer, name="v1")
    collaboration.append_to_section(section, "Texte commenté.", users["participant"])
    db.session.commit()
    state = section_state(section)
    first, last = anchors.anchor_at(state, 0, 0), anchors.anchor_at(state, 5, -1)
    passage = {"start": anchors.to_text(first), "end": anchors.to_text(last)}
    comment, _new = comments.create_comment(
        section,
        users["participant"],
        uid=str(uuid.uuid4()),
        body="Source ?",
        quote="Texte",
        **passage,
    )
    suggestion, _new = suggestions.create_suggestion(
        section,
        users["participant"],
        uid=str(uuid.uuid4()),
        deleted="Texte",
        inserted="Mot",
        **passage,
    )
    db.session.commit()
    return SimpleNamespace(
        user_ids={role: user.id if user else None for role, user in users.items()},
        slug=edition.slug,
        question_id=edition.questions[0].id,
        invitation_id=invitation.id,
        token=token,
        upload_id=upload.id,
        upload_name=upload.filename,
        phase_id=edition.current_phase_id,
        lock_id=lock.id,
        victim_membership_id=workshops.membership_of(victim, edition).id,
        announcement_id=announcement.id,
        argument_id=argument.id,
        report_id=entry.id,
        source_id=source.id,
        checkpoint_id=checkpoint.id,
        section=collaboration.section_address(section),
        comment=comment.uid,
        suggestion=suggestion.uid,
    )


def _user(world, role: str):
    from app.accounts.models import User
    from app.extensions import db

    user_id = world.user_ids[role]
    return None if user_id is None else db.session.get(User, user_id)


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((rule.endpoint, method))
    return found


def _outcome(response, method: str) -> str:
    status = response.status_code
    # Flask-Login's redirect carries ?next=; logging out also ends on /login, without it.
    if status == 401 or (status in (301, 302, 303) and "/login?next=" in response.location):
        return "login"
    if status in (403, 404):
        return str(status)
    if status < 400 or (method == "POST" and status in (400, 409)):
        return "ok"
    return f"unexpected {status}"


def test_every_route_is_in_the_matrix(app):
    missing = _routes(app) - set(HTTP)
    assert not missing, f"add these routes to tests/test_authz_matrix.py HTTP: {sorted(missing)}"
    stale = set(HTTP) - _routes(app)
    assert not stale, f"these routes no longer exist, remove them from HTTP: {sorted(stale)}"


def test_every_socket_event_is_in_the_matrix(app):
    events = set(sockets.registered_events())
    missing = events - set(SOCKETS)
    assert not missing, f"add these events to tests/test_authz_matrix.py SOCKETS: {sorted(missing)}"
    assert not set(SOCKETS) - events


def test_every_socket_handler_goes_through_the_registry(app):
    from app.extensions import socketio

    registered = {(ns, name) for ns, name in sockets.registered_events()}
    for namespace, handlers in socketio.server.handlers.items():
        for name in handlers:
            if name not in ("connect", "disconnect"):
                assert (namespace, name) in registered, (namespace, name)


def _url(app, endpoint: str, world) -> str:
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for argument in rule.arguments:
        assert argument in PARAMS, f"add a value for the URL parameter {argument!r} to PARAMS"
        values[argument] = PARAMS[argument](world, endpoint)
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("route", sorted(HTTP), ids=lambda r: f"{r[1]} {r[0]}")
def test_http_route(app, matrix_world, client_for, route):
    endpoint, method = route
    if route not in _routes(app):
        pytest.fail(f"{route} is in the matrix but not in the app")
    url = _url(app, endpoint, matrix_world)
    observed = {}
    for role in ROLES:
        user = _user(matrix_world, role)
        client = app.test_client() if user is None else client_for(user)
        response = client.open(url, method=method, data={})
        observed[role] = _outcome(response, method)
        response.close()
    assert observed == HTTP[route]


@pytest.mark.parametrize("event", sorted(SOCKETS), ids=lambda e: f"{e[0]} {e[1]}")
def test_socket_event(app, matrix_world, client_for, event):
    from app.extensions import socketio

    namespace, name = event
    build, expected = SOCKETS[event]
    observed = {}
    for role in ROLES:
        user = _user(matrix_world, role)
        http = app.test_client() if user is None else client_for(user)
        client = socketio.test_client(app, namespace=namespace, flask_test_client=http)
        if not client.is_connected(namespace):
            observed[role] = "login"
            continue
        ack = client.emit(name, build(matrix_world), namespace=namespace, callback=True)
        client.disconnect(namespace=namespace)
        if ack.get("ok") is not False:
            observed[role] = "ok"
        elif ack["error"] == "forbidden":
            observed[role] = "403"
        elif ack["error"] == "unauthenticated":
            observed[role] = "login"
        elif ack["error"] == "not_found":
            observed[role] = "404"
        else:
            observed[role] = "ok"  # refused for a reason other than authorization
    assert observed == expected
