"""What an upload may be: caps on columns, value and line lengths, and on how far a workbook may expand.

The caps protect the shared server from files that are small on disk but enormous to load (10,000 columns in
200 KB, a 7 MB workbook that unzips to gigabytes). Each is checked before the heavy work where the file's first
line or its zip directory tells, and every refusal names the limit and says what to export instead.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from query_engine.errors import IngestError

MAX_COLUMNS = 1_000
MAX_VALUE_BYTES = 64 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_WORKBOOK_BYTES = 500 * 1024 * 1024  # all parts of an .xlsx, uncompressed
MAX_WORKBOOK_PARTS = 1_000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM = 4 * 1024 * 1024  # smaller parts may compress any amount; only large ones can be a bomb
FEWER_COLUMNS = "Export fewer columns (drop breakdowns and metrics you do not need) and upload again."


def size_text(size: int) -> str:
    """Bytes as '64 KB', '1 MB' or '500 MB' (binary units, as the limits are set)."""
    for unit, factor in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            return f"{size / factor:,.0f} {unit}"
    return f"{size} bytes"


def check_column_count(name: str, count: int) -> None:
    """Refuse a file with more columns than Clarify loads."""
    if count > MAX_COLUMNS:
        raise IngestError(f"{name} has {count:,} columns; Clarify loads at most {MAX_COLUMNS:,} columns.",
                          hint=FEWER_COLUMNS)


def line_too_long(name: str, line: int | None = None) -> IngestError:
    """The error for a line longer than the line cap."""
    where = f"Line {line:,}" if line else "A line"
    return IngestError(f"{where} of {name} is longer than {size_text(MAX_LINE_BYTES)}, the most Clarify reads "
                       "in one line.", hint="Check that the file is a CSV export with one row per line (an "
                       "unclosed quote joins lines), or export fewer columns. Nothing was loaded.")


def value_too_long(name: str, column: str | None = None, line: int | None = None,
                   size: int | None = None) -> IngestError:
    """The error for a value longer than the value cap."""
    where = f" in column '{column}'" if column else ""
    where += f" on line {line:,}" if line else ""
    how_long = f" ({size_text(size)})" if size else ""
    return IngestError(f"{name} has a value{where} longer than {size_text(MAX_VALUE_BYTES)}{how_long}, the most "
                       "Clarify keeps in one cell.", hint="Remove or shorten that column (long free text, "
                       "encoded images) in the export and upload again. Nothing was loaded.")


def check_workbook(source: Path) -> None:
    """Refuse an .xlsx whose parts would expand past the caps (a zip bomb), before any of its XML is parsed.

    The sizes come from the zip directory; Python's zipfile stops reading a part at its recorded size and checks
    its CRC, so a part cannot expand beyond what is checked here."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(f"{source.name} could not be opened as an Excel workbook (it is not a valid .xlsx file).",
                          hint="Open it in Excel and save it again as .xlsx, or export CSV.") from None
    if len(parts) > MAX_WORKBOOK_PARTS:
        raise IngestError(f"{source.name} holds {len(parts):,} parts; an Excel workbook Clarify opens holds at "
                          f"most {MAX_WORKBOOK_PARTS:,}.", hint="Save the report as a new .xlsx or export CSV.")
    total = sum(p.file_size for p in parts)
    if total > MAX_WORKBOOK_BYTES:
        raise IngestError(f"{source.name} expands to {size_text(total)} when opened; the limit is "
                          f"{size_text(MAX_WORKBOOK_BYTES)}.", hint="Export a shorter date range or fewer columns, "
                          "or export CSV. Nothing was loaded.")
    for part in parts:
        if part.file_size >= RATIO_CHECKED_FROM and part.file_size > MAX_COMPRESSION_RATIO * max(1, part.compress_size):
            raise IngestError(f"{source.name} is compressed more than {MAX_COMPRESSION_RATIO}:1 ({part.filename} "
                              f"expands from {size_text(part.compress_size)} to {size_text(part.file_size)}), which "
                              "real exports are not; Clarify does not open it.",
                              hint="Export the report from the ad platform again, or export CSV.")
