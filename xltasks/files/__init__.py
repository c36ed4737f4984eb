"""Reading and writing files: sources/ (what comes in), returns/, master/, and xlsx/ (the workbook format itself)."""
