"""A date built from separate year, month and day columns (Année / Mois / Jour, Jahr / Monat / Tag, ...).

The parts are found by their names (data/export_lexicon.yaml, any language) and their converted kinds: whole
numbers, or month names. Without a year column, a single year stated in the file's name ('..._2025.csv')
completes the date; without either, no date is built and the month and day columns are marked as the time
parts they are (kinds 'month_number' / 'day_of_month'), so the model can still resolve "May" within the file.
The originals are always kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from query_engine.datasets.export_lexicon import date_part

_FILE_YEAR = re.compile(r"(?<!\d)(199\d|20\d\d)(?!\d)")
PART_KINDS = {"month": "month_number", "day": "day_of_month"}


@dataclass(frozen=True)
class DateFromParts:
    """The derived date (SQL over the converted columns v<i>), what it was built from, and part kinds."""

    sql: str | None
    source: str = ""
    note: str = ""
    kinds: dict[int, str] = field(default_factory=dict)  # column index -> kind, for parts left without a date


def file_year(file_name: str) -> int | None:
    """The one year a file's name states ('snapchat_report_2025.csv' -> 2025), else None."""
    years = set(_FILE_YEAR.findall(Path(file_name).stem))
    return int(years.pop()) if len(years) == 1 else None


def _parts(columns: list[tuple[int, str, str]]) -> dict[str, tuple[int, str, str]]:
    """The first column of each part: (index, header, kind), by name and by a kind that fits the part."""
    fits = {"year": ("integer",), "month": ("integer", "month"), "day": ("integer",)}
    found: dict[str, tuple[int, str, str]] = {}
    for i, header, kind in columns:
        part = date_part(header)
        if part and part not in found and kind in fits[part]:
            found[part] = (i, header, kind)
    return found


def date_from_parts(columns: list[tuple[int, str, str]], file_name: str) -> DateFromParts | None:
    """The date `columns` (index, header, kind) spell out in parts, or the part kinds when they cannot."""
    parts = _parts(columns)
    if "month" not in parts or "day" not in parts:
        return None
    (mi, mh, mk), (di, dh, _) = parts["month"], parts["day"]
    month = f"(enum_code(v{mi}) + 1)" if mk == "month" else f"v{mi}"
    if "year" in parts:
        yi, yh, _ = parts["year"]
        year, said = f"v{yi}", f"{yh} + {mh} + {dh}"
    else:
        stated = file_year(file_name)
        if stated is None:
            kinds = {di: PART_KINDS["day"]} | ({mi: PART_KINDS["month"]} if mk == "integer" else {})
            return DateFromParts(None, kinds=kinds)
        year, said = str(stated), f"{mh} + {dh}, year {stated} from the file name"
    sql = (f"CASE WHEN {year} BETWEEN 1900 AND 2100 AND {month} BETWEEN 1 AND 12 AND v{di} BETWEEN 1 AND 31 "
           f"THEN try(make_date(CAST({year} AS BIGINT), CAST({month} AS BIGINT), CAST(v{di} AS BIGINT))) END")
    return DateFromParts(sql, said, f"a date built from {said}; the original columns are kept")
