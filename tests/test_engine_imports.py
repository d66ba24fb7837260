"""The OpenSearch client stays inside its engine: only ``search/engines/opensearch_*`` modules
import ``opensearchpy``, and the embedded engine's modules never load it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SEARCH = Path(__file__).resolve().parent.parent / "search"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_only_the_opensearch_modules_import_the_client() -> None:
    importers = {p.relative_to(SEARCH).as_posix() for p in SEARCH.rglob("*.py")
                 if "opensearchpy" in _imports(p)}
    assert importers  # the check sees the engine's own imports
    assert all(name.startswith("engines/opensearch_") for name in importers), importers


def test_the_embedded_engine_does_not_load_the_client() -> None:
    code = ("import sys, search.query, search.results, search.engines; "
            "print('opensearchpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "False"
