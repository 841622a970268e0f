"""The catalogue of datasets under $CLARIFY_HOME: the demo dataset, and each uploaded file as its own dataset.

Layout: <home>/datasets/<name>/data.duckdb (one table), model.yaml (its semantic model, editable) and
load.json (what the load did). A dataset is staged in a hidden folder and swapped in only when the load
and the model inference have both succeeded, so nothing is half-loaded and a replacement is all or nothing.
The load itself runs in a child process with a memory cap and a deadline (`bounded_process`), so no file can
exhaust the server; folders a killed server left behind are cleared when the next catalogue starts.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml

from query_engine.datasets.cell_rules import sanitize_identifier
from query_engine.datasets.inference import infer_model, model_yaml
from query_engine.datasets.ingest import IngestReport, table_name_for
from query_engine.datasets.upload_limits import size_text
from query_engine.errors import (
    IngestError,
    QueryTimeout,
    ResourceLimit,
    SemanticModelError,
)
from query_engine.semantics.model import (
    DEFAULT_MODEL_PATH,
    SemanticModel,
    load_semantic_model,
    semantic_model_from_dict,
)
from query_engine.settings import DEFAULTS, Settings
from query_engine.sql.bounded_process import parse_size, run_bounded
from query_engine.sql.executor import open_connection

DEMO_NAME = "demo"
DATA_FILE, MODEL_FILE, LOAD_FILE = "data.duckdb", "model.yaml", "load.json"
OWNER_FILE = ".owner"  # in a staging folder: the pid and host of the process loading into it
STALE_AFTER_S = 3600.0  # a staging folder whose owner cannot be checked is abandoned after this long
TRASH_GRACE_S = 300.0  # a trash folder younger than this may still be mid-swap in another process
DUCKDB_SHARE = 0.6  # DuckDB's own memory limit inside a load, as a share of the process's cap


@dataclass(frozen=True)
class Dataset:
    """One queryable dataset: its DuckDB file, its semantic model file and the tables in scope."""

    name: str
    label: str
    kind: Literal["demo", "upload"]
    database: Path
    model_path: Path
    tables: tuple[str, ...]
    source: str = ""
    rows: int | None = None
    loaded_at: str = ""


@dataclass(frozen=True)
class AddedDataset:
    """The result of adding a file: the dataset, what the load did and the inferred model (YAML form)."""

    dataset: Dataset
    report: IngestReport
    model: dict[str, Any] = field(default_factory=dict)
    replaced: bool = False


def file_fingerprint(path: str | Path) -> str:
    """A SHA-256 of the file's bytes, read in blocks (uploads may be 200 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def catalog_for(settings: Settings) -> DatasetCatalog:
    """The catalogue under the settings' home, with the settings' demo database and load limits."""
    return DatasetCatalog(settings.home, settings.database_path, ingest_memory=settings.ingest_memory,
                          ingest_time_limit_s=settings.ingest_time_limit_s)


class DatasetCatalog:
    """Lists, adds, replaces and removes datasets, and loads and saves their semantic models."""

    def __init__(self, home: str | Path, demo_database: str | Path | None = None, *,
                 ingest_memory: str | int = DEFAULTS["ingest_memory"],
                 ingest_time_limit_s: float = DEFAULTS["ingest_time_limit_s"]) -> None:
        self.home = Path(home).expanduser()
        self.root = self.home / "datasets"
        self.demo_database = Path(demo_database) if demo_database else self.home / "demo.duckdb"
        self.ingest_memory = parse_size(ingest_memory)
        self.ingest_time_limit_s = float(ingest_time_limit_s)
        self.remove_abandoned()

    def list(self) -> tuple[Dataset, ...]:
        """The demo dataset first, then uploads by name."""
        uploads = []
        if self.root.is_dir():
            for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
                if (folder / DATA_FILE).is_file() and (folder / MODEL_FILE).is_file():
                    uploads.append(self._upload(folder))
        return (self._demo(), *uploads)

    def names(self) -> tuple[str, ...]:
        """The names of all datasets, demo first."""
        return tuple(d.name for d in self.list())

    def get(self, name: str) -> Dataset:
        """The dataset called `name`, or an error listing the known ones."""
        if name == DEMO_NAME:
            return self._demo()
        folder = self.root / name
        if not (folder / DATA_FILE).is_file() or not (folder / MODEL_FILE).is_file():
            known = ", ".join(self.names())
            raise IngestError(f"There is no dataset called '{name}'.", hint=f"Known datasets: {known}.")
        return self._upload(folder)

    def exists(self, name: str) -> bool:
        """Whether a dataset of that name exists (the demo always does)."""
        return name == DEMO_NAME or (self.root / name / DATA_FILE).is_file()

    def dataset_name_for(self, path: str | Path) -> str:
        """The name a file would get as a dataset (its sanitised stem)."""
        return table_name_for(path)

    def add_file(self, path: str | Path, *, name: str | None = None, replace: bool = False) -> AddedDataset:
        """Load a file as its own dataset with an inferred model; an existing name needs replace=True."""
        name = sanitize_identifier((name or table_name_for(path)).lower(), fallback="upload")
        if name == DEMO_NAME:
            raise IngestError("'demo' is the name of the bundled dataset.", hint="Choose another name.")
        existed = self.exists(name)
        if existed and not replace:
            raise IngestError(f"A dataset called '{name}' already exists; nothing was changed.",
                              hint="Confirm the replacement to overwrite it, or upload under another name.")
        staging = self._new_staging(name)
        try:
            report = self._ingest(Path(path), staging / DATA_FILE, name)
            raw = self._infer(staging / DATA_FILE, report)
            (staging / MODEL_FILE).write_text(model_yaml(raw), encoding="utf-8")
            load = {"source": report.source, "loaded_at": dt.datetime.now().isoformat(timespec="seconds"),
                    "fingerprint": file_fingerprint(path), **asdict(report)}
            (staging / LOAD_FILE).write_text(json.dumps(load, indent=2, default=str), encoding="utf-8")
            (staging / OWNER_FILE).unlink()
            self._swap_in(staging, self.root / name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return AddedDataset(self.get(name), report, raw, existed)

    def holds_file(self, name: str, path: str | Path) -> bool:
        """Whether dataset `name` was loaded from exactly this file's bytes (so it need not be loaded again)."""
        if name == DEMO_NAME or not self.exists(name):
            return False
        load_path = self.root / name / LOAD_FILE
        try:
            recorded = json.loads(load_path.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError):
            return False
        return bool(recorded) and recorded == file_fingerprint(path)

    def add_or_reuse(self, path: str | Path, *, replace: bool = False) -> tuple[Dataset, AddedDataset | None]:
        """The dataset for a file: reused when the same bytes were loaded before, else loaded (or replaced)."""
        name = sanitize_identifier(table_name_for(path).lower(), fallback="upload")
        if self.holds_file(name, path):
            return self.get(name), None
        added = self.add_file(path, replace=replace)
        return added.dataset, added

    def remove(self, name: str) -> None:
        """Delete an uploaded dataset (its data and model); the demo cannot be removed."""
        if name == DEMO_NAME:
            raise IngestError("The demo dataset is part of Clarify and cannot be removed.")
        folder = self.get(name).database.parent
        trash = self.root / f".trash-{name}-{uuid.uuid4().hex[:8]}"
        os.replace(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def load_model(self, name: str) -> SemanticModel:
        """The dataset's semantic model, validated."""
        return load_semantic_model(self.get(name).model_path)

    def load_model_dict(self, name: str) -> dict[str, Any]:
        """The dataset's model in YAML form (with its `columns` and `ambiguities`), for review and editing."""
        text = self.get(name).model_path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        if not isinstance(raw, dict):
            raise SemanticModelError(f"The model of '{name}' is not a mapping.", hint="Re-upload the file.")
        return raw

    def save_model(self, name: str, raw: dict[str, Any]) -> SemanticModel:
        """Validate an edited model against the model rules and the table's columns, then save it."""
        if name == DEMO_NAME:
            raise SemanticModelError("The demo model is part of Clarify and is not edited here.",
                                     hint="Upload your own file to get a model you can edit.")
        dataset = self.get(name)
        model = semantic_model_from_dict(raw)
        _check_columns_exist(model, dataset.database)
        staged = dataset.model_path.with_name(f".{MODEL_FILE}.{uuid.uuid4().hex[:8]}")
        staged.write_text(model_yaml(raw), encoding="utf-8")
        os.replace(staged, dataset.model_path)
        return model

    def load_report(self, name: str) -> dict[str, Any]:
        """What the load of an uploaded dataset did (renamed columns, dropped rows, notes)."""
        path = self.get(name).database.parent / LOAD_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def remove_abandoned(self) -> tuple[str, ...]:
        """Clear the staging and trash folders of uploads whose process was killed; live uploads are kept.

        A trash folder whose dataset is missing is the old copy of a replacement killed between its two renames:
        it is put back rather than deleted, so no data is lost."""
        if not self.root.is_dir():
            return ()
        cleared = []
        stale_after = max(STALE_AFTER_S, 2 * self.ingest_time_limit_s)
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if folder.name.startswith(".trash-") and _changed_ago(folder) > TRASH_GRACE_S:
                self._restore_or_delete(folder)
            elif folder.name.startswith(".staging-") and _abandoned(folder, stale_after):
                shutil.rmtree(folder, ignore_errors=True)
            else:
                continue
            cleared.append(folder.name)
        return tuple(cleared)

    def _restore_or_delete(self, trash: Path) -> None:
        name = trash.name.removeprefix(".trash-").rpartition("-")[0]
        final = self.root / name
        if name and not final.exists() and (trash / DATA_FILE).is_file() and (trash / MODEL_FILE).is_file():
            try:
                os.replace(trash, final)
            except OSError:
                pass  # another process got there first, or the folder is not ours to move: left as it is
        else:
            shutil.rmtree(trash, ignore_errors=True)

    def _new_staging(self, name: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{name}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        (staging / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        return staging

    def _ingest(self, path: Path, database: Path, table: str) -> IngestReport:
        """Load the file in a child process capped in memory and time; its errors come back as ours."""
        duckdb_limit = f"{int(self.ingest_memory * DUCKDB_SHARE) // 2**20}MB"
        payload = {"path": str(path.resolve()), "database": str(database), "table": table,
                   "memory_limit": duckdb_limit}
        try:
            result = run_bounded("ingest", payload, memory_bytes=self.ingest_memory,
                                 time_limit_s=self.ingest_time_limit_s)
        except ResourceLimit:
            raise ResourceLimit(f"{path.name} needed more memory than {size_text(self.ingest_memory)} to load, so "
                                "the load was stopped; nothing was loaded.",
                                hint="Export a shorter date range or fewer columns and upload again (the cap is "
                                     "the ingest_memory setting, CLARIFY_INGEST_MEMORY).") from None
        except QueryTimeout:
            raise QueryTimeout(f"Loading {path.name} took longer than {self.ingest_time_limit_s:g} s, so it was "
                               "stopped; nothing was loaded.",
                               hint="Export a shorter date range or fewer columns and upload again (the limit is "
                                    "the ingest_time_limit_s setting, CLARIFY_INGEST_TIME_LIMIT_S).") from None
        return IngestReport.from_dict(result)

    def _infer(self, database: Path, report: IngestReport) -> dict[str, Any]:
        con = duckdb.connect(str(database))
        try:
            return infer_model(con, report.table, kinds=report.kinds(), sources=report.source_names(),
                               title=Path(report.source).stem)
        finally:
            con.close()

    def _swap_in(self, staging: Path, final: Path) -> None:
        old = None
        if final.exists():
            old = self.root / f".trash-{final.name}-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
        os.replace(staging, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _demo(self) -> Dataset:
        return Dataset(DEMO_NAME, "Campaign performance (demo)", "demo", self.demo_database, DEFAULT_MODEL_PATH,
                       ("campaign_daily", "campaigns"), "bundled demo data")

    def _upload(self, folder: Path) -> Dataset:
        load_path = folder / LOAD_FILE
        load = json.loads(load_path.read_text(encoding="utf-8")) if load_path.is_file() else {}
        table = load.get("table", folder.name)
        return Dataset(folder.name, load.get("source", folder.name), "upload", folder / DATA_FILE,
                       folder / MODEL_FILE, (table,), load.get("source", ""), load.get("rows"),
                       load.get("loaded_at", ""))


def _abandoned(staging: Path, stale_after: float) -> bool:
    """Whether a staging folder's upload is over: its owner process on this host is gone, or it is too old."""
    try:
        owner = json.loads((staging / OWNER_FILE).read_text(encoding="utf-8"))
        pid, host = int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, KeyError, TypeError):
        pid, host = 0, ""
    if pid and host == socket.gethostname() and not _process_alive(pid):
        return True
    try:
        return time.time() - staging.stat().st_mtime > stale_after
    except OSError:
        return False


def _changed_ago(folder: Path) -> float:
    """Seconds since the folder was last renamed or changed (a rename sets its ctime); 0 when it is gone."""
    try:
        return time.time() - folder.stat().st_ctime
    except OSError:
        return 0.0


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_columns_exist(model: SemanticModel, database: Path) -> None:
    # The load recorded every column; reading them from there opens no second connection to a file the app
    # already holds open read-only with its own (locked) settings, which DuckDB would refuse.
    load_path = database.parent / LOAD_FILE
    load = json.loads(load_path.read_text(encoding="utf-8")) if load_path.is_file() else {}
    actual: dict[str, set[str]] = {}
    if load.get("table") and load.get("columns"):
        actual[str(load["table"]).lower()] = {str(c["name"]).lower() for c in load["columns"]}
    else:
        con = open_connection(database)
        try:
            for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns()").fetchall():
                actual.setdefault(table.lower(), set()).add(column.lower())
        finally:
            con.close()
    missing = [f"{t}.{c}" for t, cols in model.columns_by_table().items() for c in sorted(cols)
               if c.lower() not in actual.get(t.lower(), set())]
    if missing:
        raise SemanticModelError("The model names columns the data does not have: " + ", ".join(missing) + ".",
                                 hint="Pick columns from the table, or re-upload the file.")
    _check_measures_are_numbers(model, load)


NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")


def _check_measures_are_numbers(model: SemanticModel, load: dict[str, Any]) -> None:
    """A measure that sums or averages must be a number column; text like '€656,41' cannot be added up."""
    types = {str(c["name"]).lower(): str(c.get("type", "")).upper() for c in load.get("columns") or ()}
    for metric in model.metrics.values():
        if metric.is_derived or metric.aggregation in ("count", "count_distinct") or not metric.column:
            continue
        kind = types.get(metric.column.lower())
        if kind is not None and not kind.startswith(NUMERIC_TYPES):
            raise SemanticModelError(
                f"'{metric.label}' would {metric.aggregation} the column {metric.column}, which holds {kind.lower()} "
                "values, not numbers.", hint="Keep that column as a dimension, or fix the file and upload it again.")
