"""The ``/debate`` namespace.

- ``watch`` / ``unwatch`` ``{edition, question}`` (debate.read): join the room of a question;
  the room then hears ``changed {question, what, argument, parent}`` after every committed
  change (added, edited, deleted, marked, hidden, restored, pinned, locked, merged) and
  each page fetches the fragment it needs, rendered for its own viewer.
- ``moderate`` ``{edition, argument, operation, reason?, into?, text?}`` (debate.moderate):
  hide, restore, pin, lock, edit or merge, as the page's moderation form does over HTTP.
  A participant who forges it is refused, and the registry's ``on_forbidden`` listener
  (facilitation) writes a "forbidden.attempt" audit entry.
"""

from __future__ import annotations

from app.core import access
from app.core.errors import BadInput
from app.core.sockets import namespace, socket_event
from app.deliberation import moderation
from app.deliberation.arguments import get_argument
from app.deliberation.rooms import NAMESPACE, room
from app.deliberation.threads import get_question
from app.workshops import services as workshops

namespace(NAMESPACE)


def _address(payload: dict, key: str):
    """The edition (by slug) and a number from the payload, or a clear refusal."""
    slug, number = payload.get("edition"), payload.get(key)
    if not isinstance(slug, str) or type(number) is not int:
        raise BadInput(f"{{edition: slug, {key}: number}}")
    return workshops.get_edition(slug), number


def _question(payload: dict):
    return get_question(*_address(payload, "question"))


def _argument(payload: dict):
    return get_argument(*_address(payload, "argument"))


def _text(payload: dict, key: str) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise BadInput(f"{key} is a string")
    return value


@socket_event(NAMESPACE, "watch", permission="debate.read_question", target=_question)
def watch(user, question, payload):
    notice = {"question": question.id}
    access.enter(room(question), "debate.read_question", question, notice)


@socket_event(NAMESPACE, "unwatch", permission="debate.read_question", target=_question)
def unwatch(user, question, payload):
    access.leave(room(question))


@socket_event(NAMESPACE, "moderate", permission="debate.moderate", target=_argument)
def moderate(user, argument, payload):
    moderation.moderate(
        argument,
        user,
        _text(payload, "operation"),
        reason=_text(payload, "reason"),
        into_id=payload.get("into"),
        text=_text(payload, "text"),
    )
