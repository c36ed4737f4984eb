"""Which cells of an open return to colour for its findings, and the fill each had as issued: pure, as rectangles.

A cell is marked only where its issued fill is known (the task rows and the header block): taking a mark off
sets that fill again, so nothing else of the clerk's workbook changes. Cells are grouped into rectangles (a run
of columns on consecutive rows), one fill action each, never one action per cell. The cells a check painted are
recorded as a line of text (`record_text`), the only memory a later press has of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xltasks.core.findings import Finding
from xltasks.core.grid import a1
from xltasks.core.returns import HEADER_SCHEMA, input_columns
from xltasks.core.schemas import load_schema
from xltasks.files.returns.annotate import FILL_COLORS
from xltasks.files.returns.write import INPUT_COLOR, LOCKED_COLOR  # the fills a return is issued with

MARK_COLORS = {severity: f"#{argb[2:]}" for severity, argb in FILL_COLORS.items()}  # error red, warning yellow


@dataclass(frozen=True)
class Fill:
    """One fill action: `color` over rows top..bottom, columns left..right (1-based) of `sheet`."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int
    color: str


def _position(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]), col


def issued_colors(meta: dict, header_rows: dict[str, list], used_rows: dict[str, int]) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> the fill a cell was issued with, for every cell of the task rows and the header block.
    `header_rows` holds each task sheet's column-header row as it is now (a moved column keeps its colour);
    `used_rows` each sheet's rows as sent, beyond which nothing is marked."""
    colors: dict[tuple[str, str], str] = {}
    first = meta.get("first_row", 6)
    for role in ("lead", "coop"):
        sheet = meta["sheets"].get(role)
        if not sheet or sheet not in header_rows:
            continue
        inputs = {c.header for c in input_columns(role)}
        rows = [t["row"] for t in meta["tasks"] if t["sheet"] == sheet] or [first]
        last = min(max(rows), used_rows.get(sheet, 0))
        for c, header in enumerate(header_rows[sheet], start=1):
            if header in (None, ""):
                continue
            color = INPUT_COLOR if str(header).strip() in inputs else LOCKED_COLOR
            for r in range(first, last + 1):
                colors[(sheet, a1(r, c))] = color
    block = meta.get("header_cells") or {}
    inputs = load_schema(HEADER_SCHEMA)["properties"]
    for key, ref in block.items():
        if key != "sheet" and ref:
            colors[(block["sheet"], ref)] = INPUT_COLOR if key in inputs else LOCKED_COLOR
    return colors


def rectangles(cells: dict[tuple[str, str], str]) -> list[Fill]:
    """Few rectangles: runs along rows stacked down the sheet, or runs down columns set side by side, whichever
    gives fewer (a blank return's required columns run down; a wrong row runs across)."""
    placed = {(sheet, *_position(ref)): color for (sheet, ref), color in cells.items()}
    across = _stacked(placed)
    down = [Fill(f.sheet, f.left, f.top, f.right, f.bottom, f.color)
            for f in _stacked({(sheet, col, row): color for (sheet, row, col), color in placed.items()})]
    return across if len(across) <= len(down) else down


def _stacked(placed: dict[tuple[str, int, int], str]) -> list[Fill]:
    """Runs of adjacent columns in a row, then identical runs on following rows joined."""
    by_row: dict[tuple[str, str, int], list[int]] = {}
    for (sheet, row, col), color in placed.items():
        by_row.setdefault((sheet, color, row), []).append(col)
    runs: list[tuple[str, str, int, int, int]] = []
    for (sheet, color, row), cols in sorted(by_row.items()):
        cols.sort()
        start = prev = cols[0]
        for col in cols[1:] + [None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            runs.append((sheet, color, start, prev, row))
            if col is not None:
                start = prev = col
    fills: list[Fill] = []
    open_runs: dict[tuple[str, str, int, int], Fill] = {}
    for sheet, color, left, right, row in sorted(runs, key=lambda r: (r[0], r[4], r[2])):
        key = (sheet, color, left, right)
        prev = open_runs.get(key)
        if prev and prev.bottom == row - 1:
            grown = Fill(sheet, prev.top, left, row, right, color)
            fills[fills.index(prev)] = grown
            open_runs[key] = grown
        else:
            open_runs[key] = Fill(sheet, row, left, row, right, color)
            fills.append(open_runs[key])
    return fills


def marks_for(findings: list[Finding], issued: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> mark colour, for the findings whose cell has a known issued fill; an error wins a cell."""
    marks: dict[tuple[str, str], str] = {}
    for f in findings:
        place = (f.sheet, f.cell)
        if f.severity in MARK_COLORS and place in issued and marks.get(place) != MARK_COLORS["error"]:
            marks[place] = MARK_COLORS[f.severity]
    return marks


# The record 校验本表 leaves of what it painted, one line a clerk can read (校验结果 A2). The clients send values
# only, never fills, so this line is all a later press knows: 清除标记 and the next 校验本表 restore these cells
# alone, and every other fill (a clerk's own highlight) stays as the clerk left it.
RECORD_HEAD = "已标色单元格："
RECORD_TAIL = "（「清除标记」按此恢复原色）"
CELL_CHARS = 32_767  # Excel's limit for a cell's text
_RANGE = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?")
_PART = re.compile(r"「([^」]+)」(.+)")


def _ref(f: Fill) -> str:
    corner = a1(f.top, f.left)
    return corner if (f.top, f.left) == (f.bottom, f.right) else f"{corner}:{a1(f.bottom, f.right)}"


def _record(by_sheet: dict[str, list[Fill]]) -> str:
    return RECORD_HEAD + "；".join(f"「{sheet}」" + "、".join(_ref(f) for f in fills)
                                   for sheet, fills in by_sheet.items()) + RECORD_TAIL


def record_text(fills: list[Fill]) -> str:
    """The record of the cells `fills` paint, "" for none. Past Excel's cell limit each sheet's marks are given as
    the one range around them: restoring that range still takes every mark off, at the cost of fills inside it."""
    by_sheet: dict[str, list[Fill]] = {}
    for f in sorted(fills, key=lambda f: (f.sheet, f.top, f.left)):
        by_sheet.setdefault(f.sheet, []).append(f)
    if not by_sheet:
        return ""
    text = _record(by_sheet)
    if len(text) <= CELL_CHARS:
        return text
    return _record({sheet: [Fill(sheet, min(f.top for f in fs), min(f.left for f in fs), max(f.bottom for f in fs),
                                 max(f.right for f in fs), "")] for sheet, fs in by_sheet.items()})


def _column(letters: str) -> int:
    return _position(letters + "1")[1]


def recorded_cells(text: object, issued: dict[tuple[str, str], str]) -> set[tuple[str, str]] | None:
    """The issued cells inside the ranges a record lists; None when `text` is no record of ours (edited, cut
    short, naming a sheet that holds no issued cell). A record's ranges are taken within the issued cells only,
    whatever their size, so an edited "A1:XFD1048576" costs no more than the sheet's task rows."""
    text = str(text or "").strip()
    if not (text.startswith(RECORD_HEAD) and text.endswith(RECORD_TAIL)):
        return None
    by_sheet: dict[str, list[tuple[int, int]]] = {}
    for sheet, ref in issued:
        by_sheet.setdefault(sheet, []).append(_position(ref))
    cells: set[tuple[str, str]] = set()
    budget = 4 * len(issued) + 10_000  # past this (many overlapping ranges typed in), every issued cell
    for part in text[len(RECORD_HEAD):-len(RECORD_TAIL)].split("；"):
        found = _PART.fullmatch(part.strip())
        if not found or found.group(1) not in by_sheet:
            return None
        sheet, placed = found.group(1), by_sheet[found.group(1)]
        for ref in found.group(2).split("、"):
            corners = _RANGE.fullmatch(ref.strip())
            if not corners:
                return None
            left, top = _column(corners.group(1)), int(corners.group(2))
            right, bottom = (_column(corners.group(3)), int(corners.group(4))) if corners.group(3) else (left, top)
            top, bottom, left, right = min(top, bottom), max(top, bottom), min(left, right), max(left, right)
            area = (bottom - top + 1) * (right - left + 1)
            budget -= min(area, len(placed))
            if budget < 0:
                return set(issued)
            if area <= len(placed):
                cells |= {(sheet, a1(r, c)) for r in range(top, bottom + 1) for c in range(left, right + 1)
                          if (sheet, a1(r, c)) in issued}
            else:
                cells |= {(sheet, a1(r, c)) for r, c in placed if top <= r <= bottom and left <= c <= right}
    return cells
