"""Write one unit's return workbook (报送表) for a round: task sheets, header block, checks, help, metadata."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from xltasks import __version__
from xltasks.core.assignment import Assignment, MasterTask
from xltasks.core.returns import (COOP_SHEET, CONTEXT_COLUMNS, FIRST_ROW, HEADER_BLOCK, HEADER_ROW, HEADER_SCHEMA,
                                  HELP_SHEET, LEAD_SHEET, META_SHEET, RESULT_FIRST_ROW, RESULT_HEADERS, RESULT_HINT,
                                  RESULT_SHEET, RETURN_FORMAT, ROW_SCHEMA, Column,
                                  file_fingerprint, input_columns, meta_rows, row_fingerprint)
from xltasks.core.schemas import load_schema
from xltasks.files.return_checks import (add_validations, conditional_rules, mark_missing, mark_wrong,
                                         overdue_rule)
from xltasks.files.safe_write import cell_text
from xltasks.files.style import (BODY_FONT, BORDER, HEADER_FONT, INPUT_FILL, WRAP_TOP, format_as, setup_print,
                                 write_header_row, write_title)
from xltasks.files.text_size import row_height

LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
UNLOCKED = Protection(locked=False)
LABEL_ALIGN = Alignment(horizontal="right", vertical="center", wrap_text=True)
VALUE_ALIGN = Alignment(horizontal="left", vertical="center", wrap_text=True)
HINT_FONT = Font(name=BODY_FONT.name, size=9, color="595959")
DATE_FORMAT = "yyyy-mm-dd"
LABEL_MIN_WIDTH = 8.5          # four Chinese characters in bold 10-point type
VALUE_MIN_WIDTHS = (24, 14, 14)  # the unit's name needs the most room
ALWAYS_SHOWN = {"task_id", "content", "deadline_text", "due", "coop_units"}
HINT = ("淡黄色单元格为填写区，灰色为任务信息（已锁定）。橙色：必填项尚未填写；红色：填写内容有矛盾或已逾期须说明问题。"
        "填写前请阅读「填报说明」表。")
NO_BLOCK_HINT = f"本表是本单位配合的任务，请逐项填写“配合工作情况”；填报人、联系电话、填报日期在「{LEAD_SHEET}」表上方填写。"


@dataclass(frozen=True)
class RoundInfo:
    """What the coordinator says about the round: its name, the return's due date, whom to call."""

    name: str
    due: dt.date | None
    contact: str
    created: dt.datetime


def _context(task: MasterTask) -> dict[str, object]:
    return {"task_id": task.task_id, "section": task.section, "number": task.number, "title": task.title,
            "content": task.content, "deadline_text": task.deadline_text, "due": task.due,
            "lead_units": "、".join(task.lead_units), "coop_units": "、".join(task.coop_units)}


def _columns(role: str, rows: list[dict], unit: str) -> list[Column]:
    """The context columns this sheet needs (none that would be empty everywhere), then the schema's inputs."""
    def needed(col: Column) -> bool:
        if col.key in ALWAYS_SHOWN:
            return True
        if col.key == "lead_units" and role == "lead":
            return any(r["lead_units"] != unit for r in rows)  # shown for group and shared leads only
        return any(r[col.key] for r in rows)
    return [c for c in CONTEXT_COLUMNS if needed(c)] + list(input_columns(role))


def _block_slots(widths: list[float]) -> list[tuple[int, int, int, int]]:
    """Where the header block's three label/value pairs go: (label first, label last, value first, value last)
    as 1-based columns; a label takes columns until it is wide enough, a value until it reaches its width."""
    slots, c = [], 0
    for target in VALUE_MIN_WIDTHS:
        if c + 1 >= len(widths):
            break
        label_first, width = c, widths[c]
        c += 1
        while width < LABEL_MIN_WIDTH and c + 1 < len(widths):
            width, c = width + widths[c], c + 1
        value_first, width = c, 0.0
        while c < len(widths) and (c == value_first or width < target):
            width, c = width + widths[c], c + 1
        slots.append((label_first + 1, value_first, value_first + 1, c))
    return slots


def _block_cell(ws: Worksheet, row: int, first: int, last: int, value: object, *, is_input: bool, label: bool = False):
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    kind = "input" if is_input else "label" if label else "locked"
    boxed = dict(border=BORDER, fill=INPUT_FILL if is_input else PatternFill() if label else LOCKED_FILL,
                 **({"protection": UNLOCKED} if is_input else {}))
    for col in range(first + 1, last + 1):
        format_as(ws.cell(row=row, column=col), f"block-{kind}", **boxed)
    cell = ws.cell(row=row, column=first, value=cell_text(value))
    format_as(cell, f"block-{kind}-text", **boxed, font=HEADER_FONT if label else BODY_FONT,
              alignment=LABEL_ALIGN if label else VALUE_ALIGN)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _write_header_block(ws: Worksheet, columns: list[Column], unit: str, info: RoundInfo) -> dict[str, str]:
    """Rows 2-3: unit, round and return due date (locked), then 填报人, 联系电话, 填报日期 (inputs, checked)."""
    prefilled = {"unit": unit, "round": info.name, "due": info.due or "按通知要求"}
    props = load_schema(HEADER_SCHEMA)["properties"]
    slots = _block_slots([c.width for c in columns])
    cells: dict[str, str] = {}
    for row, pairs in enumerate(HEADER_BLOCK, start=2):
        ws.row_dimensions[row].height = 22
        for (key, label), (l0, l1, v0, v1) in zip(pairs, slots):
            _block_cell(ws, row, l0, l1, label, is_input=False, label=True)
            is_input = key in props
            cell = _block_cell(ws, row, v0, v1, None if is_input else prefilled[key], is_input=is_input)
            if (is_input and props[key].get("format") == "date") or key == "due":
                cell.number_format = DATE_FORMAT
            elif is_input and "x-digits-with" in props[key]:
                cell.number_format = "@"  # text: a landline typed as 09193188888 keeps its leading 0
            cells[key] = cell.coordinate
    inputs = {key: cells[key] for key in props if key in cells}
    add_validations(ws, props, inputs)
    for ref in inputs.values():
        mark_missing(ws, ref)
    hint = ws.cell(row=4, column=1, value=HINT)
    hint.font = HINT_FONT
    return cells


def _write_rows(ws: Worksheet, role: str, columns: list[Column], rows: list[dict]) -> None:
    write_header_row(ws, HEADER_ROW, [c.header for c in columns], [c.width for c in columns])
    ws.row_dimensions[HEADER_ROW].height = 30
    props = load_schema(ROW_SCHEMA[role])["properties"]
    for r, values in enumerate(rows, start=FIRST_ROW):
        for c, col in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=c)
            value = None if col.is_input else cell_text(values[col.key])
            if col.is_input:
                fmt = props[col.key]
                number = DATE_FORMAT if fmt.get("format") == "date" else "0" if fmt.get("type") == "number" else None
                formats = dict(fill=INPUT_FILL, protection=UNLOCKED)
            else:
                number = DATE_FORMAT if isinstance(value, dt.date) else None
                formats = dict(fill=LOCKED_FILL)
            format_as(cell, f"row-{col.is_input}-{number}", font=BODY_FONT, border=BORDER, alignment=WRAP_TOP,
                      **formats, **({"number_format": number} if number else {}))
            if col.is_input:
                continue
            cell.value = value if value not in ("", None) else None
            if isinstance(value, str):
                cell.data_type = "s"  # a task text starting with "=" stays text
        ws.row_dimensions[r].height = max(30, row_height([(values.get(c.key), c.width) for c in columns]))


def _add_checks(ws: Worksheet, role: str, columns: list[Column], last_row: int) -> None:
    """Data validation and conditional formats from the row schema, plus the overdue rule on 存在问题."""
    schema = load_schema(ROW_SCHEMA[role])
    letter = {c.key: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    ranges = {c.key: f"{letter[c.key]}{FIRST_ROW}:{letter[c.key]}{last_row}" for c in columns if c.is_input}
    add_validations(ws, schema["properties"], ranges)
    first = {key: f"${col}{FIRST_ROW}" for key, col in letter.items()}
    for key, formula in conditional_rules(schema, first):
        mark_wrong(ws, ranges[key], formula)
    if role == "lead":
        mark_wrong(ws, ranges["problems"], overdue_rule(first))
    for key in schema["required"]:
        if key in ranges:
            mark_missing(ws, ranges[key])


def _protect(ws: Worksheet) -> None:
    """Locked cells cannot change and rows cannot be inserted or deleted. No password: protection guards against
    slips, not against intent (the validator's fingerprint catches edits), and a forgotten password locks out
    the office itself. Row heights and column widths stay adjustable, so long answers can be read, and cell
    formats too: Excel refuses a fill on a protected sheet otherwise, and the 校验本表 button colours bad cells."""
    p = ws.protection
    p.sheet = True
    p.formatRows = p.formatColumns = p.formatCells = False  # False = allowed
    p.insertRows = p.deleteRows = p.insertColumns = p.deleteColumns = p.sort = p.autoFilter = True


def _task_sheet(wb: Workbook, name: str, role: str, share: Assignment, tasks: list[MasterTask],
                title: str, info: RoundInfo, with_block: bool) -> tuple[dict[str, str], list[dict], list[Column]]:
    ws = wb.create_sheet(name)
    rows = [_context(t) for t in tasks]
    columns = _columns(role, rows, share.unit)
    write_title(ws, title)
    if with_block:
        cells = _write_header_block(ws, columns, share.unit, info)
    else:
        cells = {}
        ws.cell(row=2, column=1, value=f"{share.unit}　{info.name}：{NO_BLOCK_HINT}").font = BODY_FONT
        ws.cell(row=4, column=1, value=HINT).font = HINT_FONT
    _write_rows(ws, role, columns, rows)
    _add_checks(ws, role, columns, FIRST_ROW + len(rows) - 1)
    content_col = next(i for i, c in enumerate(columns, start=1) if c.key == "content")
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=content_col + 1)
    setup_print(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}",  # Excel allows 255 characters in a page header
                header_text=f"{share.unit[:80]}　{info.name}　{name}".replace("&", "&&"))
    ws.print_title_cols = None
    _protect(ws)
    context_keys = [c.key for c in columns if not c.is_input]
    tasks_meta = [{"task_id": t.task_id, "role": role, "sheet": name, "row": r,
                   "fingerprint": row_fingerprint([row[k] for k in context_keys])}
                  for r, (t, row) in enumerate(zip(tasks, rows), start=FIRST_ROW)]
    return cells, tasks_meta, columns


def build_return(programme: str, programme_id: str, office: str, share: Assignment,
                 info: RoundInfo) -> tuple[Workbook, dict]:
    """The workbook for one unit and round, and its metadata (as written to the very hidden sheet)."""
    from xltasks.files.return_help import write_help

    wb = Workbook()
    wb.remove(wb.active)
    title = f"{programme or '重点任务'}进展报送表"
    header_cells: dict[str, str] = {}
    sheets = {"lead": "", "coop": "", "help": HELP_SHEET}
    columns: dict[str, str] = {"lead": "", "coop": ""}
    tasks_meta: list[dict] = []
    for role, name, tasks in (("lead", LEAD_SHEET, share.lead), ("coop", COOP_SHEET, share.coop)):
        if not tasks:
            continue
        cells, metas, cols = _task_sheet(wb, name, role, share, tasks, title, info, with_block=not header_cells)
        if cells:
            header_cells = {"sheet": name, **{k: v for k, v in cells.items() if k != "due"}}
        sheets[role] = name
        columns[role] = "|".join(c.header for c in cols)
        tasks_meta += metas
    write_help(wb.create_sheet(HELP_SHEET), programme, share, info, office)
    write_results_sheet(wb.create_sheet(RESULT_SHEET))
    meta = {
        "format": RETURN_FORMAT, "generator": f"xltasks {__version__}", "programme": programme,
        "programme_id": programme_id, "round": info.name, "unit": share.unit,
        "created": info.created.isoformat(timespec="seconds"), "due": info.due.isoformat() if info.due else "",
        "contact": info.contact, "sheets": sheets, "columns": columns, "header_cells": header_cells,
        "first_row": FIRST_ROW, "tasks": tasks_meta,
    }
    meta["fingerprint"] = file_fingerprint(meta)
    _write_meta(wb.create_sheet(META_SHEET), meta)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)  # no adding, renaming, deleting or unhiding sheets
    return wb, meta


RESULT_WIDTHS = (7, 10, 8, 12, 80)


def write_results_sheet(ws: Worksheet) -> None:
    """The 校验结果 sheet as issued: title, hint and headers, unprotected, so the button can write below them."""
    write_title(ws, RESULT_SHEET)
    hint = ws.cell(row=2, column=1, value=RESULT_HINT)
    hint.font = HINT_FONT
    write_header_row(ws, RESULT_FIRST_ROW - 1, list(RESULT_HEADERS), list(RESULT_WIDTHS))
    ws.freeze_panes = ws.cell(row=RESULT_FIRST_ROW, column=1)
    setup_print(ws, title_rows=f"{RESULT_FIRST_ROW - 1}:{RESULT_FIRST_ROW - 1}", header_text=RESULT_SHEET)


def _write_meta(ws: Worksheet, meta: dict) -> None:
    for r, row in enumerate(meta_rows(meta), start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=cell_text(value))
            if isinstance(value, str):
                cell.data_type = "s"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
