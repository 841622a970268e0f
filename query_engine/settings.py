"""Settings: one table of (name, default, help), built by the CLI or the UI and passed in."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

DEMO_DATABASE_NAME = "demo.duckdb"


@dataclass(frozen=True)
class Setting:
    """One tunable: its name, default and a line of help."""

    name: str
    default: Any
    help: str


SETTINGS = (
    Setting("home", "~/.clarify", "Folder for the demo database, history, usage ledger and uploads (CLARIFY_HOME)."),
    Setting("database", "", "DuckDB file to query; empty means the demo database in the home folder (CLARIFY_DB)."),
    Setting("time_limit_s", 10.0, "Seconds a query may run before it is interrupted (CLARIFY_TIME_LIMIT_S)."),
    Setting("row_cap", 10_000, "Most rows a query returns; more sets `truncated` (CLARIFY_ROW_CAP)."),
    Setting("memory_limit", "1GB", "DuckDB memory limit per connection, below worker_memory (CLARIFY_MEMORY_LIMIT)."),
    Setting("worker_memory", "4GB", "Address-space cap of each query worker process; a query that needs more is "
            "stopped and only its worker restarts (CLARIFY_WORKER_MEMORY)."),
    Setting("workers", 2, "Warm query worker processes; more questions at once wait for one (CLARIFY_WORKERS)."),
    Setting("threads", 2, "DuckDB worker threads (CLARIFY_THREADS)."),
    Setting("ingest_memory", "3GB", "Address-space cap of the process that loads an upload; a file that needs more is "
            "refused and nothing is loaded (CLARIFY_INGEST_MEMORY)."),
    Setting("ingest_time_limit_s", 300.0, "Seconds loading an upload may take before it is stopped "
            "(CLARIFY_INGEST_TIME_LIMIT_S)."),
    Setting("confident_threshold", 0.75, "Top confidence at or above which the answer shows at once (CLARIFY_CONFIDENT)."),
    Setting("model_use", "full", "With keys: 'full' runs every model stage; 'economy' asks the interpretation model "
            "only when the offline reading is unsure, keeps the verified compiled SQL, and writes model insights "
            "only when the analyst asks (CLARIFY_MODEL_USE)."),
)
_ENV = {"home": "CLARIFY_HOME", "database": "CLARIFY_DB", "time_limit_s": "CLARIFY_TIME_LIMIT_S",
        "row_cap": "CLARIFY_ROW_CAP", "memory_limit": "CLARIFY_MEMORY_LIMIT",
        "worker_memory": "CLARIFY_WORKER_MEMORY", "workers": "CLARIFY_WORKERS", "threads": "CLARIFY_THREADS",
        "ingest_memory": "CLARIFY_INGEST_MEMORY", "ingest_time_limit_s": "CLARIFY_INGEST_TIME_LIMIT_S",
        "confident_threshold": "CLARIFY_CONFIDENT", "model_use": "CLARIFY_MODEL_USE"}


@dataclass(frozen=True)
class Settings:
    """The values every stage reads; never read from the environment inside the packages."""

    home: Path = Path("~/.clarify").expanduser()
    database: Path | None = None
    time_limit_s: float = 10.0
    row_cap: int = 10_000
    memory_limit: str = "1GB"
    worker_memory: str = "4GB"
    workers: int = 2
    threads: int = 2
    ingest_memory: str = "3GB"
    ingest_time_limit_s: float = 300.0
    confident_threshold: float = 0.75
    model_use: str = "full"  # "full" or "economy"; see SETTINGS

    @property
    def economy(self) -> bool:
        """True when model stages run only where they change the answer (see SETTINGS)."""
        return self.model_use.strip().lower() == "economy"

    @property
    def database_path(self) -> Path:
        """The database to query: the configured one, or the demo database under home."""
        return self.database or self.home / DEMO_DATABASE_NAME

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some values replaced."""
        return replace(self, **changes)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from CLARIFY_* variables, with the defaults of SETTINGS elsewhere."""
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in _ENV.items():
            raw = environ.get(var, "").strip()
            if raw:
                values[name] = _coerce(name, raw, types[name])
        if "home" in values:
            values["home"] = Path(values["home"]).expanduser()
        return cls(**values)


def _coerce(name: str, raw: str, type_name: Any) -> Any:
    if name in ("home", "database"):
        return Path(raw).expanduser()
    if "float" in str(type_name):
        return float(raw)
    if "int" in str(type_name):
        return int(raw)
    return raw
