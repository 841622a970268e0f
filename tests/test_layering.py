"""The house rules: query_engine's subpackages import only downwards, the packages keep to their own
dependencies, and page scripts stay a few lines."""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

# Lowest first. A module may import from its own subpackage, from any layer below its own, and from the
# base modules every layer shares (errors, settings). `__init__` (the public API) and `__main__` sit on top.
LAYERS = ("spec", "semantics", "sql", "interpret", "answer", "llm", "datasets", "stores", "pipeline",
          "investigate", "evaluate", "reports", "cli", "__main__", "__init__")
BASE = ("errors", "settings")
MAX_PAGE_LINES = 30


def layer_of(module: str) -> str | None:
    """The layer of a dotted name inside query_engine ('query_engine.sql.guard' -> 'sql')."""
    parts = module.split(".")
    if parts[0] != "query_engine" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(source: str, module: str) -> Iterable[tuple[str, int]]:
    """(imported query_engine module, line) for every import in a module's source, lazy ones included."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base == "query_engine":
                yield from ((f"query_engine.{alias.name}", node.lineno) for alias in node.names)
            else:
                yield base, node.lineno


def layering_violations(sources: Mapping[str, str]) -> list[str]:
    """Every import of query_engine code that points up or sideways, as 'module:line imports target'."""
    found = []
    for module, source in sources.items():
        own = layer_of(module)
        for target, line in imports_of(source, module):
            theirs = layer_of(target)
            if own is None or theirs is None or theirs == own or theirs in BASE or own in BASE:
                if own in BASE and theirs not in (None, *BASE):
                    found.append(f"{module}:{line} imports {target}")
                continue
            if theirs not in LAYERS or own not in LAYERS or LAYERS.index(theirs) > LAYERS.index(own):
                found.append(f"{module}:{line} imports {target}")
    return found


def engine_sources() -> dict[str, str]:
    """Dotted module name -> source, for every module of query_engine."""
    sources = {}
    for path in sorted((PROJECT_ROOT / "query_engine").rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 2 else ".".join(parts)
        sources[name] = path.read_text(encoding="utf-8")
    return sources


def test_layering_engine_imports_only_downwards():
    assert layering_violations(engine_sources()) == []


@pytest.mark.parametrize("module,source", [
    ("query_engine.sql.guard", "from query_engine.interpret.readings import interpret\n"),
    ("query_engine.spec.query", "import query_engine.pipeline\n"),
    ("query_engine.semantics.model", "def f():\n    from query_engine.answer import insights\n"),
    ("query_engine.errors", "from query_engine.sql.guard import guard_sql\n"),
    ("query_engine.sql.compiler", "from ..llm import access\n"),
])
def test_layering_catches_a_planted_upward_import(module, source):
    assert layering_violations({module: source}) != []


def test_layering_allows_downward_and_shared_imports():
    sources = {"query_engine.answer.insights": "from query_engine.spec.query import QueryResult\n"
                                               "from query_engine.errors import ClarifyError\n"
                                               "from query_engine.answer.chart import chart_spec\n",
               "query_engine.pipeline": "from query_engine.llm.access import LLMAccess\n"}
    assert layering_violations(sources) == []


def test_layering_every_subpackage_has_a_layer():
    packages = {p.name for p in (PROJECT_ROOT / "query_engine").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages <= set(LAYERS)
    modules = {p.stem for p in (PROJECT_ROOT / "query_engine").glob("*.py")}
    assert modules <= set(LAYERS) | set(BASE)


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package,banned", [("query_engine", {"streamlit", "litellm"}),
                                            ("router", {"streamlit", "query_engine"})])
def test_layering_packages_keep_to_their_dependencies(package, banned):
    offenders = {p.relative_to(PROJECT_ROOT).as_posix(): sorted(_imported_roots(p) & banned)
                 for p in (PROJECT_ROOT / package).rglob("*.py") if _imported_roots(p) & banned}
    assert offenders == {}


def test_layering_page_scripts_are_a_few_lines():
    long_pages = {p.name: len(p.read_text(encoding="utf-8").splitlines())
                  for p in sorted((PROJECT_ROOT / "pages").glob("*.py"))}
    assert {name: n for name, n in long_pages.items() if n > MAX_PAGE_LINES} == {}
    assert len(long_pages) >= 6


def test_layering_page_scripts_import_only_ui():
    imports = {p.name: sorted(_imported_roots(p) - {"ui", "__future__"})
               for p in sorted((PROJECT_ROOT / "pages").glob("*.py"))}
    assert {name: roots for name, roots in imports.items() if roots} == {}

