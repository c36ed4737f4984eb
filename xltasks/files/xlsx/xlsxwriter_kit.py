"""Small pieces for workbooks written with xlsxwriter: a structure lock, formats made once, cells by type, A4 print.

xlsxwriter streams a workbook in half the time openpyxl takes for one return (openpyxl builds, hashes and
serialises an object per cell and style), which at 1,000 returns a round was the whole cost of split.
"""

from __future__ import annotations

import datetime as dt

import xlsxwriter
import xlsxwriter.worksheet

FONT = {"font_name": "宋体", "font_size": 10}  # on every Chinese Windows and in WPS (as openpyxl_styles.py)
BORDER = {"border": 1, "border_color": "#808080"}
# Text stays text; parts are assembled in memory (a temporary file per part cost a sixth of split's time).
OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "in_memory": True}


class ClassicSheet(xlsxwriter.worksheet.Worksheet):
    """A sheet whose formulas use classic functions only (LEN, TRIM, AND, ISNUMBER, TODAY...): xlsxwriter's thirty
    regex passes a formula, which prefix newer functions with _xlfn., were another sixth of split's time."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        return formula[1:] if formula.startswith("=") else formula


class LockedWorkbook(xlsxwriter.Workbook):
    """A workbook whose structure is locked (no sheet added, renamed, deleted or unhidden), which xlsxwriter does
    not write itself: the element goes where the schema puts it, between workbookPr and bookViews."""

    def _write_book_views(self) -> None:
        self._xml_empty_tag("workbookProtection", [("lockStructure", 1)])
        super()._write_book_views()

    def add_worksheet(self, name: str | None = None, worksheet_class=None):
        return super().add_worksheet(name, worksheet_class or ClassicSheet)


class Formats:
    """The workbook's cell formats by name, each made once (xlsxwriter writes every format it was given)."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.made: dict[str, object] = {}

    def __call__(self, key: str, **props):
        if key not in self.made:
            self.made[key] = self.book.add_format({**FONT, **props})
        return self.made[key]

    def rule(self, key: str, props: dict):
        """A conditional format's look (fill, font colour only: the cell keeps its own font)."""
        if key not in self.made:
            self.made[key] = self.book.add_format(props)
        return self.made[key]


def write_cell(ws, row: int, col: int, value: object, fmt=None) -> None:
    """`value` at the 1-based (row, col) by its type: text always as text (never a formula), a date as a date."""
    r, c = row - 1, col - 1
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def setup_print(ws, *, title_row: int, landscape: bool = True, header_text: str = "") -> None:
    """A4 fitted one page wide, the 1-based `title_row` repeated on every page, page numbers in Chinese (as
    files/xlsx/openpyxl_styles.py's setup_print does for openpyxl)."""
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(title_row - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    if header_text:
        ws.set_header("&C" + header_text, {"margin": 0.3})
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


def write_title(ws, formats: Formats, text: str) -> None:
    """The sheet's title in A1, left-aligned and not merged, so it prints whole on the first page across."""
    ws.write_string(0, 0, text, formats("title", bold=True, font_size=14, align="left", valign="vcenter"))
    ws.set_row(0, 28)


def write_header_row(ws, formats: Formats, row: int, headers: list[str], widths: list[float]) -> None:
    fmt = formats("header", bold=True, bg_color="#DDEBF7", pattern=1, **BORDER, text_wrap=True, valign="vcenter",
                  align="center")
    for col, (text, width) in enumerate(zip(headers, widths)):
        ws.write_string(row - 1, col, text, fmt)
        ws.set_column(col, col, width)
