"""The coordinator's report of a validation run: per unit, per file, and every finding with a link to its cell."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from xltasks.core.validation.model import ReturnReport
from xltasks.files.xlsx.openpyxl_styles import (BODY_FONT, BORDER, WRAP_TOP, setup_print, write_header_row,
                                               write_title)
from xltasks.files.xlsx.safe_write import cell_text

SEVERITY = {"error": ("错误", "FFC7CE"), "warning": ("提示", "FFEB9C"), "info": ("信息", None)}
LINK_FONT = Font(name=BODY_FONT.name, size=10, color="0563C1", underline="single")
HEADER_ROW = 2
FILLS = {key: PatternFill("solid", fgColor=color) for key, (_, color) in SEVERITY.items() if color}
VALID_FILL, INVALID_FILL = PatternFill("solid", fgColor="C6EFCE"), PatternFill("solid", fgColor="FFC7CE")


def _link(target: Path, report: Path, sheet: str | None = None, cell: str | None = None) -> str:
    """A hyperlink that still works when the report and the returns move together: relative where possible,
    and to the cell itself ("文件.xlsx#'牵头任务'!G6") when there is one."""
    try:
        link = os.path.relpath(target.resolve(), report.resolve().parent).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        link = str(target.resolve())
    return f"{link}#'{sheet}'!{cell}" if sheet and cell and target.suffix.lower() in (".xlsx", ".xlsm") else link


def _table(ws: Worksheet, title: str, columns: list[tuple[str, float]], rows: list[list], links: list[dict],
           fills: list[PatternFill | None]) -> None:
    write_title(ws, title)
    write_header_row(ws, HEADER_ROW, [c for c, _ in columns], [w for _, w in columns])
    for r, (values, row_links, fill) in enumerate(zip(rows, links, fills), start=HEADER_ROW + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=cell_text(value))
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"
            cell.font, cell.border, cell.alignment = BODY_FONT, BORDER, WRAP_TOP
            if c in row_links:
                cell.hyperlink, cell.font = row_links[c], LINK_FONT
            if fill is not None:
                cell.fill = fill
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{ws.cell(row=max(HEADER_ROW, HEADER_ROW + len(rows)), column=len(columns)).coordinate}"
    setup_print(ws, title_rows=f"1:{HEADER_ROW}")


def build_report(reports: list[ReturnReport], path: Path) -> Workbook:
    """Three sheets: 按单位 (one row per unit), 按文件 (one row per file), 问题清单 (one row per finding)."""
    wb = Workbook()
    by_unit: dict[str, list[ReturnReport]] = defaultdict(list)
    for r in reports:
        by_unit[r.unit or "（未识别）"].append(r)
    count = lambda rs, s: sum(f.severity == s for r in rs for f in r.findings)  # noqa: E731
    unit_rows = [[unit, len(rs), sum(r.valid for r in rs), sum(not r.valid for r in rs), count(rs, "error"),
                  count(rs, "warning"), "通过" if all(r.valid for r in rs) else "需退回修改"]
                 for unit, rs in sorted(by_unit.items())]
    _table(wb.active, "报送表校验汇总（按单位）", [("单位", 22), ("文件数", 8), ("通过", 8), ("退回修改", 9), ("错误", 8),
                                           ("提示", 8), ("结论", 12)], unit_rows, [{}] * len(unit_rows),
           [VALID_FILL if row[-1] == "通过" else INVALID_FILL for row in unit_rows])
    wb.active.title = "按单位"
    file_rows = [[r.unit or "（未识别）", r.round, Path(r.path).name, "通过" if r.valid else "退回修改",
                  count([r], "error"), count([r], "warning"), str(r.path)] for r in reports]
    _table(wb.create_sheet("按文件"), "报送表校验汇总（按文件）", [("单位", 20), ("期次", 12), ("文件", 36), ("结果", 10),
                                                     ("错误", 7), ("提示", 7), ("位置", 50)], file_rows,
           [{3: _link(Path(r.path), path)} for r in reports],
           [VALID_FILL if r.valid else INVALID_FILL for r in reports])
    finding_rows, links, fills = [], [], []
    for r in reports:
        for f in r.findings:
            finding_rows.append([r.unit or "（未识别）", Path(r.path).name, f.sheet or "", f.cell or "",
                                 SEVERITY[f.severity][0], f.code, f.message])
            links.append({2: _link(Path(r.path), path, f.sheet, f.cell)})
            fills.append(FILLS.get(f.severity))
    _table(wb.create_sheet("问题清单"), "报送表问题清单", [("单位", 18), ("文件", 28), ("工作表", 10), ("单元格", 8),
                                                 ("级别", 6), ("代码", 22), ("说明", 70)], finding_rows, links, fills)
    return wb
