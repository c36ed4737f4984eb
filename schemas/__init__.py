"""JSON Schemas (draft 2020-12) shipped with xltasks; loaded through importlib.resources."""
