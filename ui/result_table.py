"""A result as the analyst's table: the raw frame, and labels and number formats per column."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from query_engine.spec.query import ColumnInfo, QueryResult

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

# Streamlit's NumberColumn formats that match query_engine.spec.value_format for each column format.
NUMBER_FORMATS = {"currency": "dollar", "integer": "localized", "percent": "percent",
                  "ratio": "%.2fx", "number": "localized"}


def result_frame(result: QueryResult) -> pd.DataFrame:
    """The raw result as a DataFrame (numbers stay numbers, so sorting and CSV keep full precision)."""
    return pd.DataFrame.from_records(list(result.rows), columns=list(result.columns))


def column_config(columns: tuple[ColumnInfo, ...]) -> dict[str, ColumnConfig]:
    """st.dataframe column settings: people's labels and currency / percent / thousands formats."""
    config: dict[str, ColumnConfig] = {}
    for info in columns:
        if info.role == "metric" or (info.role == "detail" and info.format in NUMBER_FORMATS):
            config[info.name] = st.column_config.NumberColumn(info.label, format=NUMBER_FORMATS.get(info.format))
        else:
            config[info.name] = st.column_config.Column(info.label)
    return config
