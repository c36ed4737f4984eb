"""The clerk's buttons on the open return: 校验本表, 清除标记, 导出报送文件 (each returns what it told the clerk)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from xltasks.core.findings import SourceError
from xltasks.core.returns import (COOP_SHEET, LEAD_SHEET, META_SHEET, RESULT_FIRST_ROW, RESULT_HINT, RESULT_SHEET,
                                  return_file_name)
from xltasks.core.validation.check import validate_return
from xltasks.core.validation.model import ReturnData, ReturnReport
from xltasks.core.validation.workbook_rules import checked_meta
from xltasks.excel.book import alert, return_data, sheet_names, sheet_rows, short, write_rows
from xltasks.excel.marks import MARK_COLORS, Fill, issued_colors, marks_for, record_text, recorded_cells, rectangles
from xltasks.excel.saved import differs_from_file, file_sheets
from xltasks.files.returns.annotate import SEVERITY_LABEL

ALERT_TITLE = "xltasks 报送表"
LISTED_IN_ALERT = 8  # a return without a 校验结果 sheet gets its findings in the message box
MSGBOX_CHARS = 1000


def _meta(data: ReturnData) -> dict | None:
    """Only metadata the checks accept (schema, fingerprint): an edited one could point the marks anywhere."""
    return checked_meta(data) if META_SHEET in data.sheets else None


def _issued(data: ReturnData, meta: dict | None) -> dict[tuple[str, str], str]:
    if meta is None:
        return {}
    header_row = meta["first_row"] - 2
    headers = {name: rows[header_row] for name, rows in data.sheets.items() if len(rows) > header_row}
    return issued_colors(meta, headers, {name: len(rows) for name, rows in data.sheets.items()})


RECORD_CELL = "A2"  # 校验结果's second row: the hint as issued, the record of the marks after a 校验本表


def _painted_before(results: list[list], issued: dict[tuple[str, str], str]) -> tuple[set[tuple[str, str]], str]:
    """The cells the last 校验本表 painted, found from 校验结果's rows, and how: "record" (the line it left in A2),
    "list" (A2 is still the hint: nothing recorded, as issued, after 清除标记, or checked by a version that kept no
    record, whose marks are the listed cells), "none-known" (A2 changed by hand: every issued cell, so that no mark
    can stay, at the cost of the clerk's own fills)."""
    line = results[1][0] if len(results) > 1 and results[1] else None
    recorded = recorded_cells(line, issued)
    if recorded is not None:
        return recorded, "record"
    if str(line or "").strip() == RESULT_HINT:
        listed = {(str(r[1]), str(r[2])) for r in results[RESULT_FIRST_ROW - 1:] if len(r) > 2 and r[1] and r[2]}
        return listed & issued.keys(), "list"
    return set(issued), "none-known"


def _restore(book, cells: set[tuple[str, str]], issued: dict[tuple[str, str], str]) -> None:
    """The cells back to the fills they were issued with (a few rectangles)."""
    _paint(book, rectangles({place: issued[place] for place in cells}))


def _write_record(book, text: str) -> None:
    book.sheets[RESULT_SHEET].range(RECORD_CELL).value = text


def _paint(book, fills: list[Fill]) -> None:
    for f in fills:
        book.sheets[f.sheet].range((f.top, f.left), (f.bottom, f.right)).color = f.color


def check(book, today: dt.date | None = None) -> tuple[ReturnData, dict | None, ReturnReport]:
    data = return_data(book)
    return data, _meta(data), validate_return(data, today=today or dt.date.today())


def _shown(report: ReturnReport) -> list:
    return [f for f in report.findings if f.severity in ("error", "warning")]


def validate_return_book(book, today: dt.date | None = None) -> str:
    """校验本表: the same checks as `xltasks validate`, bad cells coloured, one line each in 校验结果, an alert."""
    data, meta, report = check(book, today)
    shown = _shown(report)
    errors = sum(f.severity == "error" for f in shown)
    warnings = len(shown) - errors
    stranger = _not_a_return(report, meta)
    if stranger:
        alert(book, stranger, ALERT_TITLE, critical=True)
        return stranger
    if RESULT_SHEET not in sheet_names(book) or meta is None:  # issued before the sheet was, or copied out of one
        text = _listed(shown, errors)
        alert(book, text, ALERT_TITLE, critical=bool(errors))
        return text
    issued = _issued(data, meta)
    results = sheet_rows(book, RESULT_SHEET)
    before, _ = _painted_before(results, issued)
    marks = marks_for(shown, issued)
    # the cells the last check painted go back to their issued fills (even if the clerk has sorted or deleted the
    # 校验结果 rows that listed them), then this check's marks; every other fill is the clerk's and stays
    _restore(book, before - marks.keys(), issued)
    fills = rectangles(marks)
    _paint(book, fills)
    lines = [[SEVERITY_LABEL[f.severity], f.sheet or "", f.cell or "", f.field or "", short(f.message, 1000)]
             for f in shown]
    write_rows(book, RESULT_SHEET, RESULT_FIRST_ROW, lines, clear_to=len(results))
    _write_record(book, record_text(fills) or RESULT_HINT)
    if errors:
        book.sheets[RESULT_SHEET].activate()
        text = f"共{errors}处需修改，已标红；详见「{RESULT_SHEET}」表。" + (f"另有{warnings}条提示。" if warnings else "")
    else:
        text = "校验通过，可以报送。" + (f"另有{warnings}条提示，见「{RESULT_SHEET}」表。" if warnings else "")
    alert(book, text, ALERT_TITLE, critical=bool(errors))
    return text


NOT_A_RETURN = ("file.skipped", "workbook.no-metadata")


def _not_a_return(report: ReturnReport, meta: dict | None) -> str:
    """The message for a workbook that is no return at all (the master, a report, someone else's table), else ""."""
    if meta is not None or not report.findings or any(f.code not in NOT_A_RETURN for f in report.findings):
        return ""
    return f"「校验本表」只用于 xltasks 下发的报送表，当前工作簿不是：{report.findings[0].message}"


def _listed(shown: list, errors: int) -> str:
    if not shown:
        return "校验通过，可以报送。"
    head = f"共{errors}处需修改：" if errors else "校验通过，可以报送。以下提示请留意："
    items = [f"{i}. {short(f.message, 200)}" for i, f in enumerate(shown[:LISTED_IN_ALERT], start=1)]
    more = f"……共{len(shown)}条。"
    while items and len("\n".join([head, *items, more])) > MSGBOX_CHARS:
        items.pop()  # VBA's MsgBox shows 1,024 characters; the count at the end must stay visible
    return "\n".join([head, *items] + ([more] if len(items) < len(shown) else []))


def clear_marks_book(book) -> str:
    """清除标记: the fills 校验本表 set (its record says which) go back to those issued, 校验结果 is emptied and shows
    its hint again; no typed value changes, and no fill the check did not set."""
    data = return_data(book)
    meta = _meta(data)
    if RESULT_SHEET not in sheet_names(book) or meta is None:  # someone else's 校验结果 sheet is not ours to empty
        text = "当前工作簿不是 xltasks 下发的报送表（或是旧版），没有「校验本表」的标记可清除。"
        alert(book, text, ALERT_TITLE)
        return text
    issued = _issued(data, meta)
    results = sheet_rows(book, RESULT_SHEET)
    before, known = _painted_before(results, issued)
    _restore(book, before, issued)
    write_rows(book, RESULT_SHEET, RESULT_FIRST_ROW, [], clear_to=len(results))
    _write_record(book, RESULT_HINT)
    if known == "none-known":
        text = f"「{RESULT_SHEET}」表第2行的标色记录已被改动，已把任务行和表头的底色全部恢复为下发时的颜色。"
    else:
        text = f"已清除{len(before)}处标记。" if before else "没有需要清除的标记。"
    alert(book, text, ALERT_TITLE)
    return text


def _marked(source: Path) -> tuple[str, str] | None:
    """The first cell of the saved file's task sheets that shows a mark's colour, as (sheet, A1) (.xlsx/.xlsm; the
    others keep their fills where calamine cannot see them)."""
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    from openpyxl import load_workbook

    colors = {c[1:] for c in MARK_COLORS.values()}
    book = load_workbook(source)  # styles are needed; read_only mode leaves them out
    return next(((name, cell.coordinate) for name in (LEAD_SHEET, COOP_SHEET) if name in book.sheetnames
                 for row in book[name].iter_rows() for cell in row
                 if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] in colors), None)


def export_return_book(book, folder: Path | None, today: dt.date | None = None) -> str:
    """导出报送文件: a clean return saved as 期次-单位-报送表.xlsx beside the open file (`folder`); refused with
    the number of problems otherwise. Without a folder (the server cannot reach the clerk's disk) the clerk is told
    the name to save it under."""
    data, meta, report = check(book, today)
    errors = sum(f.severity == "error" for f in report.findings)
    if errors or meta is None:
        text = (f"还有{errors}处需修改，暂不能导出。请先点「校验本表」，按「{RESULT_SHEET}」表修改。" if meta else
                "当前工作簿不是 xltasks 下发的报送表，不能导出。")
        alert(book, text, ALERT_TITLE, critical=True)
        return text
    name = return_file_name(meta["round"], meta["unit"])
    if folder is None:
        text = f"校验通过。请用「文件—另存为」把本表保存为“{name}”，按通知报送。"
    else:
        text = _export(book, data, Path(folder), name)
    alert(book, text, ALERT_TITLE, critical=not text.startswith("已"))
    return text


def _export(book, data: ReturnData, folder: Path, name: str) -> str:
    source = folder / Path(book.name).name
    if not source.is_file():
        return "请先保存本表（Ctrl+S），再点「导出报送文件」。"
    try:
        if differs_from_file(data.sheets, source):
            return "本表有未保存的修改。请先保存（Ctrl+S），再点「导出报送文件」。"
        results = file_sheets(source, [RESULT_SHEET]).get(RESULT_SHEET, [])
    except SourceError as exc:
        return f"无法读取已保存的文件：{exc.finding.message}"
    if any(any(v not in (None, "") for v in row) for row in results[RESULT_FIRST_ROW - 1:]):
        return "保存的文件中还留有校验标记。请先点「清除标记」，保存后再导出。"
    marked = _marked(source)
    if marked:  # 清除标记 takes off only what 校验本表 recorded: a colour the clerk chose in the marks' own is theirs
        return (f"保存的文件中「{marked[0]}」{marked[1]}等单元格还是校验标记的淡红/淡黄色。请先点「清除标记」，保存后再导出；"
                "如是您自己加的颜色，请换一种颜色。")
    from xltasks.actions.validate import check_file

    # the saved file, checked as the coordinator will check it: it also shows what no client sends (merged
    # cells, formulas)
    errors = [f for f in check_file(source, None, None, dt.date.today()).findings if f.severity == "error"]
    if errors:
        return f"保存的文件还有{len(errors)}处问题，暂不能导出：{short(errors[0].message, 300)}"
    target = folder / Path(name).with_suffix(source.suffix.lower())  # an .xls stays .xls: Excel checks the two agree
    if target.resolve() == source.resolve():
        return f"已是报送用的文件名，可以直接报送：{target}"
    temp = target.with_name(f".xltasks-{os.getpid()}-{name}")
    shutil.copyfile(source, temp)
    os.replace(temp, target)
    return f"已导出：{target}\n请把这个文件按通知报送。"

