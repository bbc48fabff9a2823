"""The one exception the export layer raises on bad input."""

from __future__ import annotations

__all__ = ["ExportInputError"]


class ExportInputError(ValueError):
    """Bad input (upload or data) with a message fit to show a user, in French and English.

    ``str(err)`` is "French message / English message"; ``err.fr`` and ``err.en`` hold each.
    ``err.code`` is a stable identifier for the UI or the logs.
    """

    def __init__(self, code: str, fr: str, en: str) -> None:
        super().__init__(f"{fr} / {en}")
        self.code = code
        self.fr = fr
        self.en = en

    def message(self, language: str = "fr") -> str:
        return self.en if language.lower().startswith("en") else self.fr
