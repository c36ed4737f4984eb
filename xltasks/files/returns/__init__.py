"""The return workbook (报送表): written for a unit, read back for checking, annotated, and the check's report."""
