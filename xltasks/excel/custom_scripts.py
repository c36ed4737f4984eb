"""The buttons as custom scripts for xlwings-server, for an office that runs it for its Office.js task pane and
manifest: its custom_scripts/__init__.py says `from xltasks.excel.custom_scripts import *`. The coordinator's
scripts use the programmes in the TOML file that the environment variable XLTASKS_PROGRAMMES names (the same
file as `xltasks serve --programmes`).

Deliberately without `from __future__ import annotations`: xlwings-server finds the book parameter by its type.
"""

import os
from functools import lru_cache
from pathlib import Path

import xlwings as xw
from xlwings.server import script

from xltasks.excel.book import alert
from xltasks.excel.programmes import Programme, load_programmes
from xltasks.excel.server import SCRIPTS, Refused, press

__all__ = list(SCRIPTS)


@lru_cache(maxsize=1)
def _programmes(path: str) -> tuple[Programme, ...]:
    return tuple(load_programmes(Path(path))) if path else ()


def _press(name: str, book: xw.Book) -> None:
    try:
        press(SCRIPTS[name], book, list(_programmes(os.environ.get("XLTASKS_PROGRAMMES", ""))))
    except Refused as exc:
        alert(book, str(exc), "xltasks", critical=True)


def _sheets(names: tuple[str, ...]) -> str | None:
    return ",".join(names) or None


@script(include=_sheets(SCRIPTS["validate_return"].include), exclude=_sheets(SCRIPTS["validate_return"].exclude))
def validate_return(book: xw.Book):
    _press("validate_return", book)


@script(include=_sheets(SCRIPTS["clear_marks"].include), exclude=_sheets(SCRIPTS["clear_marks"].exclude))
def clear_marks(book: xw.Book):
    _press("clear_marks", book)


@script(include=_sheets(SCRIPTS["export_return"].include), exclude=_sheets(SCRIPTS["export_return"].exclude))
def export_return(book: xw.Book):
    _press("export_return", book)


@script(include=_sheets(SCRIPTS["split_round"].include), exclude=_sheets(SCRIPTS["split_round"].exclude))
def split_round(book: xw.Book):
    _press("split_round", book)


@script(include=_sheets(SCRIPTS["validate_folder"].include), exclude=_sheets(SCRIPTS["validate_folder"].exclude))
def validate_folder(book: xw.Book):
    _press("validate_folder", book)


@script(include=_sheets(SCRIPTS["merge_folder"].include), exclude=_sheets(SCRIPTS["merge_folder"].exclude))
def merge_folder(book: xw.Book):
    _press("merge_folder", book)


@script(include=_sheets(SCRIPTS["refresh_stats"].include), exclude=_sheets(SCRIPTS["refresh_stats"].exclude))
def refresh_stats(book: xw.Book):
    _press("refresh_stats", book)
