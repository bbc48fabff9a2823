"""The paper page tells its review code which buttons to offer, section by section (the
server checks every event again: tests/review/test_permissions.py)."""

from __future__ import annotations

import json
import re

from tests.review.conftest import open_papers

CONFIG = re.compile(r'id="palabre-editor-config">(.*?)</script>', re.S)


def rights(client, world, group="gouvernement") -> dict:
    page = client.get(f"/editions/{world.edition.slug}/groups/{group}/paper")
    assert page.status_code == 200
    config = json.loads(CONFIG.search(page.get_data(as_text=True)).group(1))
    return config["sections"][0]["may"]


def test_an_author_may_comment_suggest_and_decide_but_not_give_feedback(client_for, world):
    assert rights(client_for(world.author), world) == {
        "read": True,
        "comment": True,
        "suggest": True,
        "decide": True,
        "feedback": False,
    }


def test_a_facilitator_comments_and_gives_feedback_but_does_not_suggest(client_for, world):
    assert rights(client_for(world.facilitator), world) == {
        "read": True,
        "comment": True,
        "suggest": False,
        "decide": False,
        "feedback": True,
    }


def test_another_group_comments_but_does_not_suggest_once_papers_are_open(client_for, world):
    open_papers(world.edition)
    assert rights(client_for(world.other), world) == {
        "read": True,
        "comment": True,
        "suggest": False,
        "decide": False,
        "feedback": False,
    }
