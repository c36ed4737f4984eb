"""The buttons as custom scripts for xlwings-server, for an office running its Office.js task pane.

The server's custom_scripts/__init__.py says `from xltasks.excel.custom_scripts import *`. The coordinator's scripts
use the programmes in the TOML file that the environment variable XLTASKS_PROGRAMMES names (the same file as
`xltasks serve --programmes`).

Deliberately without `from __future__ import annotations`: xlwings-server finds the book parameter by its type.
"""

import os
from functools import lru_cache
from pathlib import Path

import xlwings as xw
from xlwings.server import script

from xltasks.excel.book import alert
from xltasks.excel.programmes import Programme, load_programmes
from xltasks.excel.scripts import SCRIPTS, Refused, press

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


def _script(name: str):
    """One module-level script per button, decorated as xlwings-server expects (it finds the book by its type)."""
    def run(book: xw.Book):
        _press(name, book)

    run.__name__ = run.__qualname__ = name
    return script(include=_sheets(SCRIPTS[name].include), exclude=_sheets(SCRIPTS[name].exclude))(run)


globals().update({name: _script(name) for name in SCRIPTS})
