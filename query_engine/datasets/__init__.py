"""Where data comes from: uploads (ingest, cell rules, inference, edits), the catalogue, the demo, PostgreSQL."""
