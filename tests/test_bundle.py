"""The committed browser bundle is exactly what the sources build (npm ci && npm run build)."""

import filecmp
import shutil
import subprocess
from pathlib import Path

from tests.conftest import needs_service

ROOT = Path(__file__).resolve().parents[1]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_committed_bundle_matches_a_rebuild_from_the_sources(tmp_path):
    if shutil.which("node") is None or not (ROOT / "node_modules/esbuild").exists():
        needs_service("node_modules", "run `npm ci` (make test does it when npm is installed)")
    out = tmp_path / "dist"
    subprocess.run(
        ["node", "frontend/build.mjs", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    committed = ROOT / "static/dist"
    assert _files(out) == _files(committed)
    _match, mismatch, errors = filecmp.cmpfiles(out, committed, sorted(_files(out)), shallow=False)
    assert mismatch == [] and errors == []
