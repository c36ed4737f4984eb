"""Write the master with xlsxwriter in one pass, rows in order, each look made once.

Constant memory: a 100,000-task master in seconds, see benchmarks/merge_scale.py.

A sheet is a SheetData (values from A1, plus formulas, notes and column widths carried from an earlier master) and,
for our own table sheets, a Layout that gives every column its look by header label. Sheets without a Layout
(a coordinator's own) are written as values in the body font, with their widths, formulas and notes.
Every string is written as a string: text from a return or a source that starts with "=" stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.cell_xml import MAX_COLS, MAX_ROWS, Cells, SheetFull, splice
from xltasks.files.xlsx.row_heights import row_height
from xltasks.files.xlsx.safe_write import WriteRefused, cell_text
from xltasks.files.xlsx.table_styles import NOTHING, Layout, Plain, Styles, header_index, setup_print
from xltasks.files.xlsx.verbatim import Verbatim, VerbatimMismatch


_NON_CHARACTERS = {0xFFFE: None, 0xFFFF: None}


def _cell(ws, cells: Cells, sheet: SheetData, r: int, c: int, value: object, fmt, styles: Styles):
    """One cell as it was: its formula (an array formula over its range) written by xlsxwriter, else its value
    written by us, with its hyperlink (xlsxwriter keeps the link, our cell shows the value). Returns the cell's XML,
    or its place in the row when xlsxwriter wrote it."""
    formula = sheet.formulas.get((r, c)) if sheet.formulas else None
    if formula is None:
        link = sheet.links.get((r, c)) if sheet.links else None
        if link is not None:
            try:
                ws.write_url(r, c, link, fmt, string="-")  # its cell is ours: the value, whatever its type
            except ValueError:  # an address xlsxwriter cannot write (an unknown scheme): the value alone
                pass
        return _value(cells, r, c, value, fmt, styles)
    if isinstance(value, str):
        shown = cell_text(value).translate(_NON_CHARACTERS)  # a stored result xlsxwriter writes as it is
    else:
        shown = value if isinstance(value, (int, float)) else ""  # Excel recalculates on opening
    text = "=" + formula + ("}" if formula.endswith("}") else "")  # xlsxwriter takes a last "}" for array braces
    if (r, c) in sheet.arrays:
        last_row, last_col, dynamic = sheet.arrays[(r, c)]
        write = ws.write_dynamic_array_formula if dynamic else ws.write_array_formula
        done = write(r, c, last_row, last_col, text, fmt, int(shown) if isinstance(shown, bool) else shown)
    else:
        done = ws.write_formula(r, c, text, fmt, shown)
    return cells.own(r, c) if done >= 0 else _value(cells, r, c, value, fmt, styles)


def _value(cells: Cells, r: int, c: int, value: object, fmt, styles: Styles) -> str:
    if c >= MAX_COLS:
        return ""  # past Excel's last column: no cell (xlsxwriter drops it too)
    if type(value) is str:
        return cells.string(r, c, value, fmt) if value else cells.blank(r, c, None if fmt is styles.plain else fmt)
    if isinstance(value, Plain):
        return cells.string(r, c, str(value), styles.plain)
    if value is NOTHING:
        return ""
    if isinstance(value, dt.time):
        return cells.date(r, c, value, styles.time)
    if value is None:
        return cells.blank(r, c, None if fmt is styles.plain else fmt)
    if isinstance(value, bool):
        return cells.boolean(r, c, value, fmt)
    if isinstance(value, (int, float)):
        return cells.number(r, c, value, fmt)
    if isinstance(value, (dt.datetime, dt.date)):
        return cells.date(r, c, value, styles.for_date(fmt, isinstance(value, dt.datetime) and
                                                         value.time() != dt.time()))
    return cells.string(r, c, str(value), fmt)  # a duration, as it reads


def _write_table(book, ws, cells: Cells, sheet: SheetData, layout: Layout, styles: Styles) -> None:
    rows = sheet.rows
    at = header_index(rows, layout)
    headers = [str(v).strip() if v is not None else "" for v in (rows[at] if len(rows) > at else [])]
    width = max([len(r) for r in rows] + [len(headers)], default=0)
    specs = [layout.columns.get(h) for h in headers] + [None] * (width - len(headers))
    formats = [styles.cells[(s.kind, s.tint)] if s else styles.cells[("text", False)] if c < len(headers) and
               headers[c] else styles.plain for c, s in enumerate(specs)]
    header_formats = [styles.header_in(layout.header_colors[h]) if h in layout.header_colors else styles.header
                      for h in headers]
    widths = [s.width if s else 12 for s in specs]
    body = rows[at + 1:]
    hidden = []
    for c in range(width):
        carried = sheet.widths.get(c)
        hidden.append(carried[1] if carried else (c < len(headers) and headers[c] in layout.hide_when_empty and
                                                  all(c >= len(r) or r[c] in (None, "") for r in body)))
        if carried and carried[0]:
            widths[c] = carried[0]
        ws.set_column(c, c, widths[c], None, {"hidden": True} if hidden[c] else {})
    _set_rest(ws, sheet, width)
    shown = [(c, widths[c]) for c in range(width) if not hidden[c]]
    plain = not sheet.formulas and not sheet.links  # no cell for xlsxwriter to write
    placed = bool(sheet.comments) or layout.decorate is not None  # notes or a chart, placed by row heights
    copied = sheet.verbatim if isinstance(sheet.verbatim, Verbatim) and sheet.verbatim.first > at else None
    for r, values in enumerate(rows):
        if copied and _copied(cells, copied, r, width):
            continue
        if r < at:
            fmt = styles.title if r == 0 else styles.plain
            _row(ws, cells, r, [_cell(ws, cells, sheet, r, c, v, fmt, styles) for c, v in enumerate(values)],
                 28 if r == 0 else None)
            continue
        if r == at:
            _row(ws, cells, r, [_cell(ws, cells, sheet, r, c, values[c], header_formats[c], styles)
                                for c, header in enumerate(headers) if header or (r, c) in sheet.formulas],
                 28 if r == 0 else None)
            continue
        n = len(values)
        row_formats = formats if not (layout.total_label and n and values[0] == layout.total_label) else \
            [styles.bold(f) if c < (layout.total_width or width) else f for c, f in enumerate(formats)]
        parts = []
        for c in range(width):
            value = values[c] if c < n else None
            if hidden[c] and value in (None, "") and (r, c) not in sheet.formulas:
                continue  # nobody sees it: no need for its border
            if plain:
                parts.append(_value(cells, r, c, value, row_formats[c], styles))
            else:
                parts.append(_cell(ws, cells, sheet, r, c, value, row_formats[c], styles))
        _row(ws, cells, r, parts, row_height([(values[c], w) for c, w in shown if c < n and type(values[c]) is str])
             if layout.heights else None, placed)
    last = max(len(rows) - 1, at)
    if layout.state_header in headers and last > at:
        c = headers.index(layout.state_header)
        for status, label in layout.state_labels.items():
            ws.conditional_format(at + 1, c, last, c, {
                "type": "cell", "criteria": "==", "value": '"' + label.replace('"', '""') + '"',
                "format": styles.status_cell[status]})
    ws.freeze_panes(at + 1, layout.freeze_col)
    if layout.autofilter and width:
        ws.autofilter(at, 0, last, width - 1)
    setup_print(ws, layout, at)
    if layout.decorate:
        layout.decorate(book, ws, styles)


def _set_rest(ws, sheet: SheetData, after: int) -> None:
    """The columns from the end of what is written to the sheet's last: hidden or sized as they were."""
    if sheet.rest:
        first, width, hidden = sheet.rest
        first = max(first, after)
        if first < 16384:
            ws.set_column(first, 16383, width if width is not None else 8.43, None, {"hidden": True} if hidden else {})


def _write_plain(ws, cells: Cells, sheet: SheetData, styles: Styles) -> None:
    _set_rest(ws, sheet, max(sheet.widths, default=-1) + 1)
    for c, (width, hidden) in sheet.widths.items():
        ws.set_column(c, c, width if width is not None else 8.43, None, {"hidden": True} if hidden else {})
    copied = sheet.verbatim if isinstance(sheet.verbatim, Verbatim) else None
    width = max(map(len, sheet.rows), default=0)
    for r, values in enumerate(sheet.rows):
        if copied and _copied(cells, copied, r, width):
            continue
        _row(ws, cells, r, [_cell(ws, cells, sheet, r, c, v, styles.plain, styles) for c, v in enumerate(values)])


def _copied(cells: Cells, copied: Verbatim, r: int, width: int) -> bool:
    """Row `r` is one of the rows a previous write made, copied as it made them (all of them at the first)."""
    if not copied.first <= r < copied.first + copied.rows:
        return False
    if r == copied.first:
        cells.copy(copied, width - 1)
    return True


def _row(ws, cells: Cells, r: int, parts: list, height: float | None = None, tell: bool = True) -> None:
    """A row to our sheet XML; with `tell`, its height to xlsxwriter too (it places notes and charts by row
    heights: a sheet with neither need not tell it, which saves a second of 100,000 rows)."""
    if height is not None and tell:
        ws.set_row(r, height)
    cells.row(r, parts, height)


def _cover_formulas(sheet: SheetData) -> None:
    """Grow the grid over every formula cell: a formula whose result is empty is not in the values calamine
    gives, yet it must be written back."""
    for r, c in sheet.formulas:
        while len(sheet.rows) <= r:
            sheet.rows.append([])
        row = sheet.rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))


def write_book(path: Path, sheets: list[tuple[SheetData, Layout | None]], colors: dict[str, str],
               active: int = 0, macros: tuple[bytes, bytes | None] | None = None,
               names: list[tuple[str, str]] = (), properties: dict[str, object] | None = None) -> None:
    """Write the sheets, in order, to `path` (a temporary file that write_atomically moves into place);
    `macros` (an .xlsm's VBA project and its signature) go back in unchanged, and the workbook's defined `names`
    and document `properties` (xlsxwriter's set_properties: title, author, created ...)."""
    try:
        _write_book(path, sheets, colors, active, macros, names, properties)
    except VerbatimMismatch:  # rows copied from the old master use a format this one lacks: write them all
        for sheet, _ in sheets:
            sheet.verbatim = None
        _write_book(path, sheets, colors, active, macros, names, properties)


def _write_book(path: Path, sheets: list[tuple[SheetData, Layout | None]], colors: dict[str, str], active: int,
                macros: tuple[bytes, bytes | None] | None, names: list[tuple[str, str]],
                properties: dict[str, object] | None) -> None:
    import xlsxwriter

    package = io.BytesIO()  # small: the cells go in when it is spliced
    cells: dict[int, Cells] = {}
    book = xlsxwriter.Workbook(package, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False,
                                         "default_date_format": "yyyy-mm-dd"})
    try:
        styles = Styles(book, colors)
        book.set_properties(properties or {})
        for name, formula in names:
            book.define_name(name, "=" + formula)  # one Excel would refuse is left out, with xlsxwriter's warning
        if macros:
            project, signature = macros
            if signature:
                book.add_signed_vba_project(io.BytesIO(project), io.BytesIO(signature), project_is_stream=True,
                                            signature_is_stream=True)
            else:
                book.add_vba_project(io.BytesIO(project), is_stream=True)
        for i, (sheet, layout) in enumerate(sheets):
            _cover_formulas(sheet)
            ws = book.add_worksheet(sheet.name)
            cells[i] = Cells()
            for (r, c), text in sheet.comments.items():  # before the rows: constant memory drops a later one
                ws.write_comment(r, c, cell_text(text), {"author": "", "x_scale": 2, "y_scale": 2})
            if any(r == 0 for r, _ in sheet.comments):
                ws.set_row(0, None)  # a note in row 1 of a row xlsxwriter has nothing else for would stop it
            try:
                if layout is None:
                    _write_plain(ws, cells[i], sheet, styles)
                else:
                    _write_table(book, ws, cells[i], sheet, layout, styles)
            except SheetFull:
                raise WriteRefused(f"工作表“{sheet.name}”有{len(sheet.rows):,}行，超过Excel每个工作表{MAX_ROWS:,}行的上限，"
                                   "未写入。") from None
            if i == active:
                ws.activate()
            elif sheet.state == "hidden":
                ws.hide()
            elif sheet.state == "veryHidden":
                ws.very_hidden()
    finally:
        book.close()
    splice(package, path, cells)
