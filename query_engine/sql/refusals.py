"""How the guard words a refusal: what kind of statement, node or function it met, why that is refused, and
which tables Clarify queries."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from query_engine.errors import SqlRefused
from query_engine.sql.allow_lists import FILE_READERS, PAIRWISE_TEXT_FUNCTIONS, SYSTEM_FUNCTIONS

if TYPE_CHECKING:
    from query_engine.sql.guard import GuardPolicy

SELECT_HINT = "Write a single SELECT (a WITH ... SELECT is fine) over those tables."

STATEMENT_WORDS: dict[type[exp.Expr], str] = {
    exp.Insert: "INSERT", exp.Update: "UPDATE", exp.Delete: "DELETE", exp.Merge: "MERGE",
    exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER", exp.Copy: "COPY",
    exp.Attach: "ATTACH", exp.Detach: "DETACH", exp.Install: "INSTALL", exp.Pragma: "PRAGMA",
    exp.Set: "SET", exp.Use: "USE", exp.Transaction: "BEGIN", exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK", exp.Describe: "DESCRIBE", exp.Show: "SHOW",
    exp.Summarize: "SUMMARIZE", exp.Pivot: "PIVOT", exp.Values: "VALUES",
    exp.TruncateTable: "TRUNCATE", exp.Cache: "CACHE", exp.Uncache: "UNCACHE",
}

_WRITES = "which changes the database"
STATEMENT_REASONS: dict[str, str] = {
    "INSERT": _WRITES, "UPDATE": _WRITES, "DELETE": _WRITES, "MERGE": _WRITES,
    "CREATE": _WRITES, "DROP": _WRITES, "ALTER": _WRITES, "TRUNCATE": _WRITES,
    "COPY": "which copies data to or from files", "EXPORT": "which writes files",
    "IMPORT": "which reads files", "ATTACH": "which opens another database",
    "DETACH": "which closes a database", "INSTALL": "which installs an extension",
    "LOAD": "which loads an extension", "PRAGMA": "which reads or changes settings",
    "SET": "which changes settings", "RESET": "which changes settings",
    "CALL": "which runs a table function", "USE": "which switches database",
}

NODE_WORDS: dict[type[exp.Expr], str] = {
    exp.Into: "SELECT ... INTO, which would create a table",
    exp.Placeholder: "a parameter placeholder", exp.Parameter: "a parameter placeholder",
    exp.Unnest: "UNNEST", exp.Values: "a VALUES list", exp.Lambda: "a lambda function",
    exp.Pivot: "PIVOT", exp.Dot: "struct field access", exp.Bracket: "list or struct indexing",
    exp.Columns: "COLUMNS(...)", exp.TableSample: "TABLESAMPLE", exp.Version: "time travel (AT)",
    exp.Fetch: "FETCH FIRST (use LIMIT instead)", exp.LimitOptions: "LIMIT with PERCENT or TIES",
    exp.HistoricalData: "time travel (AT ...)", exp.Array: "a list literal",
    exp.Struct: "a struct literal",
}


def refused(problem: str, policy: GuardPolicy, *, hint: str) -> SqlRefused:
    """The refusal of a statement: what is wrong with it, and the tables Clarify does query."""
    return SqlRefused(f"Refused: {problem}. Clarify only queries {_tables_phrase(policy)}.",
                      hint=hint)


def _tables_phrase(policy: GuardPolicy) -> str:
    names = sorted(policy.tables)
    if not names:
        return "no tables"
    if len(names) == 1:
        return f"the table {names[0]}"
    return f"the tables {', '.join(names[:-1])} and {names[-1]}"


def statement_problem(word: str) -> str:
    """What is wrong with a statement that starts with `word` (INSERT, PRAGMA, ...), or with one of no known kind."""
    if not word:
        return "this is not a SELECT query, and Clarify only runs read-only SELECT queries"
    article = "an" if word[0] in "AEIO" or (word[0] == "U" and word[:2] not in ("US", "UN")) \
        else "a"
    why = STATEMENT_REASONS.get(word, "which is not a read-only SELECT query")
    return f"this is {article} {word} statement, {why}"


def function_problem(name: str, *, in_from: bool) -> str:
    """Why the function `name` is refused: it reads files, asks for system information, or is not allow-listed."""
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


def table_problem(name: str) -> str:
    """Why the table `name` is refused: it looks like a file path, or it is not one of the model's tables."""
    if "/" in name or "\\" in name or "." in name or ":" in name or "*" in name:
        return f"this statement reads the file '{name}' as if it were a table"
    return f"this statement uses the table {name}, which Clarify does not know"


def column_problem(name: str) -> str:
    """Why the column `name` is refused: no table the statement reads has it."""
    return f"this statement uses the column {name}, which the tables it reads do not have"
