"""The inbox as pages: the member's inbox page (GET /editions/<slug>/inbox, marking read
with a form) and the bell in the header of every page of an edition; a reply reaches the
bell's room live."""

from __future__ import annotations

import re

import pytest

from app.core.transactions import commit
from app.review import comments, notifications
from tests.collaboration.conftest import wait_until
from tests.review.conftest import new_id, passage


def _thread(world, author=None, body="Une source ?"):
    thread, _new = comments.create_comment(
        world.section,
        author or world.author,
        uid=new_id(),
        body=body,
        **passage(world.section, "privent"),
    )
    commit()
    return thread


def _reply(world, thread, who=None, body="Voici la source."):
    answer, _new = comments.reply(thread, who or world.teammate, uid=new_id(), body=body)
    commit()
    return answer


def _mention(world):
    comments.create_comment(
        world.section,
        world.teammate,
        uid=new_id(),
        body="@Awa Traoré : tu relis ?",
        **passage(world.section, "coûtent"),
    )
    commit()


@pytest.fixture
def member(client_for):
    """A member's client reading the pages in English (the msgids: the French comes with
    the catalogue)."""

    def make(user):
        client = client_for(user)
        with client.session_transaction() as session:
            session["lang"] = "en"
        return client

    return make


def _page(client, world) -> str:
    response = client.get(f"/editions/{world.edition.slug}/inbox")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _lines(html: str) -> list[str]:
    return re.findall(r'<li class="inbox-line[^"]*">(.*?)</li>', html, re.S)


def test_the_inbox_lists_my_notifications_newest_first(world, member):
    _reply(world, _thread(world))
    _mention(world)
    lines = _lines(_page(member(world.author), world))
    assert len(lines) == 2
    assert "Awa mentioned you in a comment on “Introduction” — Gouvernement" in lines[0]
    assert "Awa replied to your comment on “Introduction” — Gouvernement" in lines[1]
    assert "Voici la source." in lines[1]  # the reply's words
    paper = f"/editions/{world.edition.slug}/groups/gouvernement/paper#section-introduction"
    assert f'href="{paper}"' in lines[1]


def test_an_unread_line_says_so_in_words(world, member):
    _reply(world, _thread(world))
    line = _lines(_page(member(world.author), world))[0]
    assert 'class="tag inbox-new">unread</span>' in line
    assert "Mark as read" in line


def test_opening_the_inbox_marks_nothing_read(world, member):
    _reply(world, _thread(world))
    client = member(world.author)
    _page(client, world)
    _page(client, world)
    assert notifications.unread_count(world.author, world.edition) == 1


def test_mark_all_as_read_then_back_with_a_flash(world, member):
    _reply(world, _thread(world))
    _mention(world)
    client = member(world.author)
    response = client.post(f"/editions/{world.edition.slug}/inbox/read")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/editions/{world.edition.slug}/inbox")
    assert notifications.unread_count(world.author, world.edition) == 0
    html = _page(client, world)
    assert "Every notification is marked as read." in html
    assert "tag inbox-new" not in html and "Mark all as read" not in html


def test_mark_one_line_read(world, member):
    _reply(world, _thread(world))
    _mention(world)
    newest = notifications.inbox(world.author, world.edition)[0]
    client = member(world.author)
    response = client.post(f"/editions/{world.edition.slug}/inbox/read", data={"id": newest.id})
    assert response.status_code == 303
    unread = notifications.inbox(world.author, world.edition)
    assert [n.read_at is None for n in unread] == [False, True]


def test_the_empty_inbox_says_what_will_come(world, member):
    html = _page(member(world.author), world)
    assert "No notification yet." in html
    assert "Mark all as read" not in html


def test_another_members_notifications_are_not_shown(world, member):
    _reply(world, _thread(world, body="Secret de l'auteur"))
    html = _page(member(world.other), world)
    assert _lines(html) == [] and "Secret" not in html and "Voici la source." not in html
    mine = notifications.inbox(world.author, world.edition)[0]
    member(world.other).post(f"/editions/{world.edition.slug}/inbox/read", data={"id": mine.id})
    assert notifications.unread_count(world.author, world.edition) == 1


def test_an_outsider_is_refused_and_an_unknown_edition_not_found(world, member):
    outsider = member(world.outsider)
    assert outsider.get(f"/editions/{world.edition.slug}/inbox").status_code == 403
    assert outsider.post(f"/editions/{world.edition.slug}/inbox/read").status_code == 403
    member = member(world.author)
    assert member.get("/editions/no-such-edition/inbox").status_code == 404


def test_a_forged_line_number_is_refused(world, member):
    response = member(world.author).post(
        f"/editions/{world.edition.slug}/inbox/read", data={"id": "1 OR 1=1"}
    )
    assert response.status_code == 400


def _bell(client, path: str) -> str | None:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'<a class="inbox-bell"[^>]*>.*?</a>', html, re.S)
    return found.group(0) if found else None


def test_the_header_bell_shows_the_unread_count(world, member):
    client = member(world.author)
    edition_page = f"/editions/{world.edition.slug}"
    assert 'aria-label="Notifications: none unread"' in _bell(client, edition_page)
    _reply(world, _thread(world))
    bell = _bell(client, edition_page)
    # The label for one (in the page's language: a service call in between may switch it).
    one = re.search(r'data-label-one="([^"]*)"', bell).group(1)
    assert f'aria-label="{one}"' in bell and 'data-unread="1"' in bell
    assert f'href="/editions/{world.edition.slug}/inbox"' in bell
    assert re.search(r'<span class="inbox-count" aria-hidden="true">1</span>', bell)
    _mention(world)
    bell = _bell(client, edition_page)
    other = re.search(r'data-label-other="([^"]*)"', bell).group(1).replace("{n}", "2")
    assert f'aria-label="{other}"' in bell


def test_no_bell_outside_an_edition_nor_for_an_outsider(world, member):
    assert _bell(member(world.author), "/") is None
    assert _bell(member(world.outsider), "/") is None


def test_a_reply_reaches_the_inbox_room_live(world, socketio_client):
    thread = _thread(world)
    live = socketio_client(world.author, namespaces=("/live",))
    heard: list[dict] = []
    live.on("notification", heard.append, namespace="/live")
    ack = live.call("inbox", {"edition": world.edition.slug}, namespace="/live", timeout=10)
    assert ack == {"ok": True, "unread": 0}
    replier = socketio_client(world.teammate)
    answer = replier.call(
        "reply",
        {"comment": thread.uid, "id": new_id(), "body": "Voici la source."},
        namespace="/collab",
        timeout=10,
    )
    assert answer["ok"], answer
    assert wait_until(lambda: heard)
    assert heard[0]["unread"] == 1
    assert (heard[0]["notification"]["kind"], heard[0]["notification"]["actor"]) == ("reply", "Awa")
