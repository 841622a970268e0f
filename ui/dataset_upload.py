"""Adding a file on the Data page: the uploader, the replace confirmation, progress and the load report."""
from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

import pandas as pd
import streamlit as st

from query_engine.datasets.catalogue import AddedDataset, DatasetCatalog
from query_engine.datasets.ingest import IngestReport
from query_engine.errors import ClarifyError
from query_engine.spec.safe_text import code_span, escape_markdown
from query_engine.spec.value_format import format_value
from ui.error_messages import friendly_errors, message_for
from ui.state import AskState, DataState, use_dataset

UPLOAD_TYPES = ("csv", "tsv", "txt", "tab", "parquet", "xlsx", "jsonl", "ndjson", "json")
MAX_UPLOAD_MB = 200  # matches server.maxUploadSize in .streamlit/config.toml and datasets/ingest.MAX_FILE_BYTES


def add_uploaded_file(catalog: DatasetCatalog, filename: str, data: bytes, *, replace: bool = False) -> AddedDataset:
    """Save uploaded bytes under their original file name in a temp folder, then load them as a dataset."""
    # Only the last part of the name: a browser-supplied name never chooses where the file is written.
    name = PurePath(filename.replace("\\", "/")).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="clarify-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return catalog.add_file(path, replace=replace)


def render_upload(catalog: DatasetCatalog, state: DataState, ask: AskState) -> None:
    """The uploader; a new file is loaded once (after confirmation when its name is taken) and reported."""
    uploaded = st.file_uploader(
        f"Add a file (CSV, TSV, Parquet, Excel .xlsx or JSON lines; up to {MAX_UPLOAD_MB} MB)",
        type=list(UPLOAD_TYPES), key=f"data.upload.{state.upload_round}",
        help="Each file becomes its own dataset: one table named after the file, with an inferred model "
             "you can review below.")
    if uploaded is not None and uploaded.file_id != state.handled_upload:
        _load(catalog, state, ask, uploaded.name, uploaded.getvalue(), uploaded.file_id)
    if uploaded is not None and state.upload_error and uploaded.file_id == state.handled_upload:
        st.error(escape_markdown(state.upload_error), icon=":material/error:")
    if isinstance(state.last_added, AddedDataset):
        added = state.last_added
        verb = "Replaced" if added.replaced else "Added"
        st.success(f"{verb} dataset **{escape_markdown(added.dataset.name)}** from "
                   f"{escape_markdown(added.report.source)}. It is selected on the Ask page; review what Clarify "
                   "inferred below.", icon=":material/check_circle:")
        show_ingest_report(added.report)


def _load(catalog: DatasetCatalog, state: DataState, ask: AskState, filename: str, data: bytes,
          file_id: str) -> None:
    name = catalog.dataset_name_for(PurePath(filename.replace("\\", "/")).name)
    replace = False
    if catalog.exists(name):
        st.warning(f"A dataset called '{escape_markdown(name)}' already exists. Nothing changes unless you confirm "
                   "the replacement; its data and edited model would be overwritten.", icon=":material/warning:")
        replace = st.checkbox(f"Replace the existing table '{escape_markdown(name)}'",
                              key=f"data.replace.{state.upload_round}")
        if not replace:
            return
    state.handled_upload, state.upload_error = file_id, None
    with friendly_errors("loading the file"):
        try:
            with st.status(f"Loading {escape_markdown(filename)}…", expanded=True) as status:
                st.write(f"Reading {format_value(len(data) / 1e6, 'number')} MB and inferring the columns' roles")
                added = add_uploaded_file(catalog, filename, data, replace=replace)
                status.update(label=f"Loaded {escape_markdown(filename)}", state="complete", expanded=False)
        except ClarifyError as exc:
            state.upload_error = message_for(exc, "loading the file")  # kept on screen on later reruns
            raise
        state.last_added = added
        state.upload_round += 1  # a fresh uploader, so the same file is not loaded twice
        use_dataset(ask, added.dataset.name)
        st.rerun()


def show_ingest_report(report: IngestReport) -> None:
    """What the load did: rows and columns, each column's type, renamed and dropped items, notes."""
    rows, columns = st.columns(2)
    rows.metric("Rows loaded", format_value(report.rows, "integer"))
    columns.metric("Columns", len(report.columns))
    st.dataframe(pd.DataFrame([{"Header in the file": c.source, "Column in the table": c.name, "Type": c.type,
                                "Read as": c.kind, "How": c.note} for c in report.columns]),
                 hide_index=True, key="data.report.columns")
    for header, column in report.renamed.items():
        st.caption(f"Renamed “{escape_markdown(header)}” to {code_span(column)} "
                   "(not a valid column name as written).")
    for dropped in report.dropped_rows:
        st.caption(f"Dropped row: {escape_markdown(dropped)}")
    for dropped in report.dropped_columns:
        st.caption(f"Dropped column: {escape_markdown(dropped)}")
    for note in report.notes:
        st.caption(f"Note: {escape_markdown(note)}")
