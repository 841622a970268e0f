"""From rows to what the analyst reads: insights, period notes, charts, forecasts and contributions."""
