"""Who may do what in review (see ``app.core.authz``; the role × action matrix in
``tests/test_authz_matrix.py`` and ``tests/review/test_permissions.py``).

- the group's participants comment, reply, resolve, suggest and decide on their paper;
- facilitators and organizers comment, reply, resolve and give feedback on any paper, and
  moderate comments; they do not suggest (they are not the paper's authors);
- participants of another group comment and reply (with their group's badge) only while
  they may read the paper: a phase that opens other papers, or a paper opened to the
  edition; never suggest;
- observers never: they do not even read the comments of a published paper.

Writing text (suggesting, accepting or rejecting) follows ``section.edit``: not while the
section, its paper or the phase is locked. Comments go on while it is locked.
"""

from __future__ import annotations

from app.collaboration.models import Section
from app.collaboration.permissions import may_edit_section, may_read_paper
from app.core.authz import rule
from app.review.models import Comment, Notification, Suggestion
from app.workshops.models import Edition, Role
from app.workshops.services import membership_of

STAFF = (Role.ORGANIZER, Role.FACILITATOR)


def _role(user, section: Section) -> str | None:
    membership = membership_of(user, section.paper.group.edition)
    return membership.role if membership else None


@rule("review.read")
def may_read_review(user, section: Section) -> bool:
    """The comments, suggestions and released feedback of a section."""
    role = _role(user, section)
    if role in STAFF:
        return True
    return role == Role.PARTICIPANT and may_read_paper(user, section.paper)


@rule("review.comment")
def may_comment(user, section: Section) -> bool:
    return may_read_review(user, section)


@rule("review.reply")
def may_reply(user, comment: Comment) -> bool:
    return may_comment(user, comment.section)


@rule("review.resolve")
def may_resolve(user, comment: Comment) -> bool:
    """The paper's group, the staff, and whoever opened the thread (while they may read)."""
    section = comment.section
    membership = membership_of(user, section.paper.group.edition)
    if membership is None or not may_read_review(user, section):
        return False
    if membership.role in STAFF or membership.group_id == section.paper.group_id:
        return True
    thread = comment if comment.parent_id is None else comment.thread
    return thread.author_id == user.id


@rule("review.moderate")
def may_moderate_comment(user, comment: Comment) -> bool:
    return _role(user, comment.section) in STAFF


@rule("review.suggest")
def may_suggest(user, section: Section) -> bool:
    return may_edit_section(user, section)


@rule("review.decide")
def may_decide(user, target: Suggestion | Section) -> bool:
    """Accept or reject a suggestion (or all of one author's in a section): the group,
    while it may write the section."""
    section = target.section if isinstance(target, Suggestion) else target
    return may_edit_section(user, section)


@rule("review.feedback")
def may_give_feedback(user, section: Section) -> bool:
    return _role(user, section) in STAFF


@rule("review.release")
def may_release_feedback(user, edition: Edition) -> bool:
    membership = membership_of(user, edition)
    return membership is not None and membership.role in STAFF


@rule("review.inbox")
def may_have_inbox(user, edition: Edition) -> bool:
    return membership_of(user, edition) is not None


@rule("review.notification")
def may_read_notification(user, notification: Notification) -> bool:
    return user is not None and notification.user_id == user.id
