"""A throwaway PostgreSQL server for the backend and injection tests, holding the demo tables."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_TYPES = {"INTEGER": "integer", "BIGINT": "bigint", "DOUBLE": "double precision", "VARCHAR": "text",
            "DATE": "date"}


def _pg_bindir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL cluster on a free localhost port, for the whole session."""
    bindir = _pg_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are missing in CI: apt-get install -y postgresql.")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed; apt-get install postgresql to run.")
    data = Path(tempfile.mkdtemp(prefix="clarify_pg_"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(data, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data / "db"), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w",
                    "-t", "60", "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_demo(postgres_url, demo_db):
    """The demo database's two tables copied into PostgreSQL."""
    psycopg = pytest.importorskip("psycopg")
    from query_engine.sql.executor import open_connection

    source = open_connection(demo_db)  # same settings as every other connection to the shared demo file
    with psycopg.connect(postgres_url, autocommit=True) as con:
        for table in ("campaigns", "campaign_daily"):
            cols = source.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                                  "ORDER BY column_index", [table]).fetchall()
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {PG_TYPES[t]}' for c, t in cols)})")
            with con.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in source.execute(f"SELECT * FROM {table}").fetchall():
                    copy.write_row(row)
    source.close()
    return postgres_url
