"""Anchors: what the real Yjs encodes, pycrdt reads and the server resolves, as Yjs would.

The ground truth comes from Yjs 13.6 itself (``yjs_positions.cjs``, run with node on the
repository's ``node_modules``): random co-edited documents, positions taken while they
were edited, and where ``createAbsolutePositionFromRelativePosition`` puts them at the end.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.errors import BadInput
from app.review import anchors
from app.review.anchors import Anchor

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("yjs_positions.cjs")


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


@pytest.fixture(scope="module")
def yjs_documents():
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "yjs").is_dir():
        pytest.skip("node and node_modules/yjs are needed for Yjs's own answers")
    out = subprocess.run(
        [node, str(SCRIPT), str(ROOT), "7", "40"], capture_output=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


def test_the_server_resolves_what_yjs_encodes_where_yjs_does(app, yjs_documents):
    checked = deleted = 0
    for document in yjs_documents:
        state = base64.b64decode(document["state"])
        taken = [(anchors.parse(p["anchor"]), p["index"]) for p in document["taken"]]
        places = anchors.resolve(state, [a for a, _index in taken])
        for anchor, expected in taken:
            place = places[anchor]
            assert _utf16(document["text"], place.index) == expected, (anchor, document["text"])
            checked += 1
            deleted += not place.live
    assert checked > 400 and deleted > 20  # deleted characters among them, resolved too


def test_anchor_at_makes_the_bytes_yjs_makes(app, yjs_documents):
    for document in yjs_documents[:10]:
        state = base64.b64decode(document["state"])
        text = document["text"]
        by_utf16 = {_utf16(text, i): i for i in range(len(text) + 1)}
        for made in document["made"]:
            ours = anchors.anchor_at(state, by_utf16[made["index"]], made["assoc"])
            assert anchors.to_text(ours) == made["anchor"], made


def test_pycrdt_reads_a_yjs_anchor_like_the_pure_python_reader(app):
    # Y.encodeRelativePosition of (client 12345, clock 7, assoc -1), and of the text's end.
    assert anchors.parse("ALlgB0E=") == Anchor(12345, 7, -1)
    assert anchors.parse("AQhtYXJrZG93bgA=") == Anchor(None, None, 0)
    assert anchors.encode(Anchor(12345, 7, -1)) == base64.b64decode("ALlgB0E=")


@pytest.mark.parametrize(
    "value",
    [
        None,
        12,
        "",
        "A" * 200,  # longer than any position
        "not base64!",
        base64.b64encode(bytes([2, 1, 1, 0])).decode(),  # a nested type: not the section's text
        base64.b64encode(bytes([1, 5]) + b"other" + bytes([0])).decode(),  # another root
        base64.b64encode(bytes([0, 1, 1, 0, 9])).decode(),  # bytes after the position
        base64.b64encode(bytes([0, 0xFF])).decode(),  # cut short
    ],
)
def test_a_malformed_anchor_is_refused(app, value):
    with pytest.raises(BadInput):
        anchors.parse(value)


def test_random_and_mutated_bytes_never_end_the_process(app):
    """Bytes from clients reach yrs only once read in Python; whatever yrs makes of them
    (a Rust panic is a BaseException) is a refusal."""
    rng = random.Random(16)
    seeds = [base64.b64decode(s) for s in ("ALlgB0E=", "AQhtYXJrZG93bgA=", "ALlgAAA=")]
    outcomes = {"anchor": 0, "refused": 0}
    for n in range(5000):
        if n % 2:
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(data) + 1)
                if rng.random() < 0.5 and at < len(data):
                    data[at] = rng.randrange(256)
                else:
                    data.insert(at, rng.randrange(256))
            data = bytes(data)
        else:
            data = rng.randbytes(rng.randint(0, 80))
        try:
            anchors.decode(data)
            outcomes["anchor"] += 1
        except BadInput:
            outcomes["refused"] += 1
    assert outcomes["anchor"] and outcomes["refused"]


def test_an_anchor_on_a_character_the_server_lacks_resolves_to_nothing(app):
    from pycrdt import Doc, Text

    doc = Doc()
    doc.get("markdown", type=Text).insert(0, "été")
    unknown = Anchor(client=doc.client_id, clock=40, assoc=0)
    assert anchors.resolve(doc.get_update(), [unknown]) == {unknown: None}
