"""The house rules, read from the code (ARCHITECTURE.md): modules import one another at
the top, without cycles; no area imports another inside a function or through importlib;
the live editor's sync core knows nothing of storage; no module of ``app/`` is long."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
MAX_LINES = 500
# The composition root and the entry point import the areas inside functions on purpose:
# ``python -m app.server`` imports the ``app`` package before gevent patches the standard
# library, so the package must not import the areas itself.
ROOT_MODULES = {"app", "app.server"}


def _modules() -> dict[str, str]:
    """Every module of ``app/``: its dotted name → its source."""
    found = {}
    for path in APP.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path.read_text()
    return found


MODULES = _modules()


def _area(module: str) -> str:
    """``app.<area>.…`` → the area (``core``, ``config``, ``extensions``: shared by all)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


SHARED = {"", "core", "config", "extensions"}


def _imports(module: str, modules: dict[str, str]) -> list[tuple[ast.stmt, str, bool]]:
    """(statement, the app module it imports, at the top of the module?)."""
    tree = ast.parse(modules[module])
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        targets = [name for name in names if name in modules]
        if targets:
            found.append((node, max(targets, key=len), id(node) in top))
    return found


def test_the_sync_core_imports_nothing_of_storage_or_transport():
    imported = {target for _, target, _ in _imports("app.collaboration.sync", MODULES)}
    around = {"store", "services", "live_editor", "events", "writer", "views"}
    assert not {f"app.collaboration.{name}" for name in around} & imported


def _inside_imports(modules: dict[str, str]) -> list[str]:
    return [
        f"{module}:{node.lineno} imports {target}"
        for module in modules
        if module not in ROOT_MODULES
        for node, target, top in _imports(module, modules)
        if not top and _area(target) != _area(module) and _area(target) not in SHARED
    ]


def _cycles(modules: dict[str, str]) -> list[list[str]]:
    edges = {m: {t for _, t, top in _imports(m, modules) if top} for m in modules}
    cycles, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycles.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(edges[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(modules):
        visit(module, [])
    return cycles


def test_no_area_imports_another_inside_a_function():
    assert _inside_imports(MODULES) == []


def test_an_import_inside_a_function_across_areas_is_found():
    planted = {
        "app.exports.views": "def f():\n    from app.deliberation.models import Argument\n",
        "app.exports.word": "def f():\n    from app.exports.model import Edition\n",
        "app.deliberation.models": "",
        "app.exports.model": "",
    }
    assert _inside_imports(planted) == ["app.exports.views:2 imports app.deliberation.models"]


def test_modules_import_each_other_without_cycles():
    assert _cycles(MODULES) == []


def test_a_cycle_through_three_modules_is_found():
    planted = {
        "app.a": "import app.b\n",
        "app.b": "from app.c import x\n",
        "app.c": "from app import a\n",
    }
    assert _cycles(planted) == [["app.a", "app.b", "app.c", "app.a"]]


def test_no_area_is_loaded_through_importlib():
    loading = ("import_module", "find_spec", "__import__", "except ImportError")
    found = [
        f"{name}: {word}" for name, source in MODULES.items() for word in loading if word in source
    ]
    assert found == []


def test_no_module_of_the_app_is_over_500_lines():
    long = {
        name: count
        for name, source in MODULES.items()
        if (count := len(source.splitlines())) > MAX_LINES
    }
    assert long == {}
