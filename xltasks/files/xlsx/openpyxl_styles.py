"""Styles for the workbooks written with openpyxl (the validation report): fonts, fills, borders, print, made once."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet


FONT_NAME = "宋体"  # present on every Chinese Windows and in WPS; LibreOffice substitutes a CJK font
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def setup_print(ws: Worksheet, *, title_rows: str, landscape: bool = True, header_text: str = "",
                pages_across: int = 1) -> None:
    """A4, fitted to `pages_across` pages wide (two for the 23-column task list: one would print 5-point text),
    title rows repeated on every page and column A repeated on the pages to the right, page numbers in Chinese."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = pages_across
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if pages_across > 1:
        ws.print_title_cols = "A:A"
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if header_text:
        ws.oddHeader.center.text = header_text
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def write_header_row(ws: Worksheet, row: int, headers: list[str], widths: list[float]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, WRAP_CENTER
        ws.column_dimensions[cell.column_letter].width = width


def write_title(ws: Worksheet, text: str) -> None:
    """The sheet's title in A1, left-aligned and not merged, so it prints whole on the first page across."""
    ws.cell(row=1, column=1, value=text).font = TITLE_FONT
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[1].height = 28
