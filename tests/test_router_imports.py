"""Importing the router never imports litellm, and no router module but litellm_client mentions it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from router.response_cache import ResponseCache, call_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_import_router_does_not_import_litellm():
    code = ("import sys, tempfile, pathlib\n"
            "from router import LLMRouter, TaskType, performance_tracker, RouterSettings, configure, RouterError\n"
            "configure(RouterSettings(home=pathlib.Path(tempfile.mkdtemp())))\n"
            "LLMRouter.active_routes(); performance_tracker.get_summary()\n"
            "try:\n    LLMRouter.call_llm(TaskType.SQL_GENERATION, 'x')\nexcept RouterError:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'openai', 'streamlit')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_only_litellm_client_imports_litellm_and_only_inside_functions():
    importers = {}
    for path in sorted((PROJECT_ROOT / "router").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("litellm", "streamlit") for n in names):
                importers.setdefault(path.name, []).append(node.col_offset)
    assert set(importers) == {"litellm_client.py"}
    assert all(offset > 0 for offset in importers["litellm_client.py"])  # indented: inside a function


def test_response_cache_evicts_least_recently_used():
    cache: ResponseCache[str] = ResponseCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == ("A", None, "C", 2)


def test_call_key_depends_on_every_part():
    base = call_key("sql_generation", ("m",), [{"role": "user", "content": "x"}], {"temperature": 0})
    assert base == call_key("sql_generation", ("m",), [{"role": "user", "content": "x"}], {"temperature": 0})
    assert len({base, call_key("evaluation", ("m",), [{"role": "user", "content": "x"}], {"temperature": 0}),
                call_key("sql_generation", ("n",), [{"role": "user", "content": "x"}], {"temperature": 0}),
                call_key("sql_generation", ("m",), [{"role": "user", "content": "y"}], {"temperature": 0}),
                call_key("sql_generation", ("m",), [{"role": "user", "content": "x"}], {"temperature": 1})}) == 5
