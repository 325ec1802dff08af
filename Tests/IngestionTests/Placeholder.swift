// IngestionTests: filled in by the ingestion issue.
