"""Who hears a question's changes: its room on the /debate namespace, told after the commit.

Every writing module of the debate announces here, so a watcher learns of a change only
once it is durable (``core.transactions.after_commit``, the app's one queue)."""

from __future__ import annotations

from app.core.transactions import after_commit
from app.extensions import socketio
from app.workshops.models import Question

NAMESPACE = "/debate"


def room(question: Question) -> str:
    return f"debate:{question.edition_id}:{question.id}"


def announce(
    question: Question, what: str, argument_id: int | None = None, parent_id: int | None = None
) -> None:
    """After the commit, tell everyone watching the question what changed in its map.

    The message carries no text: each page fetches the argument's fragment rendered for its
    own viewer (marks, moderation buttons and hidden reasons differ per person)."""
    target, number = room(question), question.position
    message = {"question": number, "what": what, "argument": argument_id, "parent": parent_id}

    def emit() -> None:
        socketio.emit("changed", message, to=target, namespace=NAMESPACE)

    after_commit(emit)
