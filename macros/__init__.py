"""VBA modules and the ribbon XML of the Excel add-in, as text; shipped for `xltasks excel addin`."""
