"""Count how much of the interpreter's knowledge lives in code and how much in the lexicon (data).

    python bench/lexicon_counts.py            # this checkout
    python bench/lexicon_counts.py --root DIR # another checkout (e.g. a git worktree of an older commit)

Counted in query_engine/interpret/*.py with the ast module:
  word tables    module-level sets, tuples, lists or dicts that hold 3 or more string constants (the entries)
  shared words   words in three or more of those tables
  regexes        re.compile(...) calls and pattern strings handed to re.search/match/fullmatch/sub/findall/finditer
  weights        float constants strictly between 0 and 1 (hand-set weights and shares)
  flags          fields of ParsedQuestion annotated `bool`
And in data/question_lexicon.yaml: its sections and phrases (every string in it).
"""
from __future__ import annotations

import argparse
import ast
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RE_CALLS = {"search", "match", "fullmatch", "sub", "findall", "finditer", "split"}


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _tables(tree: ast.Module) -> list[list[str]]:
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        wrapped = isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("frozenset", "set", "tuple")
        if wrapped and value.args:  # type: ignore[union-attr]
            value = value.args[0]
        if isinstance(value, (ast.Set, ast.Tuple, ast.List, ast.Dict)):
            words = _strings(value)
            if len(words) >= 3:
                found.append(words)
    return found


def _regexes(tree: ast.Module) -> int:
    count = 0
    for node in ast.walk(tree):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if called and getattr(node.func.value, "id", "") == "re" and node.func.attr in (*RE_CALLS, "compile"):
            count += 1
    return count


def _weights(tree: ast.Module) -> int:
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)
               and 0 < n.value < 1)


def _flags(tree: ast.Module) -> int:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "ParsedQuestion":
            return sum(1 for item in node.body if isinstance(item, ast.AnnAssign)
                       and isinstance(item.annotation, ast.Name) and item.annotation.id == "bool")
    return 0


def _yaml_strings(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_yaml_strings(v) + 1 for v in value.values())
    if isinstance(value, list):
        return sum(_yaml_strings(v) for v in value)
    return 1 if isinstance(value, str) else 0


def counts(root: Path) -> dict[str, int]:
    """The figures for one checkout."""
    tables: list[list[str]] = []
    regexes = weights = flags = 0
    for path in sorted((root / "query_engine" / "interpret").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables += _tables(tree)
        regexes += _regexes(tree)
        weights += _weights(tree)
        flags += _flags(tree)
    seen = Counter(word for table in tables for word in set(table))
    lexicon = yaml.safe_load((root / "data" / "question_lexicon.yaml").read_text(encoding="utf-8"))
    return {"word tables in code": len(tables), "entries in them": sum(len(t) for t in tables),
            "words in 3+ tables": sum(1 for n in seen.values() if n >= 3), "regexes": regexes,
            "hand-set weights": weights, "ParsedQuestion bool flags": flags,
            "lexicon sections": len(lexicon), "lexicon phrases": _yaml_strings(lexicon)}


def main(argv: list[str] | None = None) -> int:
    """Print the figures, one per line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to count (default: this one)")
    args = parser.parse_args(argv)
    for name, value in counts(args.root).items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
