"""Tiny export files written by the tests themselves and opened as `ask --data FILE` opens an upload."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from query_engine import cli
from query_engine.pipeline import Pipeline

START = dt.date(2025, 3, 3)  # a Monday


def write_export(folder: Path, name: str, header: Sequence[str], groups: Sequence[Sequence[object]],
                 measures: Sequence[float], days: int = 21) -> Path:
    """A daily CSV: one row per day and group; group values first, the date next, then measures
    that grow with the day (a fractional base gives a money column), so no two rows are alike."""
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for day in range(days):
            date = (START + dt.timedelta(days=day)).isoformat()
            for n, group in enumerate(groups):
                writer.writerow([*group, date, *(base + 3 * day + 7 * n for base in measures)])
    return path


def open_export(home: Path, path: Path) -> Pipeline:
    """The file opened as `ask --data FILE` opens it, with its inferred model and the offline engine."""
    settings = cli._settings({"CLARIFY_HOME": str(home), "LITELLM_OFFLINE_MODE": "true"})
    args = argparse.Namespace(url=None, data=path, dataset=None, replace=False, db=None)
    return cli._open(settings, args)[0]


ExportSpec = tuple[Sequence[str], Sequence[Sequence[object]], Sequence[float]]  # header, groups, measures


@contextmanager
def opened_exports(folder: Path, files: Mapping[str, ExportSpec]) -> Iterator[dict[str, Pipeline]]:
    """Each (header, groups, measures) written as `write_export` writes it and opened as an upload, each in a home
    of its own, by name; all closed afterwards."""
    pipelines = {name: open_export(folder / f"home-{name}", write_export(folder, name, *spec))
                 for name, spec in files.items()}
    try:
        yield pipelines
    finally:
        for pipeline in pipelines.values():
            pipeline.close()
