"""Upload limits: files that are small on disk but huge to load are refused or stopped, never crash the server.

Each test is a reproduction from the security review, generated in tmp_path: too many columns, a workbook zip
bomb, over-long values and lines, one-line files, a load past its memory cap or deadline, and the folders a
killed upload leaves behind.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from query_engine.datasets import catalogue as datasets_module
from query_engine.datasets import upload_limits
from query_engine.datasets.catalogue import OWNER_FILE, DatasetCatalog, catalog_for
from query_engine.datasets.ingest import ingest_file
from query_engine.errors import IngestError, QueryTimeout, ResourceLimit
from query_engine.settings import Settings
from tests.test_cli import cli


def write_wide_csv(path: Path, columns: int, rows: int = 3) -> Path:
    """A CSV `columns` wide whose cell in row r, column c is r * 100000 + c (so misaligned rows show)."""
    lines = [",".join(f"col{c}" for c in range(columns))]
    lines += [",".join(str(r * 100_000 + c) for c in range(columns)) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_large_csv(path: Path, rows: int) -> Path:
    """A plain export of `rows` rows and six columns, written by DuckDB."""
    duckdb.connect().execute(f"""
        COPY (SELECT 'Campaign ' || (i % 250) AS campaign, DATE '2024-01-01' + CAST(i % 700 AS INTEGER) AS day,
                     printf('%.2f', (i % 9973) * 1.37) AS spend, i % 99991 AS impressions, i % 500 AS clicks,
                     'note ' || i AS comment
              FROM range({rows}) t(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    return path


def leftovers(catalog: DatasetCatalog) -> list[str]:
    """Every entry under the catalogue's datasets folder (staging, trash, datasets)."""
    return sorted(p.name for p in catalog.root.iterdir()) if catalog.root.is_dir() else []


@pytest.fixture
def catalog(clarify_home) -> DatasetCatalog:
    return DatasetCatalog(clarify_home, ingest_time_limit_s=120)


# --- columns ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("columns", [1_001, 3_000, 10_000])
def test_upload_limits_too_many_columns_are_refused_with_the_limit(catalog, tmp_path, columns):
    path = write_wide_csv(tmp_path / "wide.csv", columns, rows=2)
    with pytest.raises(IngestError) as refused:
        catalog.add_file(path)
    assert f"has {columns:,} columns" in refused.value.message
    assert "at most 1,000 columns" in refused.value.message and "Export fewer columns" in refused.value.hint
    assert catalog.names() == ("demo",) and leftovers(catalog) == []


def test_upload_limits_thousand_columns_load_whole_and_aligned(catalog, tmp_path):
    added = catalog.add_file(write_wide_csv(tmp_path / "wide.csv", 1_000, rows=3))
    assert added.report.rows == 3 and len(added.report.columns) == 1_000
    assert {c.kind for c in added.report.columns} == {"integer"}
    con = duckdb.connect(str(added.dataset.database), read_only=True)
    rows = con.execute("SELECT * FROM wide ORDER BY col0").fetchall()
    con.close()
    assert rows == [tuple(r * 100_000 + c for c in range(1_000)) for r in range(3)]
    assert leftovers(catalog) == ["wide"]


def test_upload_limits_wide_batches_keep_rows_aligned_and_fall_back_per_column(tmp_path):
    """200 columns are converted in several batches; a later batch's column that holds text stays text."""
    rows = 6_000
    frame = pd.DataFrame({f"col{c}": [str(r * 1_000 + c) for r in range(rows)] for c in range(200)})
    frame.loc[rows - 1, "col150"] = "n/a yet"  # not a missing marker: the column must become text
    frame.to_csv(tmp_path / "batches.csv", index=False)
    report = ingest_file(tmp_path / "batches.csv", tmp_path / "batches.duckdb")
    kinds = report.kinds()
    assert kinds["col150"] == "text" and {k for n, k in kinds.items() if n != "col150"} == {"integer"}
    con = duckdb.connect(str(tmp_path / "batches.duckdb"), read_only=True)
    got = con.execute("SELECT col0, col63, col64, col150, col199 FROM batches ORDER BY col0").fetchall()
    con.close()
    expected = [(r * 1_000, r * 1_000 + 63, r * 1_000 + 64, str(r * 1_000 + 150), r * 1_000 + 199)
                for r in range(rows)]
    expected[-1] = expected[-1][:3] + ("n/a yet",) + expected[-1][4:]
    assert got == expected


# --- values and lines ------------------------------------------------------------------------------

def _csv_with_value(tmp_path: Path, size: int, *, after_bytes: int = 0) -> Path:
    """campaign,notes with one `size`-byte notes value, after `after_bytes` of ordinary rows."""
    filler = "".join(f"Campaign {i},short note {i}\n" for i in range(after_bytes // 28 + 1)) if after_bytes else ""
    path = tmp_path / "notes.csv"
    path.write_text(f"campaign,notes\n{filler}Brand,{'x' * size}\nProspecting,ok\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("size, after_bytes, where", [
    (140 * 1024, 0, ""),  # past Python's own 128 KB csv field limit, in the sniffed head
    (100 * 1024, 0, "in column 'notes' on line 2"),  # between the two limits: found after reading
    (140 * 1024, 2 * 1024 * 1024, "in column 'notes' on line"),  # beyond the head: found after reading
])
def test_upload_limits_long_value_is_refused_with_the_limit(catalog, tmp_path, size, after_bytes, where):
    path = _csv_with_value(tmp_path, size, after_bytes=after_bytes)
    with pytest.raises(IngestError) as refused:
        catalog.add_file(path)
    assert "longer than 64 KB" in refused.value.message and where in refused.value.message
    assert "Nothing was loaded" in refused.value.hint
    assert leftovers(catalog) == []


def test_upload_limits_long_line_is_refused_with_its_line_number(tmp_path):
    path = tmp_path / "long_line.csv"
    body = "".join(f"{i},{'y' * 60_000}\n" for i in range(30))  # 30 lines of 60 KB: over the 1 MB head
    path.write_text("id,blob\n" + body + "7," + "z" * (1100 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as refused:
        ingest_file(path, tmp_path / "long.duckdb")
    assert "longer than 1 MB" in refused.value.message and "Line 32" in refused.value.message
    assert not (tmp_path / "long.duckdb").exists()


def test_upload_limits_first_line_longer_than_the_line_cap(tmp_path):
    path = tmp_path / "no_newline.csv"
    path.write_bytes(b"a," * (600 * 1024))
    with pytest.raises(IngestError, match="Line 1 of no_newline.csv is longer than 1 MB"):
        ingest_file(path, tmp_path / "x.duckdb")


@pytest.mark.parametrize("content", [
    b"campaign,spend\n", b"campaign,spend", b"spend", b"spend\r\n", b"\xef\xbb\xbfcampaign;spend", b"a\tb\tc",
])
def test_upload_limits_one_line_files_are_an_ingest_error(catalog, tmp_path, content):
    path = tmp_path / "one_line.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError, match="header row but no data rows"):
        catalog.add_file(path)
    assert leftovers(catalog) == []


def test_upload_limits_empty_json_lines_say_there_are_no_records(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(IngestError, match="has no records"):
        ingest_file(path, tmp_path / "e.duckdb")


# --- workbooks -------------------------------------------------------------------------------------

def _workbook(path: Path) -> Path:
    pd.DataFrame({"Campaign": ["A", "B"], "Cost": [1.5, 2.0]}).to_excel(path, index=False, engine="openpyxl")
    return path


def write_zip_bomb(path: Path, sheet_mb: int = 300) -> Path:
    """A real workbook whose first sheet is replaced by `sheet_mb` MB of repeated XML (a few hundred KB zipped)."""
    good = _workbook(path.with_name("good.xlsx"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, src.read(item))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(sheet_mb * 2**20 // len(chunk)):
                sheet.write(chunk)
    return path


def test_upload_limits_xlsx_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    bomb = write_zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 2 * 2**20
    parsed = []
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: parsed.append(a) or pd.DataFrame())
    with pytest.raises(IngestError) as refused:
        ingest_file(bomb, tmp_path / "bomb.duckdb")
    assert "compressed more than 100:1" in refused.value.message and "xl/worksheets/sheet1.xml" in refused.value.message
    assert parsed == [] and not (tmp_path / "bomb.duckdb").exists()


@pytest.mark.parametrize("limit, value, message", [
    ("MAX_WORKBOOK_BYTES", 4 * 1024, "expands to"),
    ("MAX_WORKBOOK_PARTS", 3, "parts; an Excel workbook Clarify opens holds at most 3"),
])
def test_upload_limits_xlsx_over_its_bounds_is_refused(tmp_path, monkeypatch, limit, value, message):
    path = _workbook(tmp_path / "report.xlsx")
    assert ingest_file(path, tmp_path / "ok.duckdb").rows == 2
    monkeypatch.setattr(upload_limits, limit, value)
    with pytest.raises(IngestError, match=message):
        ingest_file(path, tmp_path / "refused.duckdb")


def test_upload_limits_not_a_zip_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"Campaign,Cost\nA,1\n")
    with pytest.raises(IngestError, match="not a valid .xlsx file"):
        ingest_file(path, tmp_path / "fake.duckdb")


# --- memory and time -------------------------------------------------------------------------------

def test_upload_limits_load_past_its_memory_cap_is_stopped_and_leaves_nothing(clarify_home, tmp_path):
    settings = Settings.from_environ({"CLARIFY_HOME": str(clarify_home), "CLARIFY_INGEST_MEMORY": "300MB"})
    catalog = catalog_for(settings)
    assert catalog.ingest_memory == 300 * 2**20
    with pytest.raises(ResourceLimit) as stopped:
        catalog.add_file(write_large_csv(tmp_path / "big_export.csv", 400_000))
    assert "big_export.csv needed more memory than 300 MB to load" in stopped.value.message
    assert "nothing was loaded" in stopped.value.message and "CLARIFY_INGEST_MEMORY" in stopped.value.hint
    assert catalog.names() == ("demo",) and leftovers(catalog) == []


def test_upload_limits_load_past_its_deadline_is_stopped_and_leaves_nothing(clarify_home, tmp_path):
    catalog = DatasetCatalog(clarify_home, ingest_time_limit_s=1)
    with pytest.raises(QueryTimeout) as stopped:
        catalog.add_file(write_wide_csv(tmp_path / "slow.csv", 1_000, rows=20))
    assert "Loading slow.csv took longer than 1 s" in stopped.value.message
    assert catalog.names() == ("demo",) and leftovers(catalog) == []


def test_upload_limits_settings_reach_the_catalogue(clarify_home):
    settings = Settings.from_environ({"CLARIFY_HOME": str(clarify_home), "CLARIFY_INGEST_MEMORY": "2GB",
                                      "CLARIFY_INGEST_TIME_LIMIT_S": "45"})
    catalog = catalog_for(settings)
    assert (catalog.ingest_memory, catalog.ingest_time_limit_s) == (2 * 2**30, 45.0)
    default = catalog_for(Settings(home=clarify_home))
    assert (default.ingest_memory, default.ingest_time_limit_s) == (3 * 2**30, 300.0)


# --- folders left by killed uploads ----------------------------------------------------------------

def _staging(root: Path, name: str, *, age_s: float = 0, owner_pid: int | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / ".data.duckdb.loading").write_bytes(b"partial")
    if owner_pid is not None:
        import socket

        (folder / OWNER_FILE).write_text(json.dumps({"pid": owner_pid, "host": socket.gethostname()}))
    stamp = time.time() - age_s
    os.utime(folder, (stamp, stamp))
    return folder


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_upload_limits_stale_staging_is_removed_and_a_live_one_kept(clarify_home):
    root = clarify_home / "datasets"
    _staging(root, ".staging-old-1a2b3c4d", age_s=2 * 3600)
    _staging(root, ".staging-fresh-5e6f7a8b", age_s=60)
    _staging(root, ".staging-killed-9c0d1e2f", age_s=60, owner_pid=_dead_pid())
    _staging(root, ".staging-live-3a4b5c6d", age_s=60, owner_pid=os.getpid())
    catalog = DatasetCatalog(clarify_home)
    assert leftovers(catalog) == [".staging-fresh-5e6f7a8b", ".staging-live-3a4b5c6d"]


def test_upload_limits_trash_is_deleted_or_put_back_when_its_dataset_is_missing(catalog, tmp_path, monkeypatch):
    path = tmp_path / "spend.csv"
    path.write_text("campaign,spend\nA,10\nB,20\n", encoding="utf-8")
    catalog.add_file(path)
    folder = catalog.root / "spend"
    os.replace(folder, catalog.root / ".trash-spend-0a1b2c3d")  # a replacement killed between its renames
    (catalog.root / ".trash-other-4e5f6a7b").mkdir()  # an old copy that was already replaced
    assert catalog.names() == ("demo",)
    fresh = DatasetCatalog(catalog.home)
    assert leftovers(fresh) == [".trash-other-4e5f6a7b", ".trash-spend-0a1b2c3d"]  # too recent to touch
    monkeypatch.setattr(datasets_module, "TRASH_GRACE_S", -1.0)
    restored = DatasetCatalog(catalog.home)
    assert leftovers(restored) == ["spend"] and restored.get("spend").rows == 2


# --- the CLI ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, write", [
    ("wide.csv", lambda p: write_wide_csv(p, 10_000, rows=2)),
    ("bomb.xlsx", lambda p: write_zip_bomb(p, sheet_mb=120)),
    ("header_only.csv", lambda p: p.write_text("campaign,spend\n", encoding="utf-8")),
])
def test_upload_limits_cli_prints_json_error_for_a_refused_file(tmp_path, clarify_home, name, write):
    path = tmp_path / name
    write(path)
    proc = cli("ask", "spend", "--data", str(path), "--json", env_home=clarify_home)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert name in out["error"] and out["interpretations"] == []
    assert not list((clarify_home / "datasets").iterdir())


@pytest.mark.parametrize("kind", ["list", "blob"])
def test_upload_limits_nested_and_binary_values_count_against_the_value_cap(tmp_path, kind):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, per = 4, 200_000  # a few KB compressed; each value is 600 KB once written out as text
    if kind == "list":
        offsets = pa.array(np.arange(0, (rows + 1) * per, per, dtype=np.int64))
        column = pa.LargeListArray.from_arrays(offsets, pa.array(np.zeros(rows * per, dtype=np.int8)))
    else:
        column = pa.array([b"\x00" * (3 * per)] * rows, type=pa.binary())
    path = tmp_path / f"nested_{kind}.parquet"
    pq.write_table(pa.table({"campaign": [f"c{i}" for i in range(rows)], "spend": [1.0] * rows, "blob": column}),
                   path, compression="zstd")
    with pytest.raises(IngestError) as refused:
        ingest_file(path, tmp_path / "nested.duckdb")
    assert "longer than 64 KB" in refused.value.message and "blob" in refused.value.message
    assert not (tmp_path / "nested.duckdb").exists()


def test_upload_limits_long_lines_of_short_values_load(tmp_path):
    path = tmp_path / "wide_values.csv"
    header = ",".join(f"note_{i}" for i in range(3)) + ",spend\n"
    row = ",".join("w" * 56_000 for _ in range(3))  # a 168 KB line of 56 KB values: under every cap
    path.write_text(header + "".join(f"{row},{i}\n" for i in range(3)), encoding="utf-8")
    report = ingest_file(path, tmp_path / "wide_values.duckdb")
    assert report.rows == 3 and [c.name for c in report.columns][-1] == "spend"
