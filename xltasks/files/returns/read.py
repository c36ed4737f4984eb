"""Read a return for checking: its sheets' values, and which cells hold formulas or show errors.

Values through python-calamine, only the sheets a check needs; formulas and error values from the sheet XML of .xlsx
and .ods.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

from xltasks.core.findings import SourceError, finding
from xltasks.core.grid import a1
from xltasks.core.returns import COOP_SHEET, LEAD_SHEET, META_SHEET
from xltasks.core.validation.model import ReturnData
from xltasks.files.sources.sniff import check_extent, open_spreadsheet, sniff

MAX_CELLS = 2_000_000  # a return has hundreds of cells; millions means a broken or hostile file
CHECKED_SHEETS = (LEAD_SHEET, COOP_SHEET, META_SHEET)  # the help sheet holds nothing to check
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[ >/]')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)
_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def _scan_sheets(zf: zipfile.ZipFile, path: str, found: set[tuple[str, str]], errors: dict[tuple[str, str], str]) -> None:
    """For the checked sheets: refuse a far-out last cell (before calamine would allocate it), and collect the
    cells holding a formula and those showing an error value (#DIV/0!), which calamine returns as empty.
    Sniffing has already refused DOCTYPE/ENTITY and bombs, so pattern matching over the parts is safe."""
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {m[0] or m[3]: m[1] or m[2] for m in _REL.findall(rels)}
    for name, rel_id in _SHEET.findall(book):
        name = html.unescape(name)
        if name not in CHECKED_SHEETS:
            continue
        target = targets.get(rel_id, "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        try:
            xml = zf.read(part)
        except KeyError:
            continue
        check_extent(xml, name, path)
        if b"<f" in xml:
            found.update((name, ref.decode()) for ref in _FORMULA_CELL.findall(xml))
        if b't="e"' in xml:
            errors.update(((name, ref.decode()), html.unescape(value.decode("utf-8", "replace")))
                          for ref, value in _ERROR_CELL.findall(xml))


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_MAX_REPEAT = 1000  # a formula "repeated" over a million blank cells is marked on its first thousand


def _scan_ods(zf: zipfile.ZipFile, found: set[tuple[str, str]], errors: dict[tuple[str, str], str]) -> None:
    """The same for an .ods (LibreOffice, WPS): cells of the checked sheets holding a formula (table:formula) or
    showing an error value (calcext:value-type="error"), which calamine returns as empty."""
    from defusedxml.ElementTree import ParseError, iterparse

    if "content.xml" not in zf.NameToInfo:
        return
    try:
        _walk_ods(zf, found, errors, iterparse)
    except ParseError:
        pass  # calamine reports the broken file


def _walk_ods(zf: zipfile.ZipFile, found: set[tuple[str, str]], errors: dict[tuple[str, str], str], iterparse) -> None:
    sheet, row, col = None, 0, 0
    with zf.open("content.xml") as content:
        for event, element in iterparse(content, events=("start", "end")):
            tag = element.tag
            if tag == _TABLE + "table":
                if event == "start":
                    name = element.get(_TABLE + "name", "")
                    sheet, row = (name if name in CHECKED_SHEETS else None), 0
                else:
                    sheet = None
                    element.clear()
            elif sheet is None or not tag.startswith(_TABLE):
                continue
            elif tag == _TABLE + "table-row":
                if event == "start":
                    col = 0
                else:
                    row += int(element.get(_TABLE + "number-rows-repeated", "1"))
                    element.clear()
            elif tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell") and event == "end":
                repeat = int(element.get(_TABLE + "number-columns-repeated", "1"))
                formula = element.get(_TABLE + "formula") is not None
                error = element.get(_CALCEXT + "value-type") == "error"
                if formula or error:
                    shown = "".join(element.itertext()).strip() or "#VALUE!"
                    for c in range(col, col + min(repeat, _MAX_REPEAT)):
                        if formula:
                            found.add((sheet, a1(row + 1, c + 1)))
                        if error:
                            errors[(sheet, a1(row + 1, c + 1))] = shown
                col += repeat


MAX_MERGED_CELLS = 20_000  # a merge over a whole column must not become a million entries


def _merged_cells(sheet: str, ranges: list) -> dict[tuple[str, str], str]:
    """Every cell of a merged range but its first, with the range: such a cell shows the first one's value but
    holds none of its own (a clerk merging G6:G8 to fill three rows at once)."""
    found: dict[tuple[str, str], str] = {}
    for (top, left), (bottom, right) in ranges:
        if (bottom - top + 1) * (right - left + 1) > MAX_MERGED_CELLS or len(found) > MAX_MERGED_CELLS:
            continue
        text = f"{a1(top + 1, left + 1)}:{a1(bottom + 1, right + 1)}"
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    found[(sheet, a1(r + 1, c + 1))] = text
    return found


def read_return(path: Path) -> ReturnData:
    """The values of the sheets a check needs; raises SourceError (a finding) when the file cannot be read."""
    import python_calamine

    formulas: set[tuple[str, str]] = set()
    errors: dict[tuple[str, str], str] = {}
    kind = sniff(path, lambda zf: _scan_sheets(zf, str(path), formulas, errors)
                 if "xl/workbook.xml" in zf.NameToInfo else _scan_ods(zf, formulas, errors))
    if kind == "docx":
        raise SourceError(finding("source.unsupported", path=str(path)))
    try:
        book = open_spreadsheet(path, kind)
        try:
            sheets, states, merged = {}, {}, {}
            for meta in book.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue
                states[meta.name] = _STATES.get(str(meta.visible).rsplit(".", 1)[-1], "visible")
                if meta.name not in CHECKED_SHEETS:
                    continue
                sheet = book.get_sheet_by_name(meta.name)
                if sheet.height * max(sheet.width, 1) > MAX_CELLS:
                    raise SourceError(finding("source.too-large", path=str(path), detail=f"工作表“{meta.name}”过大"))
                sheets[meta.name] = sheet.to_python(skip_empty_area=False)
                merged.update(_merged_cells(meta.name, sheet.merged_cell_ranges or []))
        finally:
            book.close()
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken return is a finding, not a traceback
        raise SourceError(finding("source.corrupt", path=str(path), detail="表格内容无法读取")) from exc
    return ReturnData(str(path), kind, sheets, states, formulas, errors, merged)
