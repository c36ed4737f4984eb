"""Read a return for checking: the sheets a check needs (python-calamine) and, in .xlsx, which cells hold formulas."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

from xltasks.core.findings import SourceError, finding
from xltasks.core.returns import COOP_SHEET, LEAD_SHEET, META_SHEET
from xltasks.core.validation import ReturnData
from xltasks.files.sniff import sniff

MAX_CELLS = 2_000_000  # a return has hundreds of cells; millions means a broken or hostile file
CHECKED_SHEETS = (LEAD_SHEET, COOP_SHEET, META_SHEET)  # the help sheet holds nothing to check
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[ >/]')
_STATES = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}


def _formula_cells(zf: zipfile.ZipFile, found: set[tuple[str, str]]) -> None:
    """Add (sheet, A1) for every formula in the checked sheets. calamine returns only the values Excel computed,
    so the sheet XML is scanned for <f>; sniffing has already refused DOCTYPE/ENTITY and bombs, so plain pattern
    matching over the parts is safe (and cheaper than a second parse)."""
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
        if b"<f" in xml:
            found.update((name, ref.decode()) for ref in _FORMULA_CELL.findall(xml))


def read_return(path: Path) -> ReturnData:
    """The values of the sheets a check needs; raises SourceError (a finding) when the file cannot be read."""
    import python_calamine

    formulas: set[tuple[str, str]] = set()
    kind = sniff(path, lambda zf: _formula_cells(zf, formulas) if "xl/workbook.xml" in zf.NameToInfo else None)
    if kind == "docx":
        raise SourceError(finding("source.unsupported", path=str(path)))
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            sheets, states = {}, {}
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
        finally:
            book.close()
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken return is a finding, not a traceback
        raise SourceError(finding("source.corrupt", path=str(path), detail=f"{type(exc).__name__}: {str(exc)[:120]}")) \
            from exc
    return ReturnData(str(path), kind, sheets, states, formulas)
