"""The master's metadata sheet (_xltasks): the facts a merge keeps there, one a row, such as the round it shows."""

from __future__ import annotations

import datetime as dt
import hashlib

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


def shown_basis(book: list[SheetData]) -> str:
    """Why the shown round's status date is that date (a key of core.status.AS_OF_BASES), or "" when the master
    does not say (written before it kept the basis)."""
    meta = next((s for s in book if s.name == META_SHEET), None)
    row = next((row for row in (meta.rows if meta else []) if len(row) >= 2 and row[0] == "shown_as_of_basis"), None)
    return str(row[1] or "") if row else ""


WRITTEN_KEY = "written_digest"


def written_digest(book: list[SheetData]) -> str:
    """A digest of every sheet's values but the metadata sheet's: kept in _xltasks at every merge, so a window
    opened before a write shows another _xltasks than the file (the buttons send _xltasks, not 任务清单, whose
    100,000 rows VBA cannot send). Values as they read back (0 and 0.0, 16 digits, empty and None alike), so the
    same merge again writes the same bytes and is found unchanged."""
    digest = hashlib.sha256()
    for sheet in book:
        if sheet.name != META_SHEET:
            digest.update(repr((sheet.name, [_trimmed(row) for row in sheet.rows])).encode("utf-8", "surrogatepass"))
    return "sha256:" + digest.hexdigest()[:32]  # never all digits: VBA would send 16+ digits as a bare number


def _trimmed(row: list) -> list:
    cells = [_canonical(v) for v in row]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _canonical(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, (bool, str)):
        return value if isinstance(value, bool) else str(value)
    if isinstance(value, (int, float)):
        return f"{value:.16G}"  # as the writer writes a number (files/xlsx/cell_xml.py)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return f"<{type(value).__name__}>"  # the writer's markers (a cell left to a formula): the same at every write


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
