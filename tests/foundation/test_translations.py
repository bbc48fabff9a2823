"""French first: every string of the interface has its French translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app/translations/fr/LC_MESSAGES/messages.po"


def _extracted_ids(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def _translated() -> dict[str, str]:
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else m.string[0]
        )
        for m in catalog
        if m.id and not m.fuzzy
    }


def test_every_interface_string_has_a_french_translation(tmp_path):
    translated = _translated()
    extracted = _extracted_ids(tmp_path)
    assert len(extracted) > 100
    missing = sorted(i for i in extracted if not translated.get(i))
    assert missing == []
