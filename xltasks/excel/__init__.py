"""Excel view: xlwings button functions, their server and add-in; the only package that imports xlwings."""
