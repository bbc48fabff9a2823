"""Visual check through LibreOffice: every export converts to PDF, has a sane number of
pages/slides, and every page renders (not blank); the designed deck shows the group's colour
where the theme puts it. PNGs of the first pages are kept in tests/output/exports/
(git-ignored) as a CI artifact: the sample paper's deck ("ceremony-pptx-*.png", its first
eight slides at 60 dpi) is the one to look at.

Skips when LibreOffice is absent, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pptx
import pytest
from PIL import Image, ImageStat

from app.exports import group_docx, group_pptx, synthesis_docx, synthesis_pptx
from benchmarks.exports.paper import deliverable as big_deliverable
from tests.exports import fixtures as fx
from tests.exports import sample

pytestmark = pytest.mark.slow

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "exports"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TOOLS = ("soffice", "pdfinfo", "pdftoppm")
KEEP = {"ceremony.pptx": 8}  # pages kept as artifacts (else 4)
DPI = {"ceremony.pptx": 60, "ceremony.docx": 60}  # resolution of the artifacts (else 40)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[int, list[Path]]]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install libreoffice-writer-nogui "
        "libreoffice-impress-nogui poppler-utils)"
        if CI:
            pytest.fail(f"LibreOffice visual check is required in CI: {reason}")
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("lo")
    files = {
        "group.docx": group_docx(fx.deliverable()),
        "group.pptx": group_pptx(fx.deliverable()),
        "synthesis.docx": synthesis_docx(fx.synthesis()),
        "synthesis.pptx": synthesis_pptx(fx.synthesis()),
        "big.docx": group_docx(big_deliverable()),
        "big.pptx": group_pptx(big_deliverable()),
        "ceremony.pptx": group_pptx(sample.deliverable()),
        "ceremony.docx": group_docx(sample.deliverable()),
    }

    def stem(name: str) -> str:  # group.docx and group.pptx would both give group.pdf
        return name.replace(".", "-")

    for name, data in files.items():
        (work / f"{stem(name)}.{name.rsplit('.', 1)[1]}").write_bytes(data)
    profile = work / "profile"
    paths = [str(work / f"{stem(n)}.{n.rsplit('.', 1)[1]}") for n in files]
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(work), *paths],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    OUTPUT.mkdir(parents=True, exist_ok=True)
    result = {}
    for name in files:
        pdf = work / f"{stem(name)}.pdf"
        assert pdf.exists(), f"LibreOffice did not convert {name}"
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
        pages = int(
            next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1]
        )
        prefix = OUTPUT / stem(name)
        for old in OUTPUT.glob(prefix.name + "-*.png"):
            old.unlink()
        res = str(DPI.get(name, 40))
        subprocess.run(["pdftoppm", "-r", res, "-png", str(pdf), str(prefix)], check=True,
                       timeout=120)  # fmt: skip
        pngs = sorted(OUTPUT.glob(prefix.name + "-*.png"))
        result[name] = (pages, pngs)
    # keep only the first pages as the artifact
    for name, (_, pngs) in result.items():
        for png in pngs[KEEP.get(name, 4) :]:
            png.unlink()
    return {k: (pages, pngs[: KEEP.get(k, 4)]) for k, (pages, pngs) in result.items()}


def _pages(rendered, name) -> int:
    return rendered[name][0]


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("group.docx", 4, 8),
        ("group.pptx", 14, 22),
        ("synthesis.docx", 3, 8),
        ("synthesis.pptx", 10, 24),
        ("big.docx", 15, 40),
        ("big.pptx", 60, 160),
        ("ceremony.pptx", 18, 30),
        ("ceremony.docx", 4, 10),
    ],
)
def test_page_counts_are_sane(rendered, name, low, high):
    assert low <= _pages(rendered, name) <= high


def test_deck_slide_count_matches_the_pptx(rendered):
    slides = len(pptx.Presentation(io.BytesIO(group_pptx(fx.deliverable()))).slides)
    assert _pages(rendered, "group.pptx") == slides


@pytest.mark.parametrize(
    "name",
    [
        "group.docx",
        "group.pptx",
        "synthesis.docx",
        "synthesis.pptx",
        "ceremony.pptx",
        "ceremony.docx",
    ],
)
def test_every_page_renders(rendered, name):
    pages, pngs = rendered[name]
    assert pngs and len(pngs) == min(pages, KEEP.get(name, 4))
    for png in pngs:
        with Image.open(png) as im:
            stat = ImageStat.Stat(im.convert("L"))
            assert stat.stddev[0] > 3, f"{png.name} looks blank"


def test_deck_pages_are_16_by_9(rendered):
    _, pngs = rendered["group.pptx"]
    with Image.open(pngs[0]) as im:
        assert abs(im.width / im.height - 16 / 9) < 0.02


def _near(pixel, colour: str, tolerance: int = 24) -> bool:
    rgb = tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], rgb, strict=True))


def test_the_rendered_deck_shows_the_groups_colour_where_the_theme_puts_it(rendered):
    _, pngs = rendered["ceremony.pptx"]
    colour = sample.GROUP.colour.lstrip("#")
    with Image.open(pngs[0]) as cover:  # the group's panel on the left, white on the right
        rgb = cover.convert("RGB")
        assert _near(rgb.getpixel((20, rgb.height - 20)), colour)
        assert _near(rgb.getpixel((rgb.width - 20, rgb.height - 20)), "FFFFFF")
    deck = pptx.Presentation(io.BytesIO(group_pptx(sample.deliverable())))
    titles = [s.shapes.title.text.replace("\u00a0", " ") for s in deck.slides]
    divider = titles.index(sample.QUESTIONS[0])
    with Image.open(pngs[divider]) as page:  # the divider: on the group's colour
        rgb = page.convert("RGB")
        assert _near(rgb.getpixel((rgb.width // 2, rgb.height - 5)), colour)


def test_the_rendered_word_cover_has_the_logo_and_the_groups_band(rendered):
    _, pngs = rendered["ceremony.docx"]
    with Image.open(pngs[0]) as page:
        rgb = page.convert("RGB")
        colours = {c for _, c in rgb.getcolors(rgb.width * rgb.height)}
        assert any(_near(c, sample.GROUP.colour.lstrip("#"), 12) for c in colours)  # the band
        assert any(_near(c, "C8781E", 12) for c in colours)  # the (orange) logo
