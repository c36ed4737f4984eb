"""Write the master workbook (总台账): tasks, units, leading group, import findings, instructions, metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xltasks import __version__
from xltasks.core.findings import Finding
from xltasks.core.programme import Programme
from xltasks.files.master_layout import (FINDING_SHEET, HEADER_ROW, HELP_SHEET, HIDE_WHEN_EMPTY, INPUT_KEYS,
                                         MASTER_FORMAT, META_SHEET, ROSTER_SHEET, TASK_COLUMNS, TASK_SHEET,
                                         UNIT_SHEET)
from xltasks.files.safe_write import cell_text
from xltasks.files.style import (BODY_FONT, BORDER, INPUT_FILL, WRAP_TOP, row_height, setup_print, write_header_row,
                                 write_title)

DATE_FORMAT = "yyyy-mm-dd"


def _task_values(programme: Programme) -> list[dict]:
    tasks = programme.tasks
    # A numbered task spread over several rows shows 子项 1, 2, ...; a task on one row shows none.
    has_subs = [t.sub > 1 or (i + 1 < len(tasks) and tasks[i + 1].sub > 1) for i, t in enumerate(tasks)]
    return [{
        "task_id": task.task_id, "section": task.section, "number": task.number,
        "sub": task.sub if has_subs[i] else None, "title": task.title, "content": task.content,
        "lead_units": "、".join(task.lead_units), "coop_units": "、".join(task.coop_units),
        "deadline_text": task.deadline.text, "due": task.deadline.due,
        "ongoing": "是" if task.deadline.ongoing else None, "source": task.source, "remarks": task.remarks,
    } for i, task in enumerate(tasks)]


def _write_table(ws: Worksheet, title: str, columns: list[tuple[str, str, float]], rows: list[dict],
                 *, input_keys: set[str] = frozenset(), pages_across: int = 1) -> None:
    write_title(ws, title)
    write_header_row(ws, HEADER_ROW, [c[1] for c in columns], [c[2] for c in columns])
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for c, (key, _, _) in enumerate(columns, start=1):
            value = cell_text(values.get(key))
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value[:1] in "=+-@":
                cell.data_type = "s"  # text from a source is never a formula
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            cell.font, cell.border, cell.alignment = BODY_FONT, BORDER, WRAP_TOP
            if key in input_keys:
                cell.fill = INPUT_FILL
        ws.row_dimensions[r].height = row_height([(values.get(k), w) for k, _, w in columns])
    for c, (key, _, _) in enumerate(columns, start=1):
        if key in HIDE_WHEN_EMPTY and rows and all(values.get(key) in (None, "") for values in rows):
            ws.column_dimensions[ws.cell(row=HEADER_ROW, column=c).column_letter].hidden = True
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    last = ws.cell(row=max(HEADER_ROW, HEADER_ROW + len(rows)), column=len(columns))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last.coordinate}"
    setup_print(ws, title_rows=f"1:{HEADER_ROW}", pages_across=pages_across)


def _unit_rows(programme: Programme) -> list[dict]:
    rows = []
    for unit in programme.units:
        members = "；".join(f"{m.name}（{m.post}）" for m in unit.roster)
        rows.append({
            "name": unit.name, "kind": "单位组" if unit.is_group else "单位", "aliases": "、".join(unit.aliases),
            "members": "、".join(unit.members), "lead_tasks": unit.lead_tasks, "coop_tasks": unit.coop_tasks,
            "roster": members, "roster_role": "、".join(sorted({m.role for m in unit.roster})),
            "note": "领导小组办公室所在单位" if unit.name == programme.office else None,
        })
    return rows


UNIT_COLUMNS = [
    ("name", "单位名称", 22), ("kind", "类型", 8), ("aliases", "别名", 16), ("members", "组成员", 30),
    ("lead_tasks", "牵头任务数", 9), ("coop_tasks", "配合任务数", 9), ("roster_role", "领导小组职务", 10),
    ("roster", "领导小组成员（职务）", 26), ("note", "备注", 18),
]
ROSTER_COLUMNS = [("role", "职务", 10), ("name", "姓名", 10), ("post", "单位及职务（原文）", 30), ("unit", "对应单位", 22)]
FINDING_COLUMNS = [("severity", "级别", 8), ("code", "代码", 24), ("where", "来源位置", 12), ("task_id", "任务编号", 12),
                   ("message", "说明", 80)]
SEVERITY_LABELS = {"error": "错误", "warning": "提示", "info": "信息"}


def _finding_rows(findings: list[Finding]) -> list[dict]:
    return [{"severity": SEVERITY_LABELS[f.severity], "code": f.code,
             "where": f"{f.sheet}!{f.cell}" if f.sheet and f.cell else "", "task_id": f.task_id, "message": f.message}
            for f in findings]


HELP_TEXT = [
    ("这是什么", "本文件是任务总台账，由 xltasks 从发布的任务分解表导入生成。每行一项任务，“任务编号”唯一且稳定："
                 "同一张表重新导入，编号不变。"),
    ("任务清单", "左侧是原表内容（所属部分、序号、任务内容、牵头单位、配合单位、完成时限），“截止日期”是由完成时限换算的日期："
                 "“2022年”指2022年12月31日前，“2021年6月”指2021年6月30日前；“持续推进”等为持续性任务，不计逾期。"
                 "右侧淡黄色各列（进展状态至当前状态）由各单位报送后汇总填入，请勿手工改动列名。"),
    ("来源位置", "每项任务在原表中的单元格位置，例如“附件2!C5”或“表1!C5”（Word表格第1张的C列第5行），便于核对原件。"),
    ("导入提示", "导入时发现的原表问题（混入的文字、牵头单位又列为配合单位、名称相近的单位、无法识别的时限等）。"
                 "xltasks 不会自行改正原表，请核对后在配置文件中登记别名或联系发文单位。"),
    ("单位名单", "表中出现的全部牵头和配合单位；“单位组”（如“各区县政府”）可在配置文件[units.groups]中列出成员。"),
    ("下一步", "用 xltasks split 为各牵头单位生成本期报送表，收回后用 xltasks validate 校验、xltasks merge 汇总。"),
]


def _write_help(ws: Worksheet, programme: Programme, source: str) -> None:
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 90
    write_title(ws, f"{programme.title or '任务总台账'} 使用说明")
    facts = [("来源文件", source), ("导入时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
             ("任务数", f"{len(programme.tasks)}项（编号任务{programme.numbered_tasks}项，"
                        f"{len(programme.sections)}个部分）"),
             ("牵头单位", f"{len(programme.lead_units)}个")]
    for r, (key, text) in enumerate(facts + HELP_TEXT, start=3):
        ws.cell(row=r, column=1, value=key).font = BODY_FONT
        cell = ws.cell(row=r, column=2, value=cell_text(text))
        cell.font, cell.alignment = BODY_FONT, WRAP_TOP
        ws.row_dimensions[r].height = row_height([(text, 90)])
    setup_print(ws, title_rows="1:1", landscape=False)


def _write_meta(ws: Worksheet, programme: Programme, source: str, source_sha256: str,
                start: dt.date | None = None) -> None:
    facts = {"format": MASTER_FORMAT, "generator": f"xltasks {__version__}", "programme": programme.title,
             "source": source, "source_sha256": source_sha256, "table_sheet": programme.table_sheet,
             "tasks": str(len(programme.tasks)), "office": programme.office,
             "programme_start": start.isoformat() if start else ""}
    for r, (key, value) in enumerate(facts.items(), start=1):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=cell_text(value)).data_type = "s"
    ws.sheet_state = "veryHidden"


def build_master(programme: Programme, source: str, source_sha256: str, start: dt.date | None = None) -> Workbook:
    """The master workbook for a freshly imported programme."""
    wb = Workbook()
    ws = wb.active
    ws.title = TASK_SHEET
    _write_table(ws, f"{programme.title or '任务总台账'}（总台账）", TASK_COLUMNS, _task_values(programme),
                 input_keys=INPUT_KEYS, pages_across=2)
    _write_table(wb.create_sheet(UNIT_SHEET), "单位名单", UNIT_COLUMNS, _unit_rows(programme))
    if programme.roster:
        rows = [{"role": m.role, "name": m.name, "post": m.post, "unit": m.unit} for m in programme.roster]
        _write_table(wb.create_sheet(ROSTER_SHEET), "领导小组组成人员", ROSTER_COLUMNS, rows)
    _write_table(wb.create_sheet(FINDING_SHEET), "导入提示", FINDING_COLUMNS, _finding_rows(programme.findings))
    _write_help(wb.create_sheet(HELP_SHEET), programme, source)
    _write_meta(wb.create_sheet(META_SHEET), programme, source, source_sha256, start)
    return wb


def save_master(programme: Programme, source: str, source_sha256: str, path: Path,
                start: dt.date | None = None) -> None:
    build_master(programme, source, source_sha256, start).save(path)
