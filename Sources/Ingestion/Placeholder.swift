// Ingestion: filled in by the ingestion issue.
