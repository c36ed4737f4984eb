"""Read a return for checking: every sheet's values (python-calamine) and, in .xlsx, which cells hold formulas."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

from xltasks.core.findings import SourceError, finding
from xltasks.core.validation import ReturnData
from xltasks.files.sniff import sniff

MAX_CELLS = 2_000_000  # a return has hundreds of cells; millions means a broken or hostile file
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>\s*<f[ >/]')


def _formula_cells(path: Path) -> set[tuple[str, str]]:
    """(sheet, A1) of every cell with a formula. calamine returns only the values Excel computed, so the sheet
    XML is scanned for <f> (sniffing has refused DOCTYPE/ENTITY and bombs; defusedxml reads the workbook part)."""
    found: set[tuple[str, str]] = set()
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.findall("rel:Relationship", _NS)}
        for sheet in book.findall("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            try:
                xml = zf.read(part)
            except KeyError:
                continue
            if b"<f" in xml:
                found.update((sheet.get("name"), ref.decode()) for ref in _FORMULA_CELL.findall(xml))
    return found


def read_return(path: Path) -> ReturnData:
    """The values of every sheet; raises SourceError (a finding) when the file cannot be read at all."""
    import python_calamine

    kind = sniff(path)
    if kind == "docx":
        raise SourceError(finding("source.unsupported", path=str(path)))
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            sheets, states = {}, {}
            for meta in book.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue
                sheet = book.get_sheet_by_name(meta.name)
                if sheet.height * max(sheet.width, 1) > MAX_CELLS:
                    raise SourceError(finding("source.too-large", path=str(path), detail=f"工作表“{meta.name}”过大"))
                sheets[meta.name] = sheet.to_python(skip_empty_area=False)
                states[meta.name] = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}.get(
                    str(meta.visible).rsplit(".", 1)[-1], "visible")
        finally:
            book.close()
        formulas = _formula_cells(path) if kind == "xlsx" else set()
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken return is a finding, not a traceback
        raise SourceError(finding("source.corrupt", path=str(path), detail=f"{type(exc).__name__}: {str(exc)[:120]}")) \
            from exc
    return ReturnData(str(path), kind, sheets, states, formulas)
