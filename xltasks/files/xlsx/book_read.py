"""Read a whole workbook so it can be written again: values, formulas, notes, column widths.

Values from A1 through python-calamine; from the sheet XML (sheet_extras.py) what values alone would lose.

The merge rewrites the master instead of loading and re-saving it with openpyxl (which costs 10x more at 10,000
tasks, see benchmarks/merge_scale.py). What a coordinator adds by hand must come through that rewrite: their own
columns and sheets (values and formulas), their notes, their column widths. Cell formatting they apply by hand
does not; the README says so.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xltasks.files.xlsx.sheet_extras import Extras, sheet_extras


@dataclass
class SheetData:
    """A sheet as values (rows from A1, row 0 = Excel row 1), with what must be carried besides them."""
    name: str
    rows: list[list[object]]
    state: str = "visible"  # visible | hidden | veryHidden
    widths: dict[int, tuple[float | None, bool]] = field(default_factory=dict)  # column -> (width, hidden)
    rest: tuple[int, float | None, bool] | None = None  # from this column on: (first, width, hidden)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> text
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> formula without "="
    arrays: dict[tuple[int, int], tuple[int, int, bool]] = field(default_factory=dict)  # anchor -> end, dynamic
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> URL, or "internal:Sheet!A1"
    origin: tuple[str, str, int, int] | None = None  # (workbook, sheet part, its CRC-32 and size) it was read from
    verbatim: object = None  # rows to copy from `origin` as they are (xlsx.verbatim.Verbatim), set by the writer's caller


def read_book(path: Path, extras: dict[str, Extras] | None = None) -> list[SheetData]:
    """Every worksheet of an .xlsx in workbook order, with `extras` (from sheet_extras; read here if not given).
    The caller has sniffed the file and checked its extent."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        sheets = {}
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            visible = python_calamine.SheetVisibleEnum
            state = ("hidden" if meta.visible == visible.Hidden else
                     "veryHidden" if meta.visible == visible.VeryHidden else "visible")
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets[meta.name] = SheetData(meta.name, [list(r) for r in rows], state)
    finally:
        workbook.close()
    if extras is None:
        try:
            with zipfile.ZipFile(path) as zf:
                extras = sheet_extras(zf)
        except zipfile.BadZipFile:
            extras = {}  # .xls/.ods: values only
    for name, extra in extras.items():
        if name in sheets:
            sheet = sheets[name]
            (sheet.widths, sheet.rest), sheet.comments, sheet.formulas, sheet.arrays, sheet.links = \
                extra.widths, extra.comments, extra.formulas, extra.arrays, extra.links
            sheet.origin = (str(path), extra.part, *extra.stamp) if extra.part else None
    return list(sheets.values())
