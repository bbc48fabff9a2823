"""What facilitation reads from the other areas, imported lazily.

The live editor (``app.collaboration.services``) and the debate
(``app.deliberation.services``) may be absent or older than this area: every accessor
degrades to "nothing known" instead of breaking the app.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def notify_access_changed(sections) -> bool:
    """Tell connected editors their new read-only state; False if the editor is absent."""
    notify = _function("app.collaboration.services", "notify_access_changed")
    if notify is None:
        return False
    notify(list(sections))
    return True


def section_text(section) -> str:
    fn = _function("app.collaboration.services", "section_text")
    return (fn(section) or "") if fn else ""


def section_last_activity(section):
    fn = _function("app.collaboration.services", "section_last_activity")
    return fn(section) if fn else None


def authorship(section) -> dict[int, int]:
    fn = _function("app.collaboration.services", "authorship")
    return dict(fn(section) or {}) if fn else {}


def debate_stats(edition) -> dict | None:
    fn = _function("app.deliberation.services", "debate_stats")
    return fn(edition) if fn else None
