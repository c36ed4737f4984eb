"""Write the master workbook (总台账): tasks, units, leading group, import findings, instructions, metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xltasks import __version__
from xltasks.core.findings import Finding
from xltasks.core.programme import Programme
from xltasks.files.master.layout import (FINDING_SHEET, HELP_SHEET, HIDE_WHEN_EMPTY, INPUT_KEYS, MASTER_FORMAT,
                                         META_SHEET, ROSTER_SHEET, TASK_COLUMNS, TASK_SHEET, UNIT_SHEET)
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.book_write import write_book
from xltasks.files.xlsx.table_styles import Col, Layout

COLUMN_KINDS = {"state": "state", "due": "date", "done_date": "date", "reported_on": "date", "progress": "number", "number": "number",
                "sub": "number", "lead_tasks": "number", "coop_tasks": "number", "as_of": "date", "errors": "number",
                "warnings": "number"}


def layout_of(columns: list[tuple[str, str, float]], **options) -> Layout:
    """A table sheet's look from its (key, header, width) columns."""
    return Layout({header: Col(width, COLUMN_KINDS.get(key, "text"), key in options.get("tinted", ()))
                   for key, header, width in columns}, **{k: v for k, v in options.items() if k != "tinted"})


def task_layout(labels: dict[str, str]) -> Layout:
    """The task sheet: two pages across, the merge's columns tinted, 当前状态 coloured by its label."""
    headers = {key: header for key, header, _ in TASK_COLUMNS}
    return layout_of(TASK_COLUMNS, tinted=INPUT_KEYS, pages_across=2,
                     hide_when_empty=frozenset(headers[k] for k in HIDE_WHEN_EMPTY), state_header=headers["state"],
                     state_labels=dict(labels))


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
HELP_LAYOUT = Layout({"项目": Col(14), "说明": Col(90)}, autofilter=False, landscape=False, freeze_col=0)


def _finding_rows(findings: list[Finding]) -> list[dict]:
    return [{"severity": SEVERITY_LABELS[f.severity], "code": f.code,
             "where": f"{f.sheet}!{f.cell}" if f.sheet and f.cell else "", "task_id": f.task_id, "message": f.message}
            for f in findings]


HELP_TEXT = [
    ("这是什么", "本文件是任务总台账，由 xltasks 从发布的任务分解表导入生成。每行一项任务，“任务编号”唯一且稳定："
                 "同一张表重新导入，编号不变。"),
    ("任务清单", "左侧是原表内容（所属部分、序号、任务内容、牵头单位、配合单位、完成时限），“截止日期”是由完成时限换算的日期："
                 "“2022年”指2022年12月31日前，“2021年6月”指2021年6月30日前；“持续推进”等为持续性任务，不计逾期。"
                 "右侧淡黄色各列（进展状态至核查提示）由 xltasks merge 按各单位报送汇总填入，每次汇总都会重写，"
                 "请勿手工修改，也不要改动列名；“协调员备注”列和您自行添加的列、批注，汇总时原样保留。"
                 "“当前状态”的颜色随文字自动变化。"),
    ("来源位置", "每项任务在原表中的单元格位置，例如“附件2!C5”或“表1!C5”（Word表格第1张的C列第5行），便于核对原件。"),
    ("导入提示", "导入时发现的原表问题（混入的文字、牵头单位又列为配合单位、名称相近的单位、无法识别的时限等）。"
                 "xltasks 不会自行改正原表，请核对后在配置文件中登记别名或联系发文单位。"),
    ("单位名单", "表中出现的全部牵头和配合单位；“单位组”（如“各区县政府”）可在配置文件[units.groups]中列出成员。"),
    ("下一步", "用 xltasks split 为各牵头单位生成本期报送表，收回后用 xltasks validate 校验、xltasks merge 汇总。"),
]


def _help_rows(programme: Programme, source: str) -> list[list[object]]:
    facts = [("来源文件", source), ("导入时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
             ("任务数", f"{len(programme.tasks)}项（编号任务{programme.numbered_tasks}项，"
                        f"{len(programme.sections)}个部分）"),
             ("牵头单位", f"{len(programme.lead_units)}个")]
    return [[f"{programme.title or '任务总台账'} 使用说明"], ["项目", "说明"], *([k, v] for k, v in facts + HELP_TEXT)]


def _meta_rows(programme: Programme, source: str, source_sha256: str, start: dt.date | None) -> list[list[object]]:
    facts = {"format": MASTER_FORMAT, "generator": f"xltasks {__version__}", "programme": programme.title,
             "source": source, "source_sha256": source_sha256, "table_sheet": programme.table_sheet,
             "tasks": str(len(programme.tasks)), "office": programme.office,
             "programme_start": start.isoformat() if start else ""}
    return [[key, value] for key, value in facts.items()]


def table(name: str, title: str, columns: list[tuple[str, str, float]], rows: list[dict]) -> SheetData:
    """One of our table sheets as values: the title, the header row, one row per dict."""
    return SheetData(name, [[title], [header for _, header, _ in columns],
                            *([values.get(key) for key, _, _ in columns] for values in rows)])


def master_sheets(programme: Programme, source: str, source_sha256: str, start: dt.date | None,
                  labels: dict[str, str]) -> list[tuple[SheetData, Layout | None]]:
    """The sheets of a freshly imported master, each with its look."""
    sheets = [(table(TASK_SHEET, f"{programme.title or '任务总台账'}（总台账）", TASK_COLUMNS, _task_values(programme)),
               task_layout(labels)),
              (table(UNIT_SHEET, "单位名单", UNIT_COLUMNS, _unit_rows(programme)), layout_of(UNIT_COLUMNS))]
    if programme.roster:
        rows = [{"role": m.role, "name": m.name, "post": m.post, "unit": m.unit} for m in programme.roster]
        sheets.append((table(ROSTER_SHEET, "领导小组组成人员", ROSTER_COLUMNS, rows), layout_of(ROSTER_COLUMNS)))
    sheets.append((table(FINDING_SHEET, "导入提示", FINDING_COLUMNS, _finding_rows(programme.findings)),
                   layout_of(FINDING_COLUMNS)))
    sheets.append((SheetData(HELP_SHEET, _help_rows(programme, source)), HELP_LAYOUT))
    sheets.append((SheetData(META_SHEET, _meta_rows(programme, source, source_sha256, start), "veryHidden"), None))
    return sheets


def save_master(programme: Programme, source: str, source_sha256: str, path: Path,
                start: dt.date | None = None, labels: dict[str, str] | None = None,
                colors: dict[str, str] | None = None) -> None:
    from xltasks.core.config import parse_config

    defaults = parse_config(None)
    write_book(path, master_sheets(programme, source, source_sha256, start, labels or defaults.status_labels),
               colors or defaults.status_colors,
               properties={"title": f"{programme.title or '任务'}总台账", "comments": f"由 xltasks 从“{source}”导入"})
