"""The SQL guard: an allow-list over the sqlglot tree that every statement passes before it runs."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from query_engine.errors import SqlRefused
from query_engine.semantics.model import SemanticModel
from query_engine.settings import DEFAULTS
from query_engine.sql.allow_lists import (
    ALLOWED_ANONYMOUS,
    ALLOWED_NODES,
    ALLOWED_TYPES,
    ALLOWED_UNITS,
    CONCATENATIONS,
    FILE_READERS,
    MAX_CONCATENATIONS,
    MAX_STRING_LITERAL,
    NUMBER_PATTERN,
    PAIRWISE_TEXT_FUNCTIONS,
    SAFE_NAME_PATTERN,
    SYSTEM_FUNCTIONS,
    UNIT_FIRST_FUNCTIONS,
)
from query_engine.sql.render import render_exact, reparse_single, same_tree
from query_engine.sql.scope import unresolved_column
from query_engine.sql.shape import check_shape, visible_ctes

MAX_SQL_CHARS = 20_000  # far above any analyst query; bounds parser time and recursion depth
ROW_CAP_ALIAS = "_clarify_rows"

_STATEMENT_WORDS: dict[type[exp.Expr], str] = {
    exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE",
    exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER", exp.Copy: "COPY",
    exp.Attach: "ATTACH", exp.Detach: "DETACH", exp.Install: "INSTALL", exp.Pragma: "PRAGMA",
    exp.Set: "SET", exp.Use: "USE", exp.Transaction: "BEGIN", exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK", exp.Describe: "DESCRIBE", exp.Show: "SHOW",
    exp.Summarize: "SUMMARIZE", exp.Pivot: "PIVOT", exp.Values: "VALUES",
    exp.TruncateTable: "TRUNCATE", exp.Cache: "CACHE", exp.Uncache: "UNCACHE",
}

_WRITES = "which changes the database"
_STATEMENT_REASONS: dict[str, str] = {
    "INSERT": _WRITES, "UPDATE": _WRITES, "DELETE": _WRITES, "MERGE": _WRITES,
    "CREATE": _WRITES, "DROP": _WRITES, "ALTER": _WRITES, "TRUNCATE": _WRITES,
    "COPY": "which copies data to or from files", "EXPORT": "which writes files",
    "IMPORT": "which reads files", "ATTACH": "which opens another database",
    "DETACH": "which closes a database", "INSTALL": "which installs an extension",
    "LOAD": "which loads an extension", "PRAGMA": "which reads or changes settings",
    "SET": "which changes settings", "RESET": "which changes settings",
    "CALL": "which runs a table function", "USE": "which switches database",
}

_FROM_ITEMS = (exp.Table, exp.Subquery, exp.Lateral)
_SELECT_HINT = "Write a single SELECT (a WITH ... SELECT is fine) over those tables."

_NODE_WORDS: dict[type[exp.Expr], str] = {
    exp.Into: "SELECT ... INTO, which would create a table",
    exp.Placeholder: "a parameter placeholder", exp.Parameter: "a parameter placeholder",
    exp.Unnest: "UNNEST", exp.Values: "a VALUES list", exp.Lambda: "a lambda function",
    exp.Pivot: "PIVOT", exp.Dot: "struct field access", exp.Bracket: "list or struct indexing",
    exp.Columns: "COLUMNS(...)", exp.TableSample: "TABLESAMPLE", exp.Version: "time travel (AT)",
    exp.Fetch: "FETCH FIRST (use LIMIT instead)", exp.LimitOptions: "LIMIT with PERCENT or TIES",
    exp.HistoricalData: "time travel (AT ...)", exp.Array: "a list literal",
    exp.Struct: "a struct literal",
}


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
    refs = _References()
    for node in tree.walk():
        _check_node(node, refs, policy)
    check_shape(tree)
    tables = _resolve_tables(refs, policy)
    _check_columns(tree, refs, policy)
    return tables


@dataclass
class _References:
    """What one walk of the tree collected for name resolution afterwards."""

    tables: list[exp.Table] = field(default_factory=list)
    columns: list[exp.Column] = field(default_factory=list)
    using: list[str] = field(default_factory=list)
    derived_aliases: set[str] = field(default_factory=set)
    output_names: set[str] = field(default_factory=set)
    model_aliases: dict[str, set[str]] = field(default_factory=dict)
    concatenations: int = 0


def _parse_single(sql: str, policy: GuardPolicy) -> exp.Query:
    if len(sql) > MAX_SQL_CHARS:
        raise _refused(f"this statement is {len(sql):,} characters long; the limit is "
                       f"{MAX_SQL_CHARS:,}", policy, hint="Write a shorter query.")
    try:
        dialect = Dialect.get_or_raise(policy.dialect)
        tokens = dialect.tokenize(sql)
        _check_quoted_names(tokens, policy)  # also the ones the parser would drop (VARCHAR("...") loses its length)
        statements = [s for s in dialect.parser().parse(tokens, sql) if s is not None]
    except RecursionError:
        raise _too_deep(policy) from None
    except (SqlglotError, ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        # sqlglot raises some internal errors on malformed input; fail closed on all of them
        raise _unreadable(sql, exc, policy) from None
    if not statements:
        raise SqlRefused("Refused: there is no SQL statement to run.",
                         hint="Write one SELECT query, or ask the question in words.")
    if len(statements) > 1:
        raise _refused(f"this text holds {len(statements)} SQL statements; Clarify runs exactly "
                       "one SELECT at a time", policy,
                       hint="Keep only the first statement and remove the rest.")
    return _unwrap_root(statements[0], policy)


def _check_quoted_names(tokens: list[Token], policy: GuardPolicy) -> None:
    for token in tokens:
        if token.token_type is TokenType.IDENTIFIER and not _SAFE_NAME.fullmatch(token.text):
            _refuse_name(token.text, policy)


def _refuse_name(name: str, policy: GuardPolicy) -> None:
    raise _refused(f"the name {name[:60]!r} holds characters Clarify does not allow in a name (quotes, ';', '-', "
                   "'/', '*', backslashes or control characters)", policy,
                   hint="Use names made of letters, digits, spaces and underscores.")


def _unreadable(sql: str, exc: Exception, policy: GuardPolicy) -> SqlRefused:
    first_word = re.match(r"\s*([A-Za-z]+)", sql)
    word = first_word.group(1).upper() if first_word else ""
    if word in _STATEMENT_REASONS:
        return _refused(_statement_problem(word), policy, hint=_SELECT_HINT)
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return SqlRefused(
        f"Refused: Clarify could not read this SQL ({first_line}), so it will not run it.",
        hint="Check the SQL syntax, or ask the question in words instead.",
    )


def _too_deep(policy: GuardPolicy) -> SqlRefused:
    return _refused("this statement is nested too deeply to check", policy,
                    hint="Use a WITH clause to split the query into named steps.")


def _unwrap_root(tree: exp.Expr, policy: GuardPolicy) -> exp.Query:
    while isinstance(tree, exp.Subquery) and set(tree.args) - {"this"} == set():
        tree = tree.this
    if isinstance(tree, (exp.Select, exp.SetOperation)):
        return tree
    if isinstance(tree, exp.Command):
        word = str(tree.this).upper()
    else:
        word = _STATEMENT_WORDS.get(type(tree), "")
    raise _refused(_statement_problem(word), policy, hint=_SELECT_HINT)


def _statement_problem(word: str) -> str:
    if not word:
        return "this is not a SELECT query, and Clarify only runs read-only SELECT queries"
    article = "an" if word[0] in "AEIO" or (word[0] == "U" and word[:2] not in ("US", "UN")) \
        else "a"
    why = _STATEMENT_REASONS.get(word, "which is not a read-only SELECT query")
    return f"this is {article} {word} statement, {why}"


def _check_node(node: exp.Expr, refs: _References, policy: GuardPolicy) -> None:
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
        raise _refused("this SELECT names nothing to return", policy,
                       hint="List the columns or measures to return after SELECT.")
    elif kind in CONCATENATIONS:
        _count_concatenation(node, refs, policy)
    elif type(node) is exp.Column:
        refs.columns.append(node)
    elif kind in (exp.Subquery, exp.Lateral):
        _collect_derived(node, refs, policy)
    elif kind in (exp.From, exp.Join) and not isinstance(node.this, _FROM_ITEMS):
        raise _refused("this statement reads from something that is not a table or a "
                       "subquery in parentheses", policy, hint=_SELECT_HINT)
    elif kind is exp.Join:
        refs.using.extend(ident.name.lower() for ident in node.args.get("using") or ())
    elif kind is exp.Alias:
        refs.output_names.add(node.alias.lower())
    elif type(node) is exp.TableAlias:
        refs.output_names.update(col.name.lower() for col in node.columns)
    elif kind is exp.With and node.args.get("recursive"):
        raise _refused("this statement uses WITH RECURSIVE, which can run without end", policy,
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
    raise _refused(f"the unit or keyword {word[:40]!r} is not one Clarify knows", policy,
                   hint="Use a date part such as year, quarter, month, week, day, hour, minute or second.")


def _check_type(node: exp.Expr, policy: GuardPolicy) -> None:
    if node.this not in ALLOWED_TYPES or node.args.get("nested") or node.args.get("values"):
        shown = node.args.get("kind") or getattr(node.this, "name", node.this)
        raise _refused(f"the type {str(shown)[:40]!r} is not one Clarify allows in a cast", policy,
                       hint="Cast to INTEGER, BIGINT, DOUBLE, DECIMAL(p, s), VARCHAR, DATE, TIMESTAMP or BOOLEAN.")


def _check_type_param(node: exp.Expr, policy: GuardPolicy) -> None:
    value = node.this
    if not (isinstance(value, exp.Literal) and not value.is_string and str(value.this).isdigit()):
        raise _refused("a type parameter is not a plain number", policy,
                       hint="Write types such as DECIMAL(18, 2) or VARCHAR(100).")


def _check_literal(node: exp.Expr, policy: GuardPolicy) -> None:
    text = node.this
    if not isinstance(text, str):
        raise _refused("a value in this statement is not plain text or a number", policy, hint=_SELECT_HINT)
    if node.is_string and len(text) > MAX_STRING_LITERAL:
        raise _refused(f"a text value in this statement is {len(text):,} characters long; the limit is "
                       f"{MAX_STRING_LITERAL:,}", policy, hint="Use shorter text values.")
    if not node.is_string and not _NUMBER.fullmatch(text):
        raise _refused(f"the number {text[:40]!r} is not written as a plain number", policy, hint=_SELECT_HINT)


_SAFE_NAME = re.compile(SAFE_NAME_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)
_NAME_CHECKS = {exp.Identifier: _check_identifier, exp.Var: _check_var, exp.DataType: _check_type,
                exp.DataTypeParam: _check_type_param, exp.Literal: _check_literal}


def _count_concatenation(node: exp.Expr, refs: _References, policy: GuardPolicy) -> None:
    refs.concatenations += max(1, len(node.expressions) - 1)
    if refs.concatenations > MAX_CONCATENATIONS:
        raise _refused(f"this statement joins text together more than {MAX_CONCATENATIONS} "
                       "times, which can build values too large for memory", policy,
                       hint="Return the parts as separate columns instead.")


def _check_anonymous(node: exp.Expr, refs: _References, policy: GuardPolicy) -> None:
    name = node.name.lower()
    if name in ALLOWED_ANONYMOUS and not isinstance(node.parent, exp.Table):
        if name in ("concat", "concat_ws"):
            _count_concatenation(node, refs, policy)
        if name in UNIT_FIRST_FUNCTIONS and node.expressions:
            _check_unit_argument(node.expressions[0], policy)
        return
    raise _refused(_function_problem(name, in_from=isinstance(node.parent, exp.Table)), policy,
                   hint="Use aggregate, math, text, date or window functions over those tables.")


def _check_unit_argument(unit: exp.Expr, policy: GuardPolicy) -> None:
    if isinstance(unit, exp.Literal) and unit.is_string and unit.this.upper() in ALLOWED_UNITS:
        return
    if isinstance(unit, exp.Var):
        return  # checked as a unit on its own
    raise _refused(f"the date part {unit.sql(dialect=policy.dialect)[:40]!r} is not one Clarify knows", policy,
                   hint="Use a date part such as 'year', 'quarter', 'month', 'week', 'day' or 'hour'.")


def _function_problem(name: str, *, in_from: bool) -> str:
    if name in PAIRWISE_TEXT_FUNCTIONS:
        return (f"this statement uses {name}, which compares text character by character and can run "
                "without bound on long values")
    if name in FILE_READERS or name.startswith(("read_", "parquet_")) or name.endswith("_scan"):
        return f"this statement reads a file with {name}"
    if name in SYSTEM_FUNCTIONS or name.startswith(("duckdb_", "pragma_")):
        return f"this statement asks for system information with {name}"
    if in_from:
        return f"this statement reads from the table function {name} instead of a table"
    return (f"this statement uses the function {name}, which is not on Clarify's list of "
            "aggregate, math, text, date and window functions")


def _refuse_node(node: exp.Expr, policy: GuardPolicy) -> None:
    if isinstance(node, exp.Func):
        name = node.sql_name().lower()
        raise _refused(_function_problem(name, in_from=isinstance(node.parent, exp.Table)),
                       policy, hint="Use aggregate, math, text, date or window functions.")
    word = _NODE_WORDS.get(type(node)) or _STATEMENT_WORDS.get(type(node)) or type(node).__name__
    raise _refused(f"this statement uses {word}, which Clarify does not allow in a query", policy,
                   hint="Rewrite it as a plain SELECT with joins, GROUP BY and CASE.")


def _collect_table(node: exp.Table, refs: _References, policy: GuardPolicy) -> None:
    if not isinstance(node.this, exp.Identifier):
        inner = node.this
        name = inner.name if isinstance(inner, exp.Anonymous) else type(inner).__name__
        if isinstance(inner, exp.Func) and not isinstance(inner, exp.Anonymous):
            name = inner.sql_name()
        raise _refused(_function_problem(name.lower(), in_from=True), policy,
                       hint="Query the tables by name; table functions are not allowed.")
    if node.catalog or (node.db and node.db.lower() != "main"):
        raise _refused(f"this statement names {node.sql(dialect=policy.dialect)}, which is "
                       "outside the database Clarify queries", policy,
                       hint="Refer to tables by their plain names.")
    refs.tables.append(node)


def _collect_derived(node: exp.Expr, refs: _References, policy: GuardPolicy) -> None:
    if isinstance(node, exp.Lateral) and not isinstance(node.this, exp.Subquery):
        raise _refused("this statement uses LATERAL with something other than a subquery",
                       policy, hint="Use LATERAL (SELECT ...) or a plain join.")
    if node.alias:
        refs.derived_aliases.add(node.alias.lower())


def _resolve_tables(refs: _References, policy: GuardPolicy) -> tuple[str, ...]:
    used: list[str] = []
    for table in refs.tables:
        name = table.name.lower()
        alias = (table.alias or table.name).lower()
        if not name.isascii():
            raise _refused(_table_problem(table.name), policy,
                           hint="Ask about the campaign data those tables hold.")
        if name in _visible_ctes(table):
            refs.derived_aliases.add(alias)
        elif name in policy.tables:
            refs.model_aliases.setdefault(alias, set()).add(name)
            refs.model_aliases.setdefault(name, set()).add(name)
            if name not in used:
                used.append(name)
        else:
            raise _refused(_table_problem(table.name), policy,
                           hint="Ask about the campaign data those tables hold.")
    return tuple(used)


def _table_problem(name: str) -> str:
    if "/" in name or "\\" in name or "." in name or ":" in name or "*" in name:
        return f"this statement reads the file '{name}' as if it were a table"
    return f"this statement uses the table {name}, which Clarify does not know"


def _visible_ctes(table: exp.Table) -> set[str]:
    """CTE names in scope at `table`."""
    return {cte.alias_or_name.lower() for cte in visible_ctes(table)}


def _check_columns(tree: exp.Expr, refs: _References, policy: GuardPolicy) -> None:
    """Every column resolves in its own scope, and none is a name the engine would read as a system value."""
    model_columns = set().union(*policy.tables.values()) if policy.tables else set()
    for column in refs.columns:
        if column.name.lower() in SYSTEM_FUNCTIONS and column.name.lower() not in model_columns:
            raise _refused(_function_problem(column.name.lower(), in_from=False), policy,
                           hint=_column_hint(refs, policy))
    missing = unresolved_column(tree, policy.tables)
    if missing is not None:
        shown = missing if isinstance(missing, str) else missing.sql(dialect=policy.dialect)
        raise _refused(_column_problem(shown), policy, hint=_column_hint(refs, policy))


def _column_problem(name: str) -> str:
    return f"this statement uses the column {name}, which the tables it reads do not have"


def _column_hint(refs: _References, policy: GuardPolicy) -> str:
    tables = sorted({t for ts in refs.model_aliases.values() for t in ts}) or sorted(policy.tables)
    listing = "; ".join(f"{t}: {', '.join(sorted(policy.tables[t]))}" for t in tables)
    return f"Use only these columns - {listing}."


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


def _refused(problem: str, policy: GuardPolicy, *, hint: str) -> SqlRefused:
    return SqlRefused(f"Refused: {problem}. Clarify only queries {_tables_phrase(policy)}.",
                      hint=hint)


def _tables_phrase(policy: GuardPolicy) -> str:
    names = sorted(policy.tables)
    if not names:
        return "no tables"
    if len(names) == 1:
        return f"the table {names[0]}"
    return f"the tables {', '.join(names[:-1])} and {names[-1]}"
