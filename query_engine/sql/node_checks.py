"""The guard's checks on a parsed statement: every node's kind, every function, literal, type and name, and
the tables and columns the names resolve to."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from query_engine.sql.allow_lists import (
    ALLOWED_ANONYMOUS,
    ALLOWED_NODES,
    ALLOWED_TYPES,
    ALLOWED_UNITS,
    CONCATENATIONS,
    MAX_CONCATENATIONS,
    MAX_STRING_LITERAL,
    NUMBER_PATTERN,
    SAFE_NAME_PATTERN,
    SYSTEM_FUNCTIONS,
    UNIT_FIRST_FUNCTIONS,
)
from query_engine.sql.refusals import (
    NODE_WORDS,
    SELECT_HINT,
    STATEMENT_WORDS,
    column_problem,
    function_problem,
    refused,
    table_problem,
)
from query_engine.sql.scope import unresolved_column
from query_engine.sql.shape import visible_ctes

if TYPE_CHECKING:
    from query_engine.sql.guard import GuardPolicy

_FROM_ITEMS = (exp.Table, exp.Subquery, exp.Lateral)
_SAFE_NAME = re.compile(SAFE_NAME_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)


@dataclass
class References:
    """What one walk of the tree collected for name resolution afterwards."""

    tables: list[exp.Table] = field(default_factory=list)
    columns: list[exp.Column] = field(default_factory=list)
    using: list[str] = field(default_factory=list)
    derived_aliases: set[str] = field(default_factory=set)
    output_names: set[str] = field(default_factory=set)
    model_aliases: dict[str, set[str]] = field(default_factory=dict)
    concatenations: int = 0


def check_quoted_names(tokens: list[Token], policy: GuardPolicy) -> None:
    """Refuse a quoted name with characters Clarify does not allow in a name, wherever it stands."""
    for token in tokens:
        if token.token_type is TokenType.IDENTIFIER and not _SAFE_NAME.fullmatch(token.text):
            _refuse_name(token.text, policy)


def _refuse_name(name: str, policy: GuardPolicy) -> None:
    raise refused(f"the name {name[:60]!r} holds characters Clarify does not allow in a name (quotes, ';', '-', "
                  "'/', '*', backslashes or control characters)", policy,
                  hint="Use names made of letters, digits, spaces and underscores.")


def check_node(node: exp.Expr, refs: References, policy: GuardPolicy) -> None:
    """Refuse a node of a kind, or with a value, the guard does not allow; collect the names it uses."""
    kind = type(node)
    if kind is exp.Anonymous:
        _check_anonymous(node, refs, policy)
    elif kind not in ALLOWED_NODES:
        _refuse_node(node, policy)
    elif kind in _NAME_CHECKS:
        _NAME_CHECKS[kind](node, policy)
    elif type(node) is exp.Table:
        _collect_table(node, refs, policy)
    elif kind is exp.Select and not node.expressions:
        raise refused("this SELECT names nothing to return", policy,
                      hint="List the columns or measures to return after SELECT.")
    elif kind in CONCATENATIONS:
        _count_concatenation(node, refs, policy)
    elif type(node) is exp.Column:
        refs.columns.append(node)
    elif kind in (exp.Subquery, exp.Lateral):
        _collect_derived(node, refs, policy)
    elif kind in (exp.From, exp.Join) and not isinstance(node.this, _FROM_ITEMS):
        raise refused("this statement reads from something that is not a table or a "
                      "subquery in parentheses", policy, hint=SELECT_HINT)
    elif kind is exp.Join:
        refs.using.extend(ident.name.lower() for ident in node.args.get("using") or ())
    elif kind is exp.Alias:
        refs.output_names.add(node.alias.lower())
    elif type(node) is exp.TableAlias:
        refs.output_names.update(col.name.lower() for col in node.columns)
    elif kind is exp.With and node.args.get("recursive"):
        raise refused("this statement uses WITH RECURSIVE, which can run without end", policy,
                      hint="Use a plain WITH, or GROUP BY the periods you need.")
    elif kind is exp.CTE:
        refs.derived_aliases.add(node.alias_or_name.lower())


def _check_identifier(node: exp.Expr, policy: GuardPolicy) -> None:
    if isinstance(node.parent, exp.Table) and node.arg_key == "this":
        return  # a table's own name must be a model table or a WITH step, both checked names; refused later
    name = node.this
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
        _refuse_name(name if isinstance(name, str) else type(name).__name__, policy)


def _check_var(node: exp.Expr, policy: GuardPolicy) -> None:
    word = node.this if isinstance(node.this, str) else ""
    if word.upper() in ALLOWED_UNITS or (word.upper() == "ALL" and isinstance(node.parent, (exp.Ordered, exp.Group))):
        return
    raise refused(f"the unit or keyword {word[:40]!r} is not one Clarify knows", policy,
                  hint="Use a date part such as year, quarter, month, week, day, hour, minute or second.")


def _check_type(node: exp.Expr, policy: GuardPolicy) -> None:
    if node.this not in ALLOWED_TYPES or node.args.get("nested") or node.args.get("values"):
        shown = node.args.get("kind") or getattr(node.this, "name", node.this)
        raise refused(f"the type {str(shown)[:40]!r} is not one Clarify allows in a cast", policy,
                      hint="Cast to INTEGER, BIGINT, DOUBLE, DECIMAL(p, s), VARCHAR, DATE, TIMESTAMP or BOOLEAN.")


def _check_type_param(node: exp.Expr, policy: GuardPolicy) -> None:
    value = node.this
    if not (isinstance(value, exp.Literal) and not value.is_string and str(value.this).isdigit()):
        raise refused("a type parameter is not a plain number", policy,
                      hint="Write types such as DECIMAL(18, 2) or VARCHAR(100).")


def _check_literal(node: exp.Expr, policy: GuardPolicy) -> None:
    text = node.this
    if not isinstance(text, str):
        raise refused("a value in this statement is not plain text or a number", policy, hint=SELECT_HINT)
    if node.is_string and len(text) > MAX_STRING_LITERAL:
        raise refused(f"a text value in this statement is {len(text):,} characters long; the limit is "
                      f"{MAX_STRING_LITERAL:,}", policy, hint="Use shorter text values.")
    if not node.is_string and not _NUMBER.fullmatch(text):
        raise refused(f"the number {text[:40]!r} is not written as a plain number", policy, hint=SELECT_HINT)


_NAME_CHECKS = {exp.Identifier: _check_identifier, exp.Var: _check_var, exp.DataType: _check_type,
                exp.DataTypeParam: _check_type_param, exp.Literal: _check_literal}


def _count_concatenation(node: exp.Expr, refs: References, policy: GuardPolicy) -> None:
    refs.concatenations += max(1, len(node.expressions) - 1)
    if refs.concatenations > MAX_CONCATENATIONS:
        raise refused(f"this statement joins text together more than {MAX_CONCATENATIONS} "
                      "times, which can build values too large for memory", policy,
                      hint="Return the parts as separate columns instead.")


def _check_anonymous(node: exp.Expr, refs: References, policy: GuardPolicy) -> None:
    name = node.name.lower()
    if name in ALLOWED_ANONYMOUS and not isinstance(node.parent, exp.Table):
        if name in ("concat", "concat_ws"):
            _count_concatenation(node, refs, policy)
        if name in UNIT_FIRST_FUNCTIONS and node.expressions:
            _check_unit_argument(node.expressions[0], policy)
        return
    raise refused(function_problem(name, in_from=isinstance(node.parent, exp.Table)), policy,
                  hint="Use aggregate, math, text, date or window functions over those tables.")


def _check_unit_argument(unit: exp.Expr, policy: GuardPolicy) -> None:
    if isinstance(unit, exp.Literal) and unit.is_string and unit.this.upper() in ALLOWED_UNITS:
        return
    if isinstance(unit, exp.Var):
        return  # checked as a unit on its own
    raise refused(f"the date part {unit.sql(dialect=policy.dialect)[:40]!r} is not one Clarify knows", policy,
                  hint="Use a date part such as 'year', 'quarter', 'month', 'week', 'day' or 'hour'.")


def _refuse_node(node: exp.Expr, policy: GuardPolicy) -> None:
    if isinstance(node, exp.Func):
        name = node.sql_name().lower()
        raise refused(function_problem(name, in_from=isinstance(node.parent, exp.Table)),
                      policy, hint="Use aggregate, math, text, date or window functions.")
    word = NODE_WORDS.get(type(node)) or STATEMENT_WORDS.get(type(node)) or type(node).__name__
    raise refused(f"this statement uses {word}, which Clarify does not allow in a query", policy,
                  hint="Rewrite it as a plain SELECT with joins, GROUP BY and CASE.")


def _collect_table(node: exp.Table, refs: References, policy: GuardPolicy) -> None:
    if not isinstance(node.this, exp.Identifier):
        inner = node.this
        name = inner.name if isinstance(inner, exp.Anonymous) else type(inner).__name__
        if isinstance(inner, exp.Func) and not isinstance(inner, exp.Anonymous):
            name = inner.sql_name()
        raise refused(function_problem(name.lower(), in_from=True), policy,
                      hint="Query the tables by name; table functions are not allowed.")
    if node.catalog or (node.db and node.db.lower() != "main"):
        raise refused(f"this statement names {node.sql(dialect=policy.dialect)}, which is "
                      "outside the database Clarify queries", policy,
                      hint="Refer to tables by their plain names.")
    refs.tables.append(node)


def _collect_derived(node: exp.Expr, refs: References, policy: GuardPolicy) -> None:
    if isinstance(node, exp.Lateral) and not isinstance(node.this, exp.Subquery):
        raise refused("this statement uses LATERAL with something other than a subquery",
                      policy, hint="Use LATERAL (SELECT ...) or a plain join.")
    if node.alias:
        refs.derived_aliases.add(node.alias.lower())


def resolve_tables(refs: References, policy: GuardPolicy) -> tuple[str, ...]:
    """The model tables the statement reads; refuse any table that is neither one of them nor a WITH step."""
    used: list[str] = []
    for table in refs.tables:
        name = table.name.lower()
        alias = (table.alias or table.name).lower()
        if not name.isascii():
            raise refused(table_problem(table.name), policy,
                          hint="Ask about the campaign data those tables hold.")
        if name in _visible_ctes(table):
            refs.derived_aliases.add(alias)
        elif name in policy.tables:
            refs.model_aliases.setdefault(alias, set()).add(name)
            refs.model_aliases.setdefault(name, set()).add(name)
            if name not in used:
                used.append(name)
        else:
            raise refused(table_problem(table.name), policy,
                          hint="Ask about the campaign data those tables hold.")
    return tuple(used)


def _visible_ctes(table: exp.Table) -> set[str]:
    """CTE names in scope at `table`."""
    return {cte.alias_or_name.lower() for cte in visible_ctes(table)}


def check_columns(tree: exp.Expr, refs: References, policy: GuardPolicy) -> None:
    """Every column resolves in its own scope, and none is a name the engine would read as a system value."""
    model_columns = set().union(*policy.tables.values()) if policy.tables else set()
    for column in refs.columns:
        if column.name.lower() in SYSTEM_FUNCTIONS and column.name.lower() not in model_columns:
            raise refused(function_problem(column.name.lower(), in_from=False), policy,
                          hint=_column_hint(refs, policy))
    missing = unresolved_column(tree, policy.tables)
    if missing is not None:
        shown = missing if isinstance(missing, str) else missing.sql(dialect=policy.dialect)
        raise refused(column_problem(shown), policy, hint=_column_hint(refs, policy))


def _column_hint(refs: References, policy: GuardPolicy) -> str:
    tables = sorted({t for ts in refs.model_aliases.values() for t in ts}) or sorted(policy.tables)
    listing = "; ".join(f"{t}: {', '.join(sorted(policy.tables[t]))}" for t in tables)
    return f"Use only these columns - {listing}."
