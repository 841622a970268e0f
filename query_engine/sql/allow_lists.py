"""The SQL guard's allow-lists: which sqlglot node classes and function names a statement may use."""
from __future__ import annotations

from sqlglot import exp

# Shapes of a read-only query: clauses, references, operators and literals. Nothing that names a
# file, a setting, a catalog object other than a table, or that changes state appears here.
STRUCTURE_NODES: frozenset[type[exp.Expr]] = frozenset({
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.With, exp.CTE,
    exp.From, exp.Join, exp.Lateral, exp.Where, exp.Group, exp.Having, exp.Qualify,
    exp.Order, exp.Ordered, exp.Limit, exp.Offset, exp.Distinct,
    exp.Rollup, exp.Cube, exp.GroupingSets,
    exp.Table, exp.TableAlias, exp.Column, exp.Identifier, exp.Star, exp.Alias, exp.Paren,
    exp.Tuple, exp.Literal, exp.Null, exp.Boolean, exp.Var, exp.Interval,
    exp.DataType, exp.DataTypeParam,
    exp.Window, exp.WindowSpec, exp.Filter, exp.WithinGroup, exp.IgnoreNulls, exp.RespectNulls,
    exp.And, exp.Or, exp.Not, exp.Xor,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, exp.SimilarTo, exp.Exists, exp.Any, exp.All,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.Pow, exp.DPipe,
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.Cast, exp.TryCast,
})

AGGREGATE_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset({
    exp.Count, exp.CountIf, exp.Sum, exp.Avg, exp.Min, exp.Max, exp.AnyValue, exp.ArgMax, exp.ArgMin,
    exp.ApproxDistinct, exp.ApproxQuantile, exp.Median, exp.Mode, exp.Quantile,
    exp.PercentileCont, exp.PercentileDisc, exp.Stddev, exp.StddevPop, exp.StddevSamp,
    exp.Variance, exp.VariancePop, exp.Corr, exp.CovarPop, exp.CovarSamp, exp.Kurtosis,
    exp.Skewness, exp.LogicalAnd, exp.LogicalOr, exp.First, exp.Last,
    exp.Grouping, exp.RegrSlope, exp.RegrIntercept, exp.RegrR2, exp.RegrCount,
})

WINDOW_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset({
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.PercentRank, exp.CumeDist, exp.Ntile,
    exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue,
})

MATH_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset({
    exp.Abs, exp.Ceil, exp.Floor, exp.Round, exp.Trunc, exp.Sqrt, exp.Cbrt, exp.Exp, exp.Ln,
    exp.Log, exp.Sign, exp.Greatest, exp.Least, exp.Pi, exp.Degrees, exp.Radians,
    exp.IsNan, exp.IsInf, exp.SafeDivide,
})

STRING_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset({
    exp.Lower, exp.Upper, exp.Length, exp.Concat, exp.ConcatWs, exp.Substring, exp.Trim,
    exp.Left, exp.Right, exp.Reverse, exp.StrPosition, exp.StartsWith,
    exp.EndsWith, exp.Contains, exp.Initcap, exp.SplitPart, exp.RegexpLike,
    exp.RegexpILike, exp.RegexpExtract, exp.Ascii, exp.Chr, exp.Unicode, exp.Translate,
})

DATE_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset({
    exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime, exp.Date, exp.DateTrunc,
    exp.TimestampTrunc, exp.DateAdd, exp.DateSub, exp.DateDiff, exp.DatetimeDiff,
    exp.TimestampDiff, exp.TsOrDsAdd, exp.TsOrDsDiff, exp.TsOrDsToDate, exp.Extract,
    exp.Year, exp.Quarter, exp.Month, exp.Week, exp.WeekOfYear, exp.Day, exp.DayOfWeek,
    exp.DayOfWeekIso, exp.DayOfMonth, exp.DayOfYear, exp.Dayname, exp.Monthname, exp.LastDay,
    exp.Hour, exp.Minute, exp.Second, exp.StrToDate, exp.StrToTime, exp.TimeToStr,
    exp.TimeStrToTime, exp.TimeStrToDate, exp.UnixToTime, exp.TimeToUnix, exp.DateFromParts,
    exp.TimestampFromParts, exp.DateBin, exp.DateStrToDate, exp.DateToDateStr,
})

# String concatenation doubles a value per use when nested; a statement may use this many.
CONCATENATIONS: frozenset[type[exp.Expr]] = frozenset({exp.DPipe, exp.Concat, exp.ConcatWs})
MAX_CONCATENATIONS = 8

ALLOWED_NODES: frozenset[type[exp.Expr]] = (
    STRUCTURE_NODES | AGGREGATE_FUNCTIONS | WINDOW_FUNCTIONS | MATH_FUNCTIONS
    | STRING_FUNCTIONS | DATE_FUNCTIONS
)

# DuckDB functions sqlglot keeps as Anonymous; allowed by lowercase name. Only pure scalar or
# aggregate functions of values: nothing that reads settings, files, variables or the catalog.
# Functions that build large strings from small input (lpad, repeat, printf, replace,
# regexp_replace, string_agg) are left out on purpose: DuckDB's memory_limit does not bound
# string values, so one row could take the machine's memory.
ALLOWED_ANONYMOUS: frozenset[str] = frozenset({
    # date and time
    "date_trunc", "datetrunc", "dayname", "monthname", "strftime", "strptime", "try_strptime",
    "datediff", "date_diff", "datesub", "date_sub", "date_add", "date_part", "datepart",
    "isodow", "isoyear", "dayofweek", "dayofmonth", "dayofyear", "weekday", "weekofyear",
    "yearweek", "week", "quarter", "year", "month", "day", "hour", "minute", "second",
    "epoch", "epoch_ms", "make_date", "make_timestamp", "make_time", "last_day", "time_bucket",
    "age", "to_timestamp", "to_days", "to_months", "to_years", "to_weeks", "to_hours",
    "century", "decade", "millennium", "era", "julian", "today", "current_date", "now",
    "get_current_timestamp", "get_current_time",
    # math
    "round_even", "roundbankers", "ceiling", "trunc", "log2", "log10", "ln", "power", "pow",
    "sqrt", "cbrt", "exp", "sign", "abs", "floor", "ceil", "round", "greatest", "least",
    "even", "gcd", "lcm", "factorial", "isfinite", "isinf", "isnan", "divide", "fdiv", "fmod",
    # string
    "ltrim", "rtrim", "trim", "left", "right", "left_grapheme",
    "right_grapheme", "prefix", "suffix", "starts_with", "ends_with", "contains", "instr",
    "position", "strpos", "reverse", "upper", "lower", "ucase", "lcase", "length",
    "len", "strlen", "concat", "concat_ws", "substr", "substring",
    "strip_accents", "nfc_normalize", "regexp_matches", "regexp_full_match", "regexp_extract",
    "split_part", "like_escape", "ilike_escape", "array_to_string", "initcap",
    # conditional
    "ifnull", "nullif", "coalesce", "nvl", "iff", "if",
    # aggregates
    "fsum", "sumkahan", "kahan_sum", "favg", "product", "geomean", "geometric_mean",
    "entropy", "arg_max", "arg_min", "argmax", "argmin", "max_by", "min_by", "mode",
    "median", "quantile", "quantile_cont", "quantile_disc", "bool_and", "bool_or",
    "count_star", "approx_count_distinct",
    "approx_quantile", "reservoir_quantile", "mad", "stddev", "stddev_samp", "stddev_pop",
    "var_samp", "var_pop", "variance", "covar_samp", "covar_pop", "corr", "kurtosis",
    "kurtosis_pop", "skewness", "regr_slope", "regr_intercept", "regr_r2", "regr_count",
    "regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy", "bit_and", "bit_or",
    "bit_xor", "first", "last", "any_value", "arbitrary",
    # window
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value", "rank_dense",
})

# Edit distances compare two strings cell by cell: quadratic in their length, and DuckDB cannot interrupt
# one call. Left out entirely; a refusal names them.
PAIRWISE_TEXT_FUNCTIONS: frozenset[str] = frozenset({
    "levenshtein", "damerau_levenshtein", "editdist3", "jaro_similarity", "jaro_winkler_similarity",
    "jarowinkler_similarity", "jaccard", "hamming", "mismatches",
})

# Names the guard lets through where sqlglot renders a name as raw text: type names in casts, and the
# units of EXTRACT, DATE_TRUNC, DATE_DIFF and INTERVAL. Everything else in those positions is refused.
ALLOWED_TYPES: frozenset[exp.DType] = frozenset(
    getattr(exp.DataType.Type, name) for name in (
        "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINT",
        "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "VARCHAR", "TEXT", "CHAR", "NCHAR", "NVARCHAR", "DATE",
        "TIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMPNTZ", "INTERVAL",
    ) if hasattr(exp.DataType.Type, name)
)
ALLOWED_UNITS: frozenset[str] = frozenset({
    "YEAR", "YEARS", "QUARTER", "QUARTERS", "MONTH", "MONTHS", "WEEK", "WEEKS", "DAY", "DAYS", "HOUR",
    "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS", "MILLISECOND", "MILLISECONDS", "MICROSECOND",
    "MICROSECONDS", "DOW", "ISODOW", "DOY", "DAYOFWEEK", "DAYOFMONTH", "DAYOFYEAR", "WEEKDAY",
    "WEEKOFYEAR", "ISOYEAR", "YEARWEEK", "EPOCH", "DECADE", "CENTURY", "MILLENNIUM",
})
# DuckDB functions (kept as Anonymous by sqlglot) whose first argument names a unit, held to ALLOWED_UNITS.
UNIT_FIRST_FUNCTIONS: frozenset[str] = frozenset({
    "date_part", "datepart", "date_diff", "datediff", "date_sub", "datesub", "date_trunc", "datetrunc",
})
# A quoted name may hold letters, digits, spaces and a little punctuation; never quotes, `;`, `-`, `/`,
# `*`, backslashes, `$` or control characters, from which a comment, a string or a statement could start.
SAFE_NAME_PATTERN = r"[\w %#&+.,()?!:]{1,128}"
NUMBER_PATTERN = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
MAX_STRING_LITERAL = 2_000

# The shape of one statement: how many named steps and set operations it may have, and how many times it
# may read its tables once every WITH step is written out in place (a chain of steps that each read the
# one before twice doubles the work per step).
MAX_CTES = 16
MAX_SET_OPERATIONS = 16
MAX_TABLE_READS = 64

# Table functions that read files or other databases; named so a refusal can say "reads a file".
FILE_READERS: frozenset[str] = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto",
    "read_json_objects", "read_json_objects_auto", "read_ndjson", "read_ndjson_auto",
    "read_ndjson_objects", "read_text", "read_blob", "glob", "sniff_csv", "parquet_metadata",
    "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata", "iceberg_scan",
    "iceberg_metadata", "iceberg_snapshots", "delta_scan", "postgres_scan", "postgres_query",
    "sqlite_scan", "mysql_scan", "mysql_query", "read_xlsx", "st_read", "readcsv", "readparquet",
})

# Column-less scalar functions that disclose the machine or its settings; named in refusals.
SYSTEM_FUNCTIONS: frozenset[str] = frozenset({
    "current_setting", "getenv", "getvariable", "current_database", "current_schema",
    "current_schemas", "current_user", "session_user", "user", "version", "pragma_version",
    "current_query", "txid_current", "current_catalog", "current_role", "system_user",
})
