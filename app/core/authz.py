"""The one authorization service: "may this user do this action to that target?".

Every HTTP view and every Socket.IO event asks ``require`` (or ``can``). Each area
declares its rules in its ``permissions`` module with ``@rule("area.action")``; the rules
are the only place where roles, phases and locks turn into yes or no. ``actions()`` lists
every rule so the test suite can check the role × action matrix covers them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.errors import Forbidden

Rule = Callable[[Any, Any], bool]
_rules: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the rule deciding ``action``; the rule gets (user or None, target)."""

    def register(fn: Rule) -> Rule:
        if action in _rules and _rules[action] is not fn:
            raise ValueError(f"two rules for {action!r}")
        _rules[action] = fn
        return fn

    return register


def _real_user(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", True):
        return None
    return user


def can(user: Any, action: str, target: Any = None) -> bool:
    try:
        decide = _rules[action]
    except KeyError:
        raise LookupError(f"no rule for action {action!r}") from None
    return bool(decide(_real_user(user), target))


def require(user: Any, action: str, target: Any = None) -> None:
    """Raise ``Forbidden`` unless ``user`` may do ``action`` to ``target``."""
    if not can(user, action, target):
        raise Forbidden()


def actions() -> list[str]:
    return sorted(_rules)
