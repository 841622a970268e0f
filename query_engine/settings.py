"""Settings: one table of (name, default, help), built by the CLI or the UI and passed in."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEMO_DATABASE_NAME = "demo.duckdb"


@dataclass(frozen=True)
class Setting:
    """One tunable: its name, default, environment variable and a line of help."""

    name: str
    default: Any
    env: str
    help: str


# The one table of defaults: Settings takes its field defaults from here, and from_environ reads these variables.
SETTINGS = (
    Setting("home", "~/.clarify", "CLARIFY_HOME", "Folder for the demo database, history, usage ledger and uploads."),
    Setting("database", None, "CLARIFY_DB", "DuckDB file to query; unset means the demo database in the home folder."),
    Setting("time_limit_s", 10.0, "CLARIFY_TIME_LIMIT_S", "Seconds a query may run before it is stopped."),
    Setting("row_cap", 10_000, "CLARIFY_ROW_CAP", "Most rows a query returns; more sets `truncated`."),
    Setting("memory_limit", "1GB", "CLARIFY_MEMORY_LIMIT", "DuckDB memory limit per connection, below worker_memory."),
    Setting("worker_memory", "4GB", "CLARIFY_WORKER_MEMORY", "Address-space cap of each query worker process; a query "
            "that needs more is stopped and only its worker restarts."),
    Setting("workers", 2, "CLARIFY_WORKERS", "Warm query worker processes; more questions at once wait for one."),
    Setting("threads", 2, "CLARIFY_THREADS", "DuckDB worker threads."),
    Setting("ingest_memory", "3GB", "CLARIFY_INGEST_MEMORY", "Address-space cap of the process that loads an upload; "
            "a file that needs more is refused and nothing is loaded."),
    Setting("ingest_time_limit_s", 300.0, "CLARIFY_INGEST_TIME_LIMIT_S", "Seconds loading an upload may take."),
    Setting("confident_threshold", 0.75, "CLARIFY_CONFIDENT", "Top confidence at or above which the answer shows at "
            "once."),
    Setting("model_use", "full", "CLARIFY_MODEL_USE", "With keys: 'full' runs every model stage; 'economy' asks the "
            "interpretation model only when the offline reading is unsure, keeps the verified compiled SQL, and "
            "writes model insights only when the analyst asks."),
)
DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The values every stage reads; never read from the environment inside the packages."""

    home: Path = Path(DEFAULTS["home"]).expanduser()
    database: Path | None = DEFAULTS["database"]
    time_limit_s: float = DEFAULTS["time_limit_s"]
    row_cap: int = DEFAULTS["row_cap"]
    memory_limit: str = DEFAULTS["memory_limit"]
    worker_memory: str = DEFAULTS["worker_memory"]
    workers: int = DEFAULTS["workers"]
    threads: int = DEFAULTS["threads"]
    ingest_memory: str = DEFAULTS["ingest_memory"]
    ingest_time_limit_s: float = DEFAULTS["ingest_time_limit_s"]
    confident_threshold: float = DEFAULTS["confident_threshold"]
    model_use: str = DEFAULTS["model_use"]  # "full" or "economy"; see SETTINGS

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
        for setting in SETTINGS:
            raw = str(environ.get(setting.env, "") or "").strip()
            if raw:
                values[setting.name] = _coerce(setting.name, raw, types[setting.name])
        return cls(**values)


def _coerce(name: str, raw: str, type_name: Any) -> Any:
    if name in ("home", "database"):
        return Path(raw).expanduser()
    if "float" in str(type_name):
        return float(raw)
    if "int" in str(type_name):
        return int(raw)
    return raw
