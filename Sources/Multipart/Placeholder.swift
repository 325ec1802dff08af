// Multipart: filled in by the ingestion issue.
