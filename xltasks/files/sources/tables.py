"""Read a published table (.xlsx/.xls/.xlsb/.ods through python-calamine, .docx through python-docx) into grids."""

from __future__ import annotations

from pathlib import Path

from xltasks.core.findings import SourceError, finding
from xltasks.core.grid import Grid
from xltasks.core.returns import META_SHEET
from xltasks.files.sources.sniff import check_all_extents, open_spreadsheet, sniff

MAX_CELLS = 5_000_000  # a published task table has thousands of cells; millions means a broken or hostile file


def _spreadsheet_grids(path: Path, kind: str) -> tuple[list[Grid], list[str]]:
    # calamine, not openpyxl: one reader for .xlsx, .xls, .xlsb and .ods, it reports merged ranges, returns the
    # values Excel last computed (never formulas), and its XML parser does not expand entities.
    import python_calamine

    workbook = open_spreadsheet(path, kind)
    grids = []
    try:
        if META_SHEET in workbook.sheet_names:  # our own master or return, given as a source by mistake
            kind = str(dict((str(r[0]), r[1]) for r in workbook.get_sheet_by_name(META_SHEET).to_python()[:20]
                            if len(r) >= 2).get("format", ""))
            if kind.startswith(("xltasks-master/", "xltasks-return/")):
                raise SourceError(finding("source.own-output", path=str(path),
                                          detail="总台账" if kind.startswith("xltasks-master/") else "报送表"))
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue  # chart sheets and macro sheets hold no table
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height * max(sheet.width, 1) > MAX_CELLS:
                raise SourceError(finding("source.too-large", path=str(path), detail=f"工作表“{meta.name}”过大"))
            values = sheet.to_python(skip_empty_area=False)
            merges = [(top + 1, left + 1, bottom + 1, right + 1)
                      for (top, left), (bottom, right) in (sheet.merged_cell_ranges or [])]
            grids.append(Grid.from_values(meta.name, values, merges))
    finally:
        workbook.close()
    return grids, []


def _docx_grids(path: Path) -> tuple[list[Grid], list[str]]:
    # python-docx parses with lxml and resolve_entities=False; the sniffing before refused any DOCTYPE anyway.
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    grids: list[Grid] = []
    free_text: list[str] = []
    before: list[str] = []
    for block in document.iter_inner_content():
        if not isinstance(block, Table):
            text = block.text.strip()
            if text:
                before.append(text)
                free_text.append(text)
            continue
        values, merges = [], []
        previous_row: list = []
        for r, row in enumerate(block.rows, start=1):
            cells = list(row.cells)
            values.append([cell.text for cell in cells])
            for c, cell in enumerate(cells, start=1):
                if c > 1 and cell._tc is cells[c - 2]._tc:  # gridSpan: the same cell repeated to the right
                    merges.append((r, c - 1, r, c))
                elif c <= len(previous_row) and cell._tc is previous_row[c - 1]._tc:  # vMerge continued
                    merges.append((r - 1, c, r, c))
            previous_row = cells
        grids.append(Grid.from_values(f"表{len(grids) + 1}", values, _join_merges(merges), before))
        before = []
    return grids, free_text


def _join_merges(pairs: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Chain two-cell merges into the anchor each covered cell belongs to (top-left of its run)."""
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    for top, left, bottom, right in pairs:
        start = anchor.get((top, left), (top, left))
        anchor[(bottom, right)] = start
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for (r, c), start in anchor.items():
        b, rr = spans.get(start, start)
        spans[start] = (max(b, r), max(rr, c))
    return [(t, l, b, r) for (t, l), (b, r) in spans.items()]


def read_source(path: Path) -> tuple[list[Grid], list[str]]:
    """The grids of a source file and its free text; every way a file can fail becomes a SourceError."""
    kind = sniff(path, lambda zf: check_all_extents(zf, str(path)) if "xl/workbook.xml" in zf.NameToInfo else None)
    try:
        if kind == "docx":
            return _docx_grids(path)
        return _spreadsheet_grids(path, kind)
    except SourceError:
        raise
    except MemoryError as exc:
        raise SourceError(finding("source.too-large", path=str(path), detail="内存不足")) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure on a user's file is a finding, not a traceback
        detail = "表格内容无法读取"
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise SourceError(finding("source.encrypted", path=str(path))) from exc
        raise SourceError(finding("source.corrupt", path=str(path), detail=detail)) from exc
