// BatchesTests: filled in by the ingestion issue.
