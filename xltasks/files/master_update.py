"""Write a merge into the master: the task sheet's report columns and state fills, 历次进展 and 报送记录.

The master is our own workbook, so it is loaded with openpyxl, changed in place and saved through
write_atomically: the coordinator's own columns, notes and formatting on the task sheet are left as they are.
Only the merge's columns (found by their header labels) and the merge's own sheets are written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from xltasks.core.merge_plan import TaskResult
from xltasks.core.reconcile import Reconciled
from xltasks.files.master_layout import HEADER_ROW, TASK_COLUMNS, TASK_SHEET
from xltasks.files.safe_write import cell_text
from xltasks.files.style import BODY_FONT, BORDER, WRAP_TOP, setup_print, write_header_row, write_title

HISTORY_SHEET, REGISTER_SHEET = "历次进展", "报送记录"
HEADERS = {key: header for key, header, _ in TASK_COLUMNS}
MERGE_KEYS = ("status", "progress", "progress_text", "problems", "next_steps", "done_date", "note", "coop_report",
              "reported_by", "reported_on", "state")
HISTORY_COLUMNS = [("round", "期次", 12), ("task_id", "任务编号", 11), ("lead_units", "牵头单位", 16),
                   ("state", "当前状态", 10), ("status", "进展状态", 8), ("progress", "完成进度(%)", 8),
                   ("progress_text", "进展情况", 40), ("problems", "存在问题", 24), ("reported_by", "报送单位", 14),
                   ("reported_on", "报送日期", 11), ("as_of", "状态日期", 11)]
REGISTER_COLUMNS = [("received", "汇总时间", 17), ("round", "期次", 12), ("unit", "单位", 16), ("outcome", "处理结果", 9),
                    ("errors", "错误", 6), ("warnings", "提示", 6), ("reason", "说明", 30), ("path", "文件", 40),
                    ("sha256", "SHA-256", 20), ("reporter", "填报人", 10), ("phone", "联系电话", 14)]
OUTCOME_LABELS = {"merged": "已汇总", "rejected": "退回", "superseded": "被替代", "ignored": "非本期"}


def _text(value: object) -> object:
    value = cell_text(value)
    return value if value not in ("", None) else None


DATE_KEYS = {"done_date", "reported_on"}


def _put(ws: Worksheet, row: int, col: int, value: object, *, is_date: bool = False) -> None:
    if is_date and isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)  # checked dates arrive as YYYY-MM-DD
        except ValueError:
            pass
    cell = ws.cell(row=row, column=col, value=_text(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text from a return is never a formula, whatever it starts with
    elif isinstance(cell.value, dt.date):
        cell.number_format = "yyyy-mm-dd"


def _sheet_rows(wb, name: str, columns: list[tuple[str, str, float]], title: str) -> Worksheet:
    if name in wb.sheetnames:
        return wb[name]
    ws = wb.create_sheet(name)
    write_title(ws, title)
    write_header_row(ws, HEADER_ROW, [c[1] for c in columns], [c[2] for c in columns])
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    setup_print(ws, title_rows=f"1:{HEADER_ROW}")
    return ws


def _append(ws: Worksheet, values: list[object]) -> None:
    _append_at(ws, ws.max_row + 1, values, wrap=True)


def update_master(master: Path, target: Path, plan: list[TaskResult], reconciled: Reconciled, round_name: str,
                  as_of: dt.date, labels: dict[str, str], colors: dict[str, str], sha256: dict[str, str],
                  lead_units: dict[str, str], contents: dict[str, str] | None = None,
                  owing: list[str] | None = None) -> None:
    """Load `master`, write the merge, save to `target` (a temporary file that write_atomically moves)."""
    wb = load_workbook(master)
    ws = wb[TASK_SHEET]
    col = {str(c.value).strip(): c.column for c in ws[HEADER_ROW] if c.value}
    id_col = col[HEADERS["task_id"]]
    rows = {str(ws.cell(row=r, column=id_col).value).strip(): r for r in range(HEADER_ROW + 1, ws.max_row + 1)
            if ws.cell(row=r, column=id_col).value}
    fills = {status: PatternFill("solid", fgColor=color) for status, color in colors.items()}  # one per status
    for result in plan:
        r = rows.get(result.task_id)
        if r is None:
            continue
        values = {**{key: None for key in MERGE_KEYS}, **result.answers, "coop_report": result.coop_text or None,
                  "state": labels[result.status]}
        for key in MERGE_KEYS:
            if HEADERS[key] in col:
                _put(ws, r, col[HEADERS[key]], values.get(key), is_date=key in DATE_KEYS)
        if HEADERS["state"] in col:
            ws.cell(row=r, column=col[HEADERS["state"]]).fill = fills[result.status]
    history = _sheet_rows(wb, HISTORY_SHEET, HISTORY_COLUMNS, "历次进展（每期每项任务一行）")
    keep = [[c.value for c in row] for row in history.iter_rows(min_row=HEADER_ROW + 1)
            if row[0].value is not None and str(row[0].value) != round_name]  # this round's rows are replaced
    history.delete_rows(HEADER_ROW + 1, history.max_row)
    for values in keep:
        _append(history, values)
    for result in plan:
        a = result.answers
        _append(history, [round_name, result.task_id, lead_units.get(result.task_id, ""), labels[result.status],
                          a.get("status"), a.get("progress"), a.get("progress_text"), a.get("problems"),
                          a.get("reported_by"), a.get("reported_on"), as_of])
    register = _sheet_rows(wb, REGISTER_SHEET, REGISTER_COLUMNS, "报送记录（收到的每一个文件）")
    received = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    this_run = {(round_name, o.report.path, sha256.get(o.report.path, "")) for o in reconciled.files}
    keep = [[c.value for c in row] for row in register.iter_rows(min_row=HEADER_ROW + 1)
            if row[0].value is not None and (str(row[1].value), str(row[7].value), str(row[8].value or "")) not in this_run]
    register.delete_rows(HEADER_ROW + 1, register.max_row)  # the same file merged again replaces its line
    for values in keep:
        _append(register, values)
    for outcome in reconciled.files:
        report = outcome.report
        _append(register, [received, report.round or round_name, report.unit or "（未识别）",
                           OUTCOME_LABELS[outcome.outcome], sum(f.severity == "error" for f in report.findings),
                           sum(f.severity == "warning" for f in report.findings), outcome.reason, report.path,
                           sha256.get(report.path, ""), report.header.get("reporter"), report.header.get("phone")])
    write_summary(wb, plan, round_name, as_of, labels, colors, reconciled.missing_units, contents or {})
    write_matrix(wb, register, owing or [])
    wb.active = 0
    wb.save(target)


MATRIX_SHEET = "报送情况"
MATRIX_MARKS = {"已汇总": "√", "退回": "退回"}


def write_matrix(wb, register: Worksheet, owing: list[str]) -> None:
    """Units × rounds: who reported when (√ merged, 退回 rejected, blank nothing), rebuilt from 报送记录."""
    marks: dict[tuple[str, str], str] = {}
    rounds: list[str] = []
    units: list[str] = list(owing)
    for row in register.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if not row[0]:
            continue
        round_name, unit, outcome = str(row[1]), str(row[2]), str(row[3])
        if outcome not in MATRIX_MARKS:
            continue
        rounds += [round_name] if round_name not in rounds else []
        units += [unit] if unit not in units else []
        if marks.get((unit, round_name)) != "√":
            marks[(unit, round_name)] = MATRIX_MARKS[outcome]
    if MATRIX_SHEET in wb.sheetnames:
        del wb[MATRIX_SHEET]
    ws = wb.create_sheet(MATRIX_SHEET)
    write_title(ws, "各单位各期报送情况（√ 已汇总，退回 有错误，空白 未报送）")
    write_header_row(ws, HEADER_ROW, ["单位", *rounds], [20, *([12] * len(rounds))])
    for r, unit in enumerate(units, start=HEADER_ROW + 1):
        _append_at(ws, r, [unit, *(marks.get((unit, rnd), "") for rnd in rounds)])
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    setup_print(ws, title_rows=f"1:{HEADER_ROW}")


def last_contacts(master: Path) -> dict[str, tuple[str, str]]:
    """unit -> (填报人, 联系电话) of its latest return in 报送记录, for the 催办 list."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(master))
    try:
        if REGISTER_SHEET not in book.sheet_names:
            return {}
        rows = book.get_sheet_by_name(REGISTER_SHEET).to_python()
    finally:
        book.close()
    contacts: dict[str, tuple[str, str]] = {}
    for row in sorted(rows[HEADER_ROW:], key=lambda r: str(r[0])):
        if len(row) >= 11 and str(row[9]).strip():
            phone = row[10]
            phone = str(int(phone)) if isinstance(phone, float) else str(phone)
            contacts[str(row[2])] = (str(row[9]).strip(), phone.strip())
    return contacts


SUMMARY_SHEET = "汇总统计"
STATUS_ORDER = ("done", "on_track", "due_soon", "overdue", "not_reported", "rejected")


def write_summary(wb, plan: list[TaskResult], round_name: str, as_of: dt.date, labels: dict[str, str],
                  colors: dict[str, str], missing: list[str], contents: dict[str, str]) -> None:
    """Rebuild 汇总统计: per lead unit the tasks by state and the completion rate, totals, a stacked bar chart
    by unit and state (a native Excel chart), and the overdue and missing lists; one A4 page."""
    from openpyxl.chart import BarChart, Reference

    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    counts: dict[str, dict[str, int]] = {}
    for result in plan:
        for unit, state in result.lead_states.items():
            counts.setdefault(unit, dict.fromkeys(STATUS_ORDER, 0))[state] += 1
    write_title(ws, f"{round_name} 任务进展汇总（状态日期 {as_of.isoformat()}）")
    headers = ["牵头单位", *(labels[s] for s in STATUS_ORDER), "合计", "完成率"]
    write_header_row(ws, HEADER_ROW, headers, [18, *([8] * len(STATUS_ORDER)), 7, 8])
    for c, status in enumerate(STATUS_ORDER, start=2):
        ws.cell(row=HEADER_ROW, column=c).fill = PatternFill("solid", fgColor=colors[status])
    r = HEADER_ROW
    for r, (unit, by_state) in enumerate(sorted(counts.items(), key=lambda kv: -sum(kv[1].values())),
                                         start=HEADER_ROW + 1):
        total = sum(by_state.values())
        _append_at(ws, r, [unit, *by_state.values(), total, by_state["done"] / total if total else 0])
    last_unit_row = r
    totals = [sum(by_state[s] for by_state in counts.values()) for s in STATUS_ORDER]
    grand = sum(totals)
    _append_at(ws, r + 1, ["合计", *totals, grand, totals[0] / grand if grand else 0])
    for row in range(HEADER_ROW + 1, r + 2):
        ws.cell(row=row, column=len(headers)).number_format = "0%"
    if counts:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title, chart.height, chart.width = "各牵头单位任务状态", 9 + 0.4 * len(counts), 17
        data = Reference(ws, min_col=2, max_col=1 + len(STATUS_ORDER), min_row=HEADER_ROW, max_row=last_unit_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last_unit_row))
        for series, status in zip(chart.series, STATUS_ORDER):
            series.graphicalProperties.solidFill = colors[status]
        ws.add_chart(chart, f"A{r + 3}")
    lists_col = len(headers) + 2
    overdue = [t for t in plan if t.status == "overdue"]
    ws.cell(row=HEADER_ROW, column=lists_col, value=f"逾期未完成（{len(overdue)}项）").font = BODY_FONT
    for i, t in enumerate(overdue, start=HEADER_ROW + 1):
        ws.cell(row=i, column=lists_col, value=_text(f"{t.task_id} {contents.get(t.task_id, '')[:30]}")).data_type = "s"
    at = HEADER_ROW + len(overdue) + 2
    ws.cell(row=at, column=lists_col, value=f"未报送单位（{len(missing)}个）").font = BODY_FONT
    for i, unit in enumerate(missing, start=at + 1):
        ws.cell(row=i, column=lists_col, value=_text(unit)).data_type = "s"
    ws.column_dimensions[ws.cell(row=1, column=lists_col).column_letter].width = 46
    setup_print(ws, title_rows=f"1:{HEADER_ROW}")
    ws.page_setup.fitToHeight = 1  # one A4 page: the state of the programme at a glance


def _append_at(ws: Worksheet, row: int, values: list[object], *, wrap: bool = False) -> None:
    for c, value in enumerate(values, start=1):
        _put(ws, row, c, value)
        cell = ws.cell(row=row, column=c)
        cell.font, cell.border = BODY_FONT, BORDER
        if wrap:
            cell.alignment = WRAP_TOP
