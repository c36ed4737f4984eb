"""Checking one return, read into plain values, against its metadata, the master and the row schemas.

The checks run at three levels, as a clerk would fix them: the workbook (workbook_rules: identity, sheets,
columns), the rows (row_rules: task IDs, locked content, overdue tasks) and the cells (cell_rules: the schemas in
schemas/, then the rules across fields; header_rules finds the header block's cells). check.validate_return runs
them in that order; model holds what goes in and comes out. Every finding carries the sheet and A1 cell where it
applies. Nothing here raises for bad data.
"""
