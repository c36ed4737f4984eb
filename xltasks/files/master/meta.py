"""The master's metadata sheet (_xltasks): the facts a merge keeps there, one a row, such as the round it shows."""

from __future__ import annotations

import datetime as dt

from xltasks.files.master.layout import META_SHEET
from xltasks.files.xlsx.book_read import SheetData


def shown_round(book: list[SheetData]) -> tuple[str, dt.date | None] | None:
    """The round the task sheet and 汇总统计 show, and its status date (kept in the metadata sheet), or None."""
    meta = next((s for s in book if s.name == META_SHEET), None)
    facts = {str(row[0]): row[1] for row in (meta.rows if meta else []) if len(row) >= 2 and row[0]}
    name = str(facts.get("shown_round") or "")
    if not name:
        return None
    try:
        day = dt.date.fromisoformat(str(facts.get("shown_as_of") or "")[:10])
    except ValueError:
        day = None
    return name, day


def set_meta(meta: SheetData, key: str, value: str) -> None:
    """A fact in _xltasks, in its row if it has one (the order of the rows stays: a re-run changes nothing)."""
    for row in meta.rows:
        if row and str(row[0]) == key:
            row[1:] = [value]
            return
    meta.rows.append([key, value])


def meta_list(meta: SheetData | None, key: str) -> list[str]:
    """A fact in _xltasks that holds one item a line (the archive workbooks, the archived rounds)."""
    for row in meta.rows if meta else []:
        if len(row) >= 2 and str(row[0]) == key and row[1]:
            return [line for line in str(row[1]).splitlines() if line.strip()]
    return []
