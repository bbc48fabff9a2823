"""The export layer's shape: small modules that share through public names only."""

from __future__ import annotations

import ast
from pathlib import Path

EXPORTS = Path(__file__).resolve().parents[2] / "app" / "exports"
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(EXPORTS.glob("*.py"))


def test_no_module_imports_another_modules_private_names():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, (path.name, node.module, private)


def test_no_module_is_over_the_limit():
    for path in _modules():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= MAX_LINES, (path.name, lines)


def test_no_import_hides_inside_a_function():
    """Imports at module level only, so that readers and tools see every dependency."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, (path.name, fn.name, inner[0].lineno)
