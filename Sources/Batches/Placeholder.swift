// Batches: filled in by the ingestion issue.
