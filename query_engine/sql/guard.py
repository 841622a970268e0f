"""The SQL guard: an allow-list over the sqlglot tree that every statement passes before it runs.

`guard_sql` is the entry point: it reads exactly one statement, runs the checks of `node_checks` over every node
and name, checks the statement's shape, caps the rows and re-renders exactly the tree it checked. `refusals`
words what is refused.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from query_engine.errors import SqlRefused
from query_engine.semantics.model import SemanticModel
from query_engine.settings import DEFAULTS
from query_engine.sql.node_checks import References, check_columns, check_node, check_quoted_names, resolve_tables
from query_engine.sql.refusals import (
    SELECT_HINT,
    STATEMENT_REASONS,
    STATEMENT_WORDS,
    refused,
    statement_problem,
)
from query_engine.sql.render import render_exact, reparse_single, same_tree
from query_engine.sql.shape import check_shape

MAX_SQL_CHARS = 20_000  # far above any analyst query; bounds parser time and recursion depth
ROW_CAP_ALIAS = "_clarify_rows"


@dataclass(frozen=True)
class GuardPolicy:
    """What a statement may touch: allowed tables with their lowercase columns, and the row cap."""

    tables: Mapping[str, frozenset[str]]
    row_cap: int = DEFAULTS["row_cap"]
    dialect: str = "duckdb"


@dataclass(frozen=True)
class GuardedSql:
    """A statement the guard accepted, re-rendered with a row limit; the only thing execute runs.

    `sql` re-parses, in the policy's dialect, into exactly `tree`, the tree that was checked.
    """

    sql: str
    tables: tuple[str, ...]
    tree: exp.Expr | None = field(default=None, compare=False, repr=False)


def policy_for_model(model: SemanticModel, row_cap: int = DEFAULTS["row_cap"]) -> GuardPolicy:
    """The guard policy that allows exactly the tables and columns of a semantic model."""
    tables = {
        name.lower(): frozenset(col.lower() for col in cols)
        for name, cols in model.columns_by_table().items()
    }
    return GuardPolicy(tables=tables, row_cap=row_cap)


def guard_sql(sql: str, policy: GuardPolicy) -> GuardedSql:
    """Accept one read-only SELECT over the policy's tables, or raise SqlRefused saying why."""
    tree = _parse_single(sql, policy)
    try:
        tables = _validate(tree, policy)
        capped = _cap_rows(tree, policy.row_cap)
        rendered = capped.sql(dialect=policy.dialect, comments=False)
        again = reparse_single(rendered, policy.dialect)
        if not same_tree(again, capped):
            # sqlglot wrote a normal form (VARCHAR(10) as TEXT, say): check that form too, and run only it
            capped = _cap_rows(_unwrap_root(again, policy), policy.row_cap)
            tables = _validate(capped, policy)
            rendered = render_exact(capped, policy.dialect)
    except RecursionError:
        raise _too_deep(policy) from None
    return GuardedSql(sql=rendered, tables=tables, tree=capped)


def _validate(tree: exp.Expr, policy: GuardPolicy) -> tuple[str, ...]:
    """Check every node, the statement's shape and every name; the model tables it reads."""
    refs = References()
    for node in tree.walk():
        check_node(node, refs, policy)
    check_shape(tree)
    tables = resolve_tables(refs, policy)
    check_columns(tree, refs, policy)
    return tables


def _parse_single(sql: str, policy: GuardPolicy) -> exp.Query:
    if len(sql) > MAX_SQL_CHARS:
        raise refused(f"this statement is {len(sql):,} characters long; the limit is "
                      f"{MAX_SQL_CHARS:,}", policy, hint="Write a shorter query.")
    try:
        dialect = Dialect.get_or_raise(policy.dialect)
        tokens = dialect.tokenize(sql)
        check_quoted_names(tokens, policy)  # also the ones the parser would drop (VARCHAR("...") loses its length)
        # A comment after the last ';' parses as a comment-only Semicolon node: it is not a second statement.
        statements = [s for s in dialect.parser().parse(tokens, sql)
                      if s is not None and not isinstance(s, exp.Semicolon)]
    except RecursionError:
        raise _too_deep(policy) from None
    except (SqlglotError, ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        # sqlglot raises some internal errors on malformed input; fail closed on all of them
        raise _unreadable(sql, exc, policy) from None
    if not statements:
        raise SqlRefused("Refused: there is no SQL statement to run.",
                         hint="Write one SELECT query, or ask the question in words.")
    if len(statements) > 1:
        raise refused(f"this text holds {len(statements)} SQL statements; Clarify runs exactly "
                      "one SELECT at a time", policy,
                      hint="Keep only the first statement and remove the rest.")
    return _unwrap_root(statements[0], policy)


def _unreadable(sql: str, exc: Exception, policy: GuardPolicy) -> SqlRefused:
    first_word = re.match(r"\s*([A-Za-z]+)", sql)
    word = first_word.group(1).upper() if first_word else ""
    if word in STATEMENT_REASONS:
        return refused(statement_problem(word), policy, hint=SELECT_HINT)
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SqlRefused(
        f"Refused: Clarify could not read this SQL ({first_line}), so it will not run it.",
        hint="Check the SQL syntax, or ask the question in words instead.",
    )


def _too_deep(policy: GuardPolicy) -> SqlRefused:
    return refused("this statement is nested too deeply to check", policy,
                   hint="Use a WITH clause to split the query into named steps.")


def _unwrap_root(tree: exp.Expr, policy: GuardPolicy) -> exp.Query:
    while isinstance(tree, exp.Subquery) and set(tree.args) - {"this"} == set():
        tree = tree.this
    if isinstance(tree, (exp.Select, exp.SetOperation)):
        return tree
    if isinstance(tree, exp.Command):
        word = str(tree.this).upper()
    else:
        word = STATEMENT_WORDS.get(type(tree), "")
    raise refused(statement_problem(word), policy, hint=SELECT_HINT)


def _cap_rows(tree: exp.Query, row_cap: int) -> exp.Query:
    cap = row_cap + 1
    limit = tree.args.get("limit")
    if limit is None:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(cap)))
        return tree
    value = _int_literal(limit.expression) if isinstance(limit, exp.Limit) else None
    if value is not None and not limit.args.get("offset"):
        if value > cap:
            limit.set("expression", exp.Literal.number(cap))
        return tree
    # a computed LIMIT cannot be compared; cap the rows outside it instead
    return exp.select("*").from_(tree.subquery(ROW_CAP_ALIAS)).limit(cap)


def _int_literal(node: exp.Expr | None) -> int | None:
    text = node.this if isinstance(node, exp.Literal) and not node.is_string else ""
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return None
