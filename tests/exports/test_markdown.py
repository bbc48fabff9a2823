"""The shared Markdown dialect (app.core.markdown) and the export block tree."""

from __future__ import annotations

from pathlib import Path

from app.core.markdown import clean_text, is_safe_link, render_html
from app.exports.mdtree import Heading, ListBlock, Para, Table, parse, split_lead_in


def test_reference_like_line_stays_visible_text():
    assert "[2]: internetsociety" in render_html("Texte.\n\n[2]: internetsociety\n")


def test_raw_html_is_escaped_not_interpreted():
    html = render_html("<script>alert(1)</script> <b>gras</b>")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_javascript_file_and_data_links_are_not_links():
    html = render_html("[a](javascript:alert(1)) [b](file:///etc/passwd) [c](data:text/html,x)")
    assert "href" not in html


def test_safe_links_get_rel_noopener_nofollow():
    html = render_html("[isoc](https://www.internetsociety.org) [m](mailto:a@b.ml)")
    assert 'href="https://www.internetsociety.org"' in html
    assert 'href="mailto:a@b.ml"' in html
    assert html.count('rel="noopener nofollow"') == 2


def test_images_only_from_uploads():
    html = render_html("![ok](/uploads/a.png) ![spy](https://evil.example/p.png)")
    assert 'src="/uploads/a.png"' in html
    assert "evil.example" not in html


def test_footnotes_render_with_anchors():
    html = render_html("Texte[^1].\n\n[^1]: La note.")
    assert 'href="#fn1"' in html and 'id="fn1"' in html and "La note." in html


def test_tables_and_strikethrough_are_enabled():
    html = render_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~barré~~")
    assert "<table>" in html and "<td>2</td>" in html and "<s>barré</s>" in html


def test_attribute_patterns_match_in_full():
    from app.core.markdown import _attribute_filter

    assert _attribute_filter("li", "id", "fn1") == "fn1"
    assert _attribute_filter("li", "id", "fn1\n") is None
    assert _attribute_filter("td", "style", "text-align: left") == "text-align: left"
    assert _attribute_filter("td", "style", "text-align:left\n") is None


def test_clean_text_removes_nul_controls_and_lone_surrogates():
    assert clean_text("a\x00b\x07c\ud800d\x1be\r\nf\x85g") == "abcde\nfg"


def test_clean_text_keeps_tabs_newlines_and_accents():
    assert clean_text("Société\tcivile\nMali ’«»") == "Société\tcivile\nMali ’«»"


def test_is_safe_link_refuses_obfuscated_javascript():
    assert not is_safe_link("java\tscript:alert(1)")
    assert not is_safe_link(" JAVASCRIPT:alert(1)")
    assert not is_safe_link("//evil.example/x", allow_relative=True)
    assert is_safe_link("/uploads/a.png", allow_relative=True)
    assert is_safe_link("https://malisig.ml")


def test_tree_has_heading_list_levels_and_table():
    doc = parse("# T\n\n1. a\n   - b\n     1. c\n\n| x | y |\n|:-:|--:|\n| 1 | 2 |\n")
    heading, lst, table = doc.blocks
    assert isinstance(heading, Heading) and heading.level == 1
    assert isinstance(lst, ListBlock) and lst.ordered
    inner = lst.items[0][1]
    assert isinstance(inner, ListBlock) and not inner.ordered
    assert isinstance(inner.items[0][1], ListBlock)
    assert isinstance(table, Table) and table.aligns == ["center", "right"]


def test_tree_numbers_footnotes_from_base():
    doc = parse("a[^x] b[^y]\n\n[^x]: X\n\n[^y]: Y", footnote_base=3)
    assert sorted(doc.footnotes) == [4, 5]
    refs = [r.footnote for r in doc.blocks[0].runs if r.footnote]
    assert refs == [4, 5]


def test_tree_drops_unsafe_link_targets_but_keeps_text():
    doc = parse("[clic](vbscript:x) [ok](https://a.org)")
    runs = doc.blocks[0].runs
    assert all(r.link in (None, "https://a.org") for r in runs)
    assert "clic" in "".join(r.text for r in runs)


def test_lead_in_is_detected():
    para = parse("**Des enjeux éducatifs** : à la veille des examens.").blocks[0]
    assert isinstance(para, Para)
    lead, rest = split_lead_in(para.runs)
    assert lead == "Des enjeux éducatifs"
    assert "".join(r.text for r in rest).startswith("à la veille")


def test_no_lead_in_without_colon():
    para = parse("**Gras** puis du texte.").blocks[0]
    assert split_lead_in(para.runs) is None


def test_unreferenced_footnote_definition_stays_visible():
    html = render_html("Texte.\n\n[^3]: une note que personne n'appelle\n")
    assert "[^3]: une note que personne n'appelle" in html


def test_unreferenced_footnote_definition_stays_in_exports():
    doc = parse("Texte.\n\n[^3]: une note orpheline\n")
    assert [b.runs[0].text for b in doc.blocks if isinstance(b, Para)][-1].startswith("[^3]:")


#: the modules that meet the database or Flask; every other one of app/exports is pure
IMPURE_MODULES = ("cli", "permissions", "services", "views")
PURE_MODULES = tuple(
    sorted(
        path.stem
        for path in (Path(__file__).resolve().parents[2] / "app" / "exports").glob("*.py")
        if path.stem not in IMPURE_MODULES
    )
)
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "socketio", "app.extensions", "werkzeug")


def test_export_layer_never_imports_the_web_stack():
    import ast

    root = Path(__file__).resolve().parents[2] / "app"
    files = [root / "exports" / f"{m}.py" for m in PURE_MODULES] + [root / "core" / "markdown.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level and node.module:
                assert node.module.split(".")[0] in (*PURE_MODULES, "fonts"), (path, node.module)
            for name in names:
                assert not name.startswith(FORBIDDEN), (path.name, name)
                if name.startswith("app."):
                    assert name in ("app.core.markdown",) or name.startswith("app.exports."), (
                        path.name,
                        name,
                    )
