"""The one migration runner: each migration once, in order, in its own transaction, on SQLite and DuckDB."""
from __future__ import annotations

import sqlite3

import duckdb
import pytest

from router import applied_version, apply_migrations

STEPS = [(1, "first", "CREATE TABLE a (x INTEGER)"),
         (2, "second", "CREATE TABLE b (y INTEGER); CREATE TABLE c (z INTEGER)")]


def _sqlite():
    return sqlite3.connect(":memory:", isolation_level=None)


@pytest.mark.parametrize("connect,begin", [(_sqlite, "BEGIN IMMEDIATE"), (duckdb.connect, "BEGIN TRANSACTION")])
def test_migrations_apply_once_in_order(connect, begin):
    con = connect()
    assert apply_migrations(con, STEPS, begin=begin) == [1, 2]
    assert apply_migrations(con, STEPS, begin=begin) == []
    assert applied_version(con) == 2
    con.execute("INSERT INTO c VALUES (1)")


@pytest.mark.parametrize("connect,begin", [(_sqlite, "BEGIN IMMEDIATE"), (duckdb.connect, "BEGIN TRANSACTION")])
def test_a_failing_migration_leaves_nothing_half_done(connect, begin):
    con = connect()
    broken = [*STEPS[:1], (2, "broken", "CREATE TABLE d (x INTEGER); CREATE TABLE d (x INTEGER)")]
    with pytest.raises((sqlite3.Error, duckdb.Error)):
        apply_migrations(con, broken, begin=begin)
    assert applied_version(con) == 1
    with pytest.raises((sqlite3.Error, duckdb.Error)):
        con.execute("SELECT * FROM d")


def test_a_history_file_from_before_the_shared_runner_keeps_its_table():
    con = duckdb.connect()
    con.execute("CREATE TABLE migrations (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    con.execute("INSERT INTO migrations VALUES (1, 'first', now()::TIMESTAMP)")
    con.execute("CREATE TABLE a (x INTEGER)")
    assert apply_migrations(con, STEPS, begin="BEGIN TRANSACTION", number_column="id") == [2]
    assert applied_version(con, number_column="id") == 2
