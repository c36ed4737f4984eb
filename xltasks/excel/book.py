"""The open workbook through the xlwings Book API: whole sheets read as values, whole ranges written at once.

Only what both remote clients (the VBA RunServerPython and the Office.js task pane) send and apply is used: sheet
names and values in the request; setValues, rangeClearContents, setRangeColor, addSheet, activateSheet and alert in
the answer. No fonts, notes or `.api`: the same code runs on Windows COM through RunPython.
"""

from __future__ import annotations

import datetime as dt
import re

from xltasks.core.grid import a1
from xltasks.core.validation.model import HEADER_SCAN_ROWS, ReturnData

ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA"})


# How both clients send a date cell: "2024-01-02T00:00:00.000Z" (VBA: local time with a Z; Office.js: UTC).
_CLIENT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _sent_value(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 15:
        return str(value)  # VBA's JsonConverter sends a text of 16+ digits (an ID card number) as a bare number
    if isinstance(value, str) and _CLIENT_DATE.match(value):
        return dt.datetime.fromisoformat(value[:19])
    return value


def sheet_names(book) -> list[str]:
    return [sheet.name for sheet in book.sheets]


def sheet_rows(book, name: str) -> list[list]:
    """The values of sheet `name` from A1 to its last used cell (the clients send them so), errors as their
    text ("#DIV/0!"), empty cells as None; [] for a sheet the request left out or an empty one."""
    sheet = book.sheets[name]
    last = sheet.used_range.last_cell
    cells = sheet.range((1, 1), (last.row, last.column))
    if book.app.engine.name == "remote":
        # Values as sent: xlwings' own conversion takes any ISO-looking text for a date, and fails on one with an
        # offset ("2026-12-03T06:32:04+00:00", the metadata's issue time); the clients send dates as ...Z only.
        raw = cells.raw_value
        rows = [[_sent_value(v) for v in row] for row in (raw if isinstance(raw, list) else [[raw]])]
    else:
        values = cells.options(ndim=2, err_to_str=True).value
        rows = [list(row) for row in values or []]
    return [] if rows in ([], [[None]]) else rows


def _date_headers() -> set[str]:
    from xltasks.core.returns import HEADER_SCHEMA, ROW_SCHEMA
    from xltasks.core.schemas import load_schema

    titles = {"截止日期"}  # the locked context column holding the task's deadline
    for name in (*ROW_SCHEMA.values(), HEADER_SCHEMA):
        titles |= {p["title"] for p in load_schema(name)["properties"].values() if p.get("format") == "date"}
    return titles


def _serials_to_dates(sheets: dict[str, list[list]]) -> None:
    """Office.js before ExcelApi 1.12 sends a date cell as its serial number: in the columns that hold dates (and
    beside the 填报日期 label) a number is turned back into its day, as a file read would give it."""
    from xltasks.core.normalise import serial_date

    titles = _date_headers()

    def day(value: object) -> object:
        found = serial_date(value)
        return value if found is None else found

    for rows in sheets.values():
        columns: set[int] = set()
        for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
            for c, value in enumerate(row):
                text = str(value).strip() if value is not None else ""
                if text in titles and r + 1 < len(rows):
                    columns.add(c)
                    if c + 1 < len(row):  # a header block's label: its value sits to the right
                        row[c + 1] = day(row[c + 1])
        for row in rows:
            for c in columns:
                if c < len(row):
                    row[c] = day(row[c])


def return_data(book) -> ReturnData:
    """The open return as the checks read a file: its sheets' values and the cells showing an error value.
    Which cells hold formulas is not sent by the clients, so `cell.formula` cannot be found here."""
    from xltasks.core.returns import META_SHEET
    from xltasks.files.returns.read import CHECKED_SHEETS

    sheets: dict[str, list[list]] = {}
    errors: dict[tuple[str, str], str] = {}
    for name in sheet_names(book):
        if name not in CHECKED_SHEETS:
            continue
        rows = sheet_rows(book, name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    row[c] = ""  # as calamine reads an empty cell: the checks were written against it
                elif isinstance(value, str) and value in ERROR_VALUES:
                    errors[(name, a1(r + 1, c + 1))] = value
                    row[c] = ""  # as calamine reads an error cell from a file
                elif isinstance(value, dt.datetime) and value.time() == dt.time(0):
                    row[c] = value.date()  # the clients send every date as a midnight timestamp
        sheets[name] = rows
    _serials_to_dates({n: rows for n, rows in sheets.items() if n != META_SHEET})
    return ReturnData(book.name, "xlsx", sheets, {}, set(), errors, {})


FORMULA_STARTS = ("=", "+", "-", "@")


def as_text(value: object) -> object:
    """A string that Excel would take for a formula ("=HYPERLINK(...)" as a file or unit name in a return) gets
    Excel's text prefix, the apostrophe: both clients write values as if typed, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(book, name: str, first_row: int, rows: list[list], clear_to: int = 0) -> None:
    """Clear rows first_row..clear_to of sheet `name`, then write `rows` there in one range, all text as text."""
    sheet = book.sheets[name]
    width = max([len(r) for r in rows] + [1])
    if clear_to >= first_row:
        sheet.range((first_row, 1), (clear_to, max(width, sheet.used_range.last_cell.column))).clear_contents()
    if rows:
        sheet.range((first_row, 1)).value = [[as_text(v) for v in r] + [None] * (width - len(r)) for r in rows]


def short(text: str, limit: int) -> str:
    """A message cut to `limit` characters (one quoting a 32,767-character cell would pass Excel's cell limit)."""
    return text if len(text) <= limit else text[:limit] + "……"


def alert(book, text: str, title: str = "xltasks", critical: bool = False) -> None:
    book.app.alert(text, title=title, buttons="ok", mode="critical" if critical else "info")
