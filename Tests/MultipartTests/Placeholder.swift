// MultipartTests: filled in by the ingestion issue.
