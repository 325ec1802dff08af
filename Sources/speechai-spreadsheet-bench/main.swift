print("speechai-spreadsheet-bench: not built yet")
