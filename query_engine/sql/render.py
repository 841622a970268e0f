"""Exact rendering: SQL text that re-parses, in its dialect, into the very tree the guard validated.

sqlglot renders some names as raw text (type names, units, parameters). A name that holds `;` or `--`
would then become SQL of its own. So the guard never trusts a rendering: it parses it again and refuses
unless the result is one statement, structurally equal, node for node and string for string, to the tree
it checked.
"""
from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from query_engine.errors import SqlRefused

_REFUSAL = ("Refused: this statement does not read back as the query Clarify checked (a quoted name or type "
            "holds SQL of its own), so it will not run it.")
_HINT = "Use plain names for columns, aliases and types (letters, digits, spaces and underscores)."


def render_exact(tree: exp.Expr, dialect: str) -> str:
    """The tree as SQL in `dialect`, or SqlRefused when that text would parse into anything else."""
    text = tree.sql(dialect=dialect, comments=False)
    again = reparse_single(text, dialect)
    if not same_tree(again, tree):
        raise SqlRefused(_REFUSAL, hint=_HINT)
    return text


def render_for_dialect(tree: exp.Expr, dialect: str) -> str:
    """A checked tree as SQL for another engine: text whose parse in `dialect` is one statement that
    renders back to the same text and tree (sqlglot's first rendering may be a normal form of it)."""
    text = tree.sql(dialect=dialect, comments=False)
    again = reparse_single(text, dialect)
    if same_tree(again, tree):
        return text
    _check_nothing_new(again, tree)
    return render_exact(again, dialect)


def _check_nothing_new(again: exp.Expr, checked: exp.Expr) -> None:
    """The other engine's reading of the text names nothing the checked tree did not: no new identifier or
    function name, and no function of a kind the checked tree did not hold."""
    def names(tree: exp.Expr) -> set[str]:
        found = {node.name.lower() for node in tree.find_all(exp.Identifier, exp.Anonymous)}
        return found | {type(node).__name__ for node in tree.find_all(exp.Func)}

    new = names(again) - names(checked)
    allowed = {kind.__name__ for kind in _normal_forms()}
    if new - allowed:
        raise SqlRefused(_REFUSAL, hint=_HINT)


def _normal_forms() -> frozenset[type[exp.Expr]]:
    """Function kinds another dialect's parser may read a checked function as (a normal form, not a new one)."""
    from query_engine.sql.allow_lists import ALLOWED_NODES

    return frozenset(kind for kind in ALLOWED_NODES if issubclass(kind, exp.Func))


def reparse_single(text: str, dialect: str) -> exp.Expr:
    """The one statement `text` holds in `dialect`, or SqlRefused when it holds none, several or is unreadable."""
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except RecursionError:
        raise SqlRefused("Refused: this statement is nested too deeply to check.",
                         hint="Use a WITH clause to split the query into named steps.") from None
    except (SqlglotError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        raise SqlRefused(_REFUSAL, hint=_HINT) from None
    if len(statements) != 1:
        raise SqlRefused(_REFUSAL, hint=_HINT)
    return statements[0]


def same_tree(left: exp.Expr, right: exp.Expr) -> bool:
    """Whether two trees have the same node types, arguments and exact strings (case and quoting included).

    sqlglot's own == compares hashes that fold case, so it is not used here. Arguments that are unset,
    False or empty count as absent on both sides.
    """
    stack: list[tuple[object, object]] = [(left, right)]
    while stack:
        a, b = stack.pop()
        if isinstance(a, exp.Expression):
            if type(a) is not type(b):
                return False
            args_a, args_b = a.args, b.args
            for key in args_a.keys() | args_b.keys():
                value_a, value_b = args_a.get(key), args_b.get(key)
                if _unset(value_a) and _unset(value_b):
                    continue
                stack.append((value_a, value_b))
        elif isinstance(a, list):
            if not isinstance(b, list) or len(a) != len(b):
                return False
            stack.extend(zip(a, b, strict=False))
        elif type(a) is not type(b) or a != b:
            return False
    return True


def _unset(value: object) -> bool:
    return value is None or value is False or (isinstance(value, list) and not value)
