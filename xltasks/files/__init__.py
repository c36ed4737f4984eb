"""Reading and writing files: source tables, workbooks, the master."""
