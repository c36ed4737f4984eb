"""A real workbook as Excel's xlwings clients send it, run through xlwings' JSON engine, and the answer applied back.

`payload()` builds the request body each client builds from a workbook (VBA RunServerPython: empty cells null,
dates "yyyy-mm-ddTHH:MM:SS.000Z", a text of 16+ digits as a bare number, every non-ASCII character escaped, excluded sheets as [[]]; Office.js: empty
cells "", UTF-8). `apply()` plays the answer's actions back onto the file with openpyxl, the way Excel would:
an action a client does not implement fails, and so does one that Excel refuses on a protected sheet or a workbook
whose structure is locked (a fill without format permission, a value in a locked cell, a new sheet).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import PatternFill

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # PolyForm Noncommercial: government use

# The actions both clients apply (xlwings addin/Remote.bas and the xlwings-server Office.js client), and those only
# one of them does. Ours may use the first set only.
BOTH = {"setValues", "rangeClearContents", "rangeClearFormats", "rangeClear", "addSheet", "setSheetName",
        "setAutofit", "setRangeColor", "activateSheet", "addHyperlink", "setNumberFormat", "alert", "setRangeName",
        "namesAdd", "nameDelete", "sheetDelete", "sheetClear", "sheetClearContents", "sheetClearFormats"}


class ExcelRefused(AssertionError):
    """What Excel (or Office.js) would raise for this action on this workbook."""


def _vba_value(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if value.isdigit() and len(value) > 15:  # JsonConverter's "large number": a long digit text goes out bare
        return int(value)
    return str(value)


def _officejs_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # ExcelApi 1.12+: a date cell becomes toISOString() of its serial (UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    return value


def _old_officejs_value(value: object) -> object:
    """Office.js before ExcelApi 1.12: a date cell is sent as its serial number."""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return (day - dt.date(1899, 12, 30)).days
    return _officejs_value(value)


def payload(path: Path, client: str = "VBA", *, include: list[str] | None = None, exclude: list[str] = (),
            name: str | None = None, active: int = 0, lazy: bool = False) -> bytes:
    """The request body `client` ("VBA", "Office.js", or "Office.js-1.11" for Excel before ExcelApi 1.12) sends
    for the workbook at `path`, values from A1 to the last used cell as Excel last computed them (openpyxl
    data_only reads the cached results). `lazy` reads only the sheets sent (openpyxl read_only), for a master
    too large to load whole in a test."""
    import xlwings as xw

    wb = load_workbook(path, data_only=True, read_only=lazy)
    convert = {"VBA": _vba_value, "Office.js": _officejs_value, "Office.js-1.11": _old_officejs_value}[client]
    sheets = []
    for ws in wb.worksheets:
        left_out = ws.title in exclude or (include is not None and ws.title not in include)
        if left_out or ws.max_row == 1 and ws.max_column == 1 and ws["A1"].value is None:
            values = [[]]
        else:
            values = [[convert(c.value) for c in row]
                      for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column)]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": []})
    body = {"client": client.split("-")[0], "version": xw.__version__,
            "book": {"name": name or path.name, "active_sheet_index": active, "selection": "A1"},
            "names": [], "sheets": sheets}
    # VBA's JsonConverter escapes every character past ASCII (\uXXXX); Office.js sends UTF-8
    return json.dumps(body, ensure_ascii=(client == "VBA")).encode("utf-8")


def book_from(body: bytes):
    import xlwings as xw

    return xw.Book(json=json.loads(body))


def actions_of(book) -> list[dict]:
    """The answer exactly as the server sends it: JSON, then parsed again as the client parses it."""
    return json.loads(json.dumps(book.json(), default=str))["actions"]


@dataclass
class Applied:
    alerts: list[str] = field(default_factory=list)
    active: str = ""
    counts: dict[str, int] = field(default_factory=dict)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z?)?$")


def _cell_value(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, str) and value.startswith("'"):  # Excel's text prefix: the rest is text, whatever it is
        return value[1:]
    if isinstance(value, str) and value.startswith("="):
        raise AssertionError(f"the answer writes a formula: {value[:60]}")
    if isinstance(value, str) and _ISO.match(value):  # VBA's setValues turns every ISO string into a date
        return dt.datetime.fromisoformat(value.rstrip("Z"))
    return value


def _cells(ws, action: dict):
    top, left = action["start_row"] + 1, action["start_column"] + 1
    return [[ws.cell(row=r, column=c) for c in range(left, left + action["column_count"])]
            for r in range(top, top + action["row_count"])]


def _refuse_locked(ws, cells) -> None:
    if ws.protection.sheet and any(c.protection.locked for row in cells for c in row):
        raise ExcelRefused(f"Excel refuses to change locked cells of the protected sheet {ws.title}")


def apply(path: Path, actions: list[dict], target: Path | None = None) -> Applied:
    """Apply the actions to the workbook at `path` (saved to `target`, default in place) as Excel would."""
    wb = load_workbook(path)
    done = Applied()
    structure_locked = bool(wb.security and wb.security.lockStructure)
    for action in actions:
        func = action["func"]
        done.counts[func] = done.counts.get(func, 0) + 1
        if func not in BOTH:
            raise AssertionError(f"action {func} is not applied by both xlwings clients")
        args = action["args"]
        ws = wb.worksheets[action["sheet_position"]] if action.get("sheet_position") is not None else None
        if func == "alert":
            done.alerts.append(args[0])
        elif func == "setValues":
            top, left = action["start_row"] + 1, action["start_column"] + 1
            cells = [[ws.cell(row=top + r, column=left + c) for c in range(len(row))]
                     for r, row in enumerate(action["values"])]
            _refuse_locked(ws, cells)
            for row, values in zip(cells, action["values"]):
                for cell, value in zip(row, values):
                    cell.value = _cell_value(value)
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # openpyxl would take "=..." for a formula; Excel keeps it text
        elif func in ("rangeClearContents", "rangeClear"):
            cells = _cells(ws, action)
            _refuse_locked(ws, cells)
            for row in cells:
                for cell in row:
                    cell.value = None
        elif func == "setRangeColor":
            if ws.protection.sheet and ws.protection.formatCells:  # openpyxl: True means not allowed
                raise ExcelRefused(f"Excel refuses a fill on the protected sheet {ws.title}")
            color = args[0].lstrip("#").upper()
            for row in _cells(ws, action):
                for cell in row:
                    cell.fill = PatternFill("solid", fgColor="FF" + color)
        elif func in ("addSheet", "sheetDelete", "setSheetName"):
            if structure_locked:
                raise ExcelRefused("Excel refuses to change the sheets of a workbook whose structure is locked")
            if func == "addSheet":
                wb.create_sheet(args[1], args[0])
            elif func == "sheetDelete":
                wb.remove(ws)
            else:
                ws.title = args[0]
        elif func == "activateSheet":  # VBA: wb.Sheets(i), chart sheets counted; a hidden sheet cannot be activated
            shown = wb._sheets[args[0]]
            if shown.sheet_state != "visible":
                raise ExcelRefused(f"Excel cannot activate the hidden sheet {shown.title}")
            wb.active = shown
            done.active = shown.title
        elif func in ("sheetClear", "sheetClearContents"):
            for row in ws.iter_rows():
                _refuse_locked(ws, [row])
                for cell in row:
                    cell.value = None
        elif func in ("setAutofit", "setNumberFormat"):
            pass  # looks only: nothing a check reads
        else:
            raise AssertionError(f"the harness does not apply {func} yet")
    if target is not None or any(a["func"] != "alert" for a in actions):  # a message box changes no file
        wb.save(target or path)
    return done


def run_button(path: Path, button, client: str = "VBA", target: Path | None = None, **payload_options) -> Applied:
    """Click `button` (a function taking the book) on the workbook at `path`, through `client`'s payload."""
    book = book_from(payload(path, client, **payload_options))
    button(book)
    return apply(path, actions_of(book), target)
