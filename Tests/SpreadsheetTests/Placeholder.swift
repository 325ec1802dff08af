// SpreadsheetTests: filled in by the ingestion issue.
