// Spreadsheet readers: filled in by the ingestion issue.
