"""Cheap limits on the shape of a statement, checked before it runs: named steps, set operations, table reads.

The worker process bounds memory and time whatever a statement does; these rules refuse the statements that
would only ever hit those bounds, with a message that says why, instead of a stopped query.
"""
from __future__ import annotations

from sqlglot import exp

from query_engine.errors import SqlRefused
from query_engine.sql.allow_lists import MAX_CTES, MAX_SET_OPERATIONS, MAX_TABLE_READS

_SPLIT_HINT = "Split the work into smaller queries, or ask the question in words."


def check_shape(tree: exp.Expr) -> None:
    """Refuse statements with too many WITH steps, set operations or (written out) table reads."""
    ctes = list(tree.find_all(exp.CTE))
    if len(ctes) > MAX_CTES:
        raise SqlRefused(f"Refused: this statement has {len(ctes)} WITH steps; Clarify allows {MAX_CTES}.",
                         hint=_SPLIT_HINT)
    set_operations = sum(1 for _ in tree.find_all(exp.SetOperation))
    if set_operations > MAX_SET_OPERATIONS:
        raise SqlRefused(f"Refused: this statement joins {set_operations + 1} queries with UNION, INTERSECT or "
                         f"EXCEPT; Clarify allows {MAX_SET_OPERATIONS + 1}.", hint=_SPLIT_HINT)
    reads = table_reads(tree)
    if reads > MAX_TABLE_READS:
        raise SqlRefused(f"Refused: written out, this statement reads its tables {_count(reads)} times (its WITH "
                         f"steps read earlier steps more than once); Clarify allows {MAX_TABLE_READS}.",
                         hint="Read each step once, or aggregate before combining steps.")


def table_reads(tree: exp.Expr) -> int:
    """How many base-table scans the statement makes when every reference to a WITH step is inlined."""
    memo: dict[int, int] = {}
    return _reads_in(tree, memo)


def _reads_in(scope: exp.Expr, memo: dict[int, int]) -> int:
    total = 0
    for table in scope.find_all(exp.Table):
        if _inside_cte_body(table, scope):
            continue
        cte = _visible_cte(table)
        total += 1 if cte is None else _cte_reads(cte, memo)
        if total > MAX_TABLE_READS:
            return total
    return total


def _cte_reads(cte: exp.CTE, memo: dict[int, int]) -> int:
    key = id(cte)
    if key not in memo:
        memo[key] = MAX_TABLE_READS + 1  # a step that reaches itself is already refused as recursive
        memo[key] = _reads_in(cte.this, memo)
    return memo[key]


def _inside_cte_body(node: exp.Expr, scope: exp.Expr) -> bool:
    current = node.parent
    while current is not None and current is not scope:
        if isinstance(current, exp.CTE):
            return True
        current = current.parent
    return False


def _visible_cte(table: exp.Table) -> exp.CTE | None:
    """The WITH step a table name refers to, or None for a base table."""
    if table.db or table.catalog:
        return None
    name = table.name.lower()
    return next((cte for cte in reversed(visible_ctes(table)) if cte.alias_or_name.lower() == name), None)


def visible_ctes(table: exp.Table) -> list[exp.CTE]:
    """WITH steps in scope at `table`, outermost first: enclosing WITHs, and only earlier siblings inside one."""
    scopes: list[list[exp.CTE]] = []
    came_from: exp.Expr = table
    current = table.parent
    while current is not None:
        if isinstance(current, exp.With):
            earlier: list[exp.CTE] = []
            for cte in current.expressions:
                if cte is came_from:
                    break
                earlier.append(cte)
            scopes.append(earlier)
        else:
            with_ = current.args.get("with_")
            if with_ is not None and with_ is not came_from:
                scopes.append(list(with_.expressions))
        came_from, current = current, current.parent
    return [cte for scope in reversed(scopes) for cte in scope]


def _count(reads: int) -> str:
    return f"more than {MAX_TABLE_READS:,}" if reads > MAX_TABLE_READS * 2 else f"{reads:,}"
