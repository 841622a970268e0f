"""Name resolution by scope: every column a statement uses must be a column of a source visible where it is
written (a model table, or a subquery or WITH step and the names it returns), an outer query's source for a
correlated subquery, or an alias of the same SELECT.

Resolving names statement-wide is not enough: an engine turns a name that is no column where it stands into
something else (DuckDB reads `current_schema` as a function; PostgreSQL reads `s.to_json` as `to_json(s)`).
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

ANY = "*"  # a source whose names cannot be listed (refused by the caller)


def unresolved_column(tree: exp.Expr, tables: Mapping[str, frozenset[str]]) -> exp.Column | str | None:
    """The first column (or USING name) no visible source provides, or None when every name resolves."""
    try:
        scopes = traverse_scope(tree)
    except (SqlglotError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return "a name"  # sqlglot could not tell the scopes apart: fail closed
    owned = {id(scope.expression) for scope in scopes}
    for column in tree.find_all(exp.Column):
        if id(_owner(column)) not in owned:
            return column  # written somewhere no scope covers: refuse rather than leave it unchecked
    for scope in scopes:
        for column in scope.columns:
            if _owner(column) is scope.expression and not _resolves(column, scope, tables):
                return column
        for join in scope.expression.args.get("joins") or ():
            for name in join.args.get("using") or ():
                if name.name.lower() not in _names_in_scope(scope, tables):
                    return name.name
    return None


def _owner(node: exp.Expr) -> exp.Expr | None:
    """The query a column is written in (its scope's own check covers it there)."""
    current = node.parent
    while current is not None and not isinstance(current, (exp.Select, exp.SetOperation)):
        current = current.parent
    return current


def _resolves(column: exp.Column, scope: Scope, tables: Mapping[str, frozenset[str]]) -> bool:
    name = column.name.lower()
    qualifier = column.table.lower()
    if isinstance(column.this, exp.Star):
        return not qualifier or any(qualifier in _sources(s) for s in _chain(scope))
    for current in _chain(scope):
        sources = _sources(current)
        if qualifier:
            if qualifier in sources:
                return name in _source_names(sources[qualifier], tables)
            continue
        if name in _names_in_scope(current, tables) or (current is scope and name in _aliases(current)):
            return True
    return False


def _chain(scope: Scope) -> list[Scope]:
    """The scope and the scopes around it (a correlated subquery may use an outer query's sources)."""
    chain: list[Scope] = []
    current: Scope | None = scope
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def _sources(scope: Scope) -> dict[str, object]:
    return {name.lower(): source for name, (_, source) in _selected(scope).items()}


def _selected(scope: Scope) -> dict[str, tuple[exp.Selectable, exp.Table | Scope]]:
    try:
        return dict(scope.selected_sources)
    except (SqlglotError, KeyError, AttributeError):
        return {}


def _names_in_scope(scope: Scope, tables: Mapping[str, frozenset[str]]) -> set[str]:
    names: set[str] = set()
    for source in _sources(scope).values():
        names |= _source_names(source, tables)
    return names


def _source_names(source: object, tables: Mapping[str, frozenset[str]]) -> set[str]:
    """The column names a FROM source provides: a model table's columns, or what a subquery returns."""
    if isinstance(source, exp.Table):
        return set(tables.get(source.name.lower(), frozenset()))
    if isinstance(source, Scope):
        return _outputs(source, tables)
    return set()


def _outputs(scope: Scope, tables: Mapping[str, frozenset[str]]) -> set[str]:
    renamed = _alias_columns(scope)
    if renamed:
        return renamed
    expression = scope.expression
    if isinstance(expression, exp.SetOperation):
        first = scope.set_operation_scopes[0] if scope.set_operation_scopes else None
        return _outputs(first, tables) if first is not None else set()
    names: set[str] = set()
    for select in getattr(expression, "selects", ()):
        if isinstance(select, exp.Star) or (isinstance(select, exp.Column) and isinstance(select.this, exp.Star)):
            qualifier = select.table.lower() if isinstance(select, exp.Column) else ""
            sources = _sources(scope)
            picked = [sources[qualifier]] if qualifier in sources else list(sources.values())
            for source in picked:
                names |= _source_names(source, tables)
        elif select.alias_or_name:
            names.add(select.alias_or_name.lower())
    return names


def _alias_columns(scope: Scope) -> set[str]:
    """`(...) AS t(a, b)`: the names a derived table's alias gives its columns."""
    parent = scope.expression.parent
    alias = parent.args.get("alias") if isinstance(parent, (exp.Subquery, exp.CTE)) else None
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return {col.name.lower() for col in alias.columns}
    return set()


def _aliases(scope: Scope) -> set[str]:
    return {select.alias.lower() for select in getattr(scope.expression, "selects", ()) if select.alias}
