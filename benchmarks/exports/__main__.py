"""Export benchmark: Palabre's exports against pandoc, on the same 8,000-word paper.

    .venv/bin/python -m benchmarks.exports [--runs 7] [--keep DIR]

Times group_docx / group_pptx in-process (median of --runs) and Debian's pandoc from the
command line (median of --runs, process start included: that is how it would be called),
then prints a fidelity table, every cell of which is checked by reading both outputs back.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import docx
import pptx
from docx.oxml.ns import qn

from app.exports import group_docx, group_pptx
from app.exports.model import Section
from app.exports.pptx_writer import frame_report

from .paper import deliverable, paper_markdown, paper_sections, word_count

HOSTILE = (
    "Texte [clic](javascript:alert(1)) [f](file:///etc/passwd) [d](data:text/html,x) "
    "[ok](https://example.org/ok) <script>alert(1)</script>\n\n[2]: internetsociety\n"
)


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _pandoc(md_path: Path, fmt: str, out: Path, cwd: Path) -> None:
    args = [
        "pandoc",
        "-f",
        "markdown",
        "-t",
        fmt,
        "-M",
        "lang=fr-FR",
        "-M",
        "title=MaliSIG 2023 — Gouvernement",
        str(md_path),
        "-o",
        str(out),
    ]
    if fmt == "docx":
        args.insert(5, "--toc")
    subprocess.run(args, check=True, cwd=cwd, capture_output=True)


def _xml(data: bytes, name: str) -> str:
    try:
        return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")
    except KeyError:
        return ""


def _all_xml(data: bytes) -> str:
    z = zipfile.ZipFile(io.BytesIO(data))
    return "\n".join(
        z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels"))
    )


def _external_targets(data: bytes) -> list[str]:
    return re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', _all_xml(data))


def _unsafe(data: bytes) -> bool:
    return any(
        t.lower().startswith(("javascript:", "file:", "data:")) for t in _external_targets(data)
    )


# ---------------------------------------------------------------------- Word checks
def docx_checks(data: bytes, n_ordered_lists: int) -> dict[str, str | bool]:
    doc = docx.Document(io.BytesIO(data))
    body = _xml(data, "word/document.xml")
    styles = [p.style.name for p in doc.paragraphs]
    notes = _xml(data, "word/footnotes.xml")
    n_notes = len(
        [
            m
            for m in re.findall(r"<w:footnote\b([^>]*)>", notes)
            if "type=" not in m or 'w:type="normal"' in m
        ]
    )
    # ordered lists that restart: distinct w:num used by decimal level-0 paragraphs
    decimal_nums = set()
    try:
        numbering = doc.part.numbering_part.element
        abstract_fmt = {}
        for a in numbering.findall(qn("w:abstractNum")):
            lvl0 = a.find(qn("w:lvl"))
            fmt = lvl0.find(qn("w:numFmt")) if lvl0 is not None else None
            abstract_fmt[a.get(qn("w:abstractNumId"))] = (
                fmt.get(qn("w:val")) if fmt is not None else ""
            )
        num_fmt = {
            n.get(qn("w:numId")): abstract_fmt.get(n.find(qn("w:abstractNumId")).get(qn("w:val")))
            for n in numbering.findall(qn("w:num"))
        }
        for p in doc.paragraphs:
            ppr = p._p.pPr
            if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
                nid = str(ppr.numPr.numId.val)
                ilvl = ppr.numPr.ilvl.val if ppr.numPr.ilvl is not None else 0
                if ilvl == 0 and num_fmt.get(nid) == "decimal":
                    decimal_nums.add(nid)
    except (KeyError, NotImplementedError, AttributeError):
        pass
    toc = re.search(
        r'instrText[^>]*>\s*TOC.*?fldCharType="separate"(.*?)fldCharType="end"', body, re.S
    )
    core = _xml(data, "docProps/core.xml")
    return {
        "Headings as Heading 1/2 styles": styles.count("Heading 1") >= 7 and "Heading 2" in styles,
        "Bold and italic": bool(re.search(r"<w:b\s*/>", body) and re.search(r"<w:i\s*/>", body)),
        "Inline code (monospace style)": bool(
            re.search(r'w:rStyle w:val="[^"]*(?:Code|Verbatim)', body)
        ),
        "Strikethrough": bool(re.search(r"<w:strike\s*/>", body)),
        "Nested lists, 3 levels": bool(re.search(r'<w:ilvl w:val="2"\s*/>', body)),
        "Numbered lists restart": len(decimal_nums) >= n_ordered_lists,
        "Block quotes (Quote style)": any(s in ("Quote", "Block Text") for s in styles),
        "Hyperlinks": "<w:hyperlink" in body and bool(_external_targets(data)),
        "Tables (10)": len(doc.tables) >= 10,
        "Images (3)": len(doc.inline_shapes) >= 3,
        "Footnotes as Word footnotes (40)": n_notes >= 40,
        "TOC field": bool(toc),
        "TOC readable before update": bool(toc and "Introduction" in toc.group(1)),
        "Language fr-FR on text": bool(
            re.search(r'<w:lang[^>]*w:val="fr-FR"', body + _xml(data, "word/styles.xml"))
        ),
        "Core properties without tool leak": "python-docx" not in core and ">2013-" not in core,
    }


# ---------------------------------------------------------------------- deck checks
def pptx_checks(data: bytes, headings: set[str]) -> dict[str, str | bool]:
    prs = pptx.Presentation(io.BytesIO(data))
    slides = list(prs.slides)
    titles = [s.shapes.title.text for s in slides if s.shapes.title is not None]
    paras = [
        p for s in slides for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs
    ]
    texts = "\n".join(p.text for p in paras)
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in slides if s.has_notes_slide)
    xml = "\n".join(
        _xml(data, n)
        for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
        if n.startswith("ppt/slides/slide")
    )
    found_notes = {int(n) for n in re.findall(r"internetsociety\.org/(\d+)", texts + notes)}
    overflowing = sum(f.overflows for f in frame_report(data))
    content = max(1, len(slides) - 2)
    return {
        "16:9 slides": abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01,
        "Headings become slide titles": len(headings & {t.strip() for t in titles}) >= 10,
        "Bullet levels, 3": any(p.level >= 2 for p in paras),
        "Numbered lists": "<a:buAutoNum" in xml,
        "Tables (10)": sum(1 for s in slides for sh in s.shapes if sh.has_table) >= 10,
        "Images (3)": sum(1 for s in slides for sh in s.shapes if sh.shape_type == 13) >= 3,
        "Hyperlinks": "<a:hlinkClick" in xml and bool(_external_targets(data)),
        "Footnotes shown (40)": len(found_notes) >= 40,
        "Speaker notes on most slides": sum(s.has_notes_slide for s in slides) >= content * 0.8,
        "No text frame overflows (measured)": f"{overflowing} overflow" if overflowing else True,
        "Language fr-FR on runs": 'lang="fr-FR"' in xml,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the four files there")
    args = parser.parse_args(argv)
    if shutil.which("pandoc") is None:
        print("pandoc is not installed (apt-get install pandoc)", file=sys.stderr)
        return 2
    version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout
    sections, images = paper_sections()
    d = deliverable()
    words = word_count(sections)
    n_notes = sum(len(re.findall(r"^\[\^", md, re.M)) for _, _, md, _ in sections)
    n_tables = sum(md.count("|:--|") for _, _, md, _ in sections)
    print(f"paper: {words} words, {n_notes} footnotes, {n_tables} tables, {len(images)} images")

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        (tmpdir / "uploads").mkdir()
        for src, data in images.items():
            (tmpdir / src.lstrip("/")).write_bytes(data)
        md = paper_markdown(sections).replace("](/uploads/", "](uploads/")
        (tmpdir / "paper.md").write_text(md, encoding="utf-8")
        (tmpdir / "hostile.md").write_text(HOSTILE, encoding="utf-8")

        ours = {"docx": group_docx(d), "pptx": group_pptx(d)}
        timings = {}
        for fmt, fn in (("docx", group_docx), ("pptx", group_pptx)):
            ours_ms = _median_ms(lambda fn=fn: fn(d), args.runs)
            out = tmpdir / f"pandoc.{fmt}"
            pandoc_ms = _median_ms(
                lambda fmt=fmt, out=out: _pandoc(tmpdir / "paper.md", fmt, out, tmpdir), args.runs
            )
            timings[fmt] = (ours_ms, pandoc_ms)
        theirs = {fmt: (tmpdir / f"pandoc.{fmt}").read_bytes() for fmt in ("docx", "pptx")}

        hostile_sections = (Section("introduction", "Introduction", HOSTILE),)
        from dataclasses import replace

        hd = replace(d, sections=hostile_sections, images={})
        hostile_ours = {"docx": group_docx(hd), "pptx": group_pptx(hd)}
        hostile_theirs = {}
        for fmt in ("docx", "pptx"):
            _pandoc(tmpdir / "hostile.md", fmt, tmpdir / f"hostile.{fmt}", tmpdir)
            hostile_theirs[fmt] = (tmpdir / f"hostile.{fmt}").read_bytes()
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for fmt in ("docx", "pptx"):
                (args.keep / f"palabre.{fmt}").write_bytes(ours[fmt])
                (args.keep / f"pandoc.{fmt}").write_bytes(theirs[fmt])

    print(f"pandoc: {version.splitlines()[0]}; runs: {args.runs} (median)\n")
    print(f"{'export':<8}{'Palabre':>12}{'pandoc':>12}{'ratio':>10}")
    for fmt, (o, p) in timings.items():
        print(f"{fmt:<8}{o:>10.0f}ms{p:>10.0f}ms{p / o:>9.2f}×")
    print("(ratio = pandoc time / Palabre time; > 1 means Palabre is faster)\n")

    from app.exports.mdtree import ListBlock, parse

    n_ordered = sum(
        1
        for _, _, md, _ in sections
        for b in parse(md).blocks
        if isinstance(b, ListBlock) and b.ordered
    )
    headings = {
        line.lstrip("#").strip()
        for _, _, md, _ in sections
        for line in md.splitlines()
        if line.startswith("#")
    }
    rows = [
        ("Word", docx_checks(ours["docx"], n_ordered), docx_checks(theirs["docx"], n_ordered)),
        ("PowerPoint", pptx_checks(ours["pptx"], headings), pptx_checks(theirs["pptx"], headings)),
    ]
    unsafe = "Unsafe links dropped (javascript:/file:/data:)"
    for fmt, label in (("docx", "Word"), ("pptx", "PowerPoint")):
        rows.append(
            (
                label,
                {unsafe: not _unsafe(hostile_ours[fmt])},
                {unsafe: not _unsafe(hostile_theirs[fmt])},
            )
        )

    def cell(v) -> str:
        return "yes" if v is True else ("no" if v is False else str(v))

    print(f"{'format':<11}{'feature':<47}{'Palabre':>10}{'pandoc':>12}")
    missing = []
    for label, ours_c, theirs_c in rows:
        for feature, value in ours_c.items():
            their = theirs_c[feature]
            print(f"{label:<11}{feature:<47}{cell(value):>10}{cell(their):>12}")
            if their is True and value is not True:
                missing.append(f"{label}: {feature}")
    if missing:
        print("\nrendered by pandoc but not by Palabre:", "; ".join(missing))
    slow = [f for f, (o, p) in timings.items() if o >= 300 or o >= p]
    if slow:
        print("\nslower than the target (300 ms and faster than pandoc):", ", ".join(slow))
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
