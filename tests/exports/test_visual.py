"""Visual check through LibreOffice: every export converts to PDF, has a sane number of
pages/slides, and every page renders (not blank). PNGs of the first pages are kept in
tests/output/exports/ (git-ignored) as a CI artifact.

Skips when LibreOffice is absent, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from app.exports import group_docx, group_pptx, synthesis_docx, synthesis_pptx
from benchmarks.exports.paper import deliverable as big_deliverable
from tests.exports import fixtures as fx

pytestmark = pytest.mark.slow

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "exports"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TOOLS = ("soffice", "pdfinfo", "pdftoppm")


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
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(prefix)], check=True,
                       timeout=120)  # fmt: skip
        pngs = sorted(OUTPUT.glob(prefix.name + "-*.png"))
        result[name] = (pages, pngs)
    # keep only the first pages as the artifact
    for _, pngs in result.values():
        for png in pngs[4:]:
            png.unlink()
    return {k: (pages, pngs[:4]) for k, (pages, pngs) in result.items()}


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
    ],
)
def test_page_counts_are_sane(rendered, name, low, high):
    assert low <= _pages(rendered, name) <= high


def test_deck_slide_count_matches_the_pptx(rendered):
    import io

    import pptx

    slides = len(pptx.Presentation(io.BytesIO(group_pptx(fx.deliverable()))).slides)
    assert _pages(rendered, "group.pptx") == slides


@pytest.mark.parametrize("name", ["group.docx", "group.pptx", "synthesis.docx", "synthesis.pptx"])
def test_every_page_renders(rendered, name):
    pages, pngs = rendered[name]
    assert pngs and len(pngs) == min(pages, 4)
    for png in pngs:
        with Image.open(png) as im:
            stat = ImageStat.Stat(im.convert("L"))
            assert stat.stddev[0] > 3, f"{png.name} looks blank"


def test_deck_pages_are_16_by_9(rendered):
    _, pngs = rendered["group.pptx"]
    with Image.open(pngs[0]) as im:
        assert abs(im.width / im.height - 16 / 9) < 0.02
