"""The header block (填报人, 联系电话, 填报日期): its cells found and checked.

Found where the metadata put them, or beside their labels, then checked as cells (cell_rules.py).
"""

from __future__ import annotations

import datetime as dt

from xltasks.core.grid import a1
from xltasks.core.normalise import shown
from xltasks.core.returns import HEADER_SCHEMA, LEAD_SHEET
from xltasks.core.schemas import load_schema
from xltasks.core.validation.cell_rules import cell_findings
from xltasks.core.validation.model import HEADER_SCAN_ROWS, Collector, ReturnData


def header_block(data: ReturnData, meta: dict | None, today: dt.date, out: Collector) -> dict:
    props = load_schema(HEADER_SCHEMA)["properties"]
    sheet = meta["header_cells"]["sheet"] if meta else LEAD_SHEET
    rows = data.sheets.get(sheet)
    if rows is None:
        return {}
    values: dict[str, tuple[object, str]] = {}
    for key, prop in props.items():
        ref = meta["header_cells"].get(key) if meta else None
        position = _position(ref) if ref else _beside_label(rows, prop["title"])
        if position and ref and not _label_left_of(rows, position, prop["title"]):
            out.add("workbook.header-moved", sheet=sheet, cell=ref, field=prop["title"])
            continue
        if position is None:
            out.add("cell.required", sheet=sheet, field=prop["title"], place="表头", cell=None)
            continue
        r, c = position
        values[key] = (rows[r][c] if r < len(rows) and c < len(rows[r]) else None, a1(r + 1, c + 1))
    return cell_findings(HEADER_SCHEMA, values, "表头", sheet, None, data, today, out)


def _position(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


def _label_left_of(rows: list[list], position: tuple[int, int], label: str) -> bool:
    """Is the label where the layout put it, just left of its value cell (a label may span a few columns)?"""
    r, c = position
    row = rows[r] if r < len(rows) else []
    return any(0 <= c - k < len(row) and shown(row[c - k]).strip() == label for k in (1, 2, 3))


def _beside_label(rows: list[list], label: str) -> tuple[int, int] | None:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for c, value in enumerate(row):
            if shown(value).strip() == label:
                return r, c + 1
    return None
