"""Write one unit's return workbook (报送表) for a round: task sheets, header block, checks, help, metadata.

Written with xlsxwriter (files/xlsx/xlsxwriter_kit.py says why); rows and columns are 1-based here, as Excel shows them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from xltasks import __version__
from xltasks.core.assignment import Assignment, MasterTask
from xltasks.core.grid import a1, column_letter
from xltasks.core.returns import (COOP_SHEET, CONTEXT_COLUMNS, FIRST_ROW, HEADER_BLOCK, HEADER_ROW, HEADER_SCHEMA,
                                  HELP_SHEET, LEAD_SHEET, META_SHEET, RESULT_FIRST_ROW, RESULT_HEADERS, RESULT_HINT,
                                  RESULT_SHEET, RETURN_FORMAT, ROW_SCHEMA, Column,
                                  file_fingerprint, input_columns, meta_rows, row_fingerprint)
from xltasks.core.schemas import load_schema
from xltasks.files.returns.data_validation import (MISSING_FORMAT, WRONG_FORMAT, add_validations, conditional_rules,
                                          mark_missing, mark_wrong, overdue_rule)
from xltasks.files.xlsx.row_heights import row_height
from xltasks.files.xlsx.safe_write import cell_text
from xltasks.files.xlsx.xlsxwriter_kit import (BORDER, OPTIONS, Formats, LockedWorkbook, setup_print, write_cell,
                                               write_header_row, write_title)

INPUT_COLOR, LOCKED_COLOR = "#FFF9E5", "#F2F2F2"  # pale yellow to fill in, grey for the task's locked details
INPUT = {"bg_color": INPUT_COLOR, "pattern": 1, "locked": False}
LOCKED = {"bg_color": LOCKED_COLOR, "pattern": 1}
HINT = {"font_size": 9, "font_color": "#595959"}
DATE_FORMAT = "yyyy-mm-dd"
LABEL_MIN_WIDTH = 8.5          # four Chinese characters in bold 10-point type
VALUE_MIN_WIDTHS = (24, 14, 14)  # the unit's name needs the most room
ALWAYS_SHOWN = {"task_id", "content", "deadline_text", "due", "coop_units"}
HINT_TEXT = ("淡黄色单元格为填写区，灰色为任务信息（已锁定）。橙色：必填项尚未填写；红色：填写内容有矛盾或已逾期须说明问题。"
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


def _block_cell(ws, fmt: Formats, row: int, first: int, last: int, value: object, *, is_input: bool,
                label: bool = False, number: str | None = None) -> str:
    kind = f"block-{'input' if is_input else 'label' if label else 'locked'}-{number}"
    look = fmt(kind, **BORDER, text_wrap=True, valign="vcenter", align="right" if label else "left",
               **({"bold": True} if label else INPUT if is_input else LOCKED),
               **({"num_format": number} if number else {}))
    value = cell_text(value)
    if last > first:
        ws.merge_range(row - 1, first - 1, row - 1, last - 1, "", look)
    write_cell(ws, row, first, value, look)
    return a1(row, first)


def _write_header_block(ws, fmt: Formats, columns: list[Column], unit: str, info: RoundInfo) -> dict[str, str]:
    """Rows 2-3: unit, round and return due date (locked), then 填报人, 联系电话, 填报日期 (inputs, checked)."""
    prefilled = {"unit": unit, "round": info.name, "due": info.due or "按通知要求"}
    props = load_schema(HEADER_SCHEMA)["properties"]
    slots = _block_slots([c.width for c in columns])
    cells: dict[str, str] = {}
    for row, pairs in enumerate(HEADER_BLOCK, start=2):
        ws.set_row(row - 1, 22)
        for (key, label), (l0, l1, v0, v1) in zip(pairs, slots):
            _block_cell(ws, fmt, row, l0, l1, label, is_input=False, label=True)
            is_input = key in props
            number = DATE_FORMAT if (is_input and props[key].get("format") == "date") or key == "due" else \
                "@" if is_input and "x-digits-with" in props[key] else None  # "@": a landline keeps its leading 0
            cells[key] = _block_cell(ws, fmt, row, v0, v1, None if is_input else prefilled[key], is_input=is_input,
                                     number=number)
    inputs = {key: cells[key] for key in props if key in cells}
    add_validations(ws, props, inputs)
    for ref in inputs.values():
        mark_missing(ws, fmt.rule("missing", MISSING_FORMAT), ref)
    ws.write_string(3, 0, HINT_TEXT, fmt("hint", **HINT))
    return cells


def _write_rows(ws, fmt: Formats, role: str, columns: list[Column], rows: list[dict]) -> None:
    write_header_row(ws, fmt, HEADER_ROW, [c.header for c in columns], [c.width for c in columns])
    ws.set_row(HEADER_ROW - 1, 30)
    props = load_schema(ROW_SCHEMA[role])["properties"]
    looks = {}
    for col in columns:
        if col.is_input:
            p = props[col.key]
            number = DATE_FORMAT if p.get("format") == "date" else "0" if p.get("type") == "number" else None
            looks[col.key] = fmt(f"row-input-{number}", **BORDER, text_wrap=True, valign="top", **INPUT,
                                 **({"num_format": number} if number else {}))
    plain = fmt("row-locked", **BORDER, text_wrap=True, valign="top", **LOCKED)
    dated = fmt("row-locked-date", **BORDER, text_wrap=True, valign="top", **LOCKED, num_format=DATE_FORMAT)
    for r, values in enumerate(rows, start=FIRST_ROW):
        for c, col in enumerate(columns, start=1):
            if col.is_input:
                ws.write_blank(r - 1, c - 1, None, looks[col.key])
                continue
            value = cell_text(values[col.key])
            write_cell(ws, r, c, value, dated if isinstance(value, dt.date) else plain)
        ws.set_row(r - 1, max(30, row_height([(values.get(c.key), c.width) for c in columns])))


def _add_checks(ws, fmt: Formats, role: str, columns: list[Column], last_row: int) -> None:
    """Data validation and conditional formats from the row schema, plus the overdue rule on 存在问题."""
    schema = load_schema(ROW_SCHEMA[role])
    letter = {c.key: column_letter(i) for i, c in enumerate(columns, start=1)}
    ranges = {c.key: f"{letter[c.key]}{FIRST_ROW}:{letter[c.key]}{last_row}" for c in columns if c.is_input}
    add_validations(ws, schema["properties"], ranges)
    first = {key: f"${col}{FIRST_ROW}" for key, col in letter.items()}
    wrong, missing = fmt.rule("wrong", WRONG_FORMAT), fmt.rule("missing", MISSING_FORMAT)
    for key, formula in conditional_rules(schema, first):
        mark_wrong(ws, wrong, ranges[key], formula)
    if role == "lead":
        mark_wrong(ws, wrong, ranges["problems"], overdue_rule(first))
    for key in schema["required"]:
        if key in ranges:
            mark_missing(ws, missing, ranges[key])


def _protect(ws) -> None:
    """Locked cells cannot change and rows cannot be inserted or deleted. No password: protection guards against
    slips, not against intent (the validator's fingerprint catches edits), and a forgotten password locks out
    the office itself. Row heights and column widths stay adjustable, so long answers can be read, and cell
    formats too: Excel refuses a fill on a protected sheet otherwise, and the 校验本表 button colours bad cells."""
    ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True})


def _task_sheet(wb: LockedWorkbook, fmt: Formats, name: str, role: str, share: Assignment, tasks: list[MasterTask],
                title: str, info: RoundInfo, with_block: bool) -> tuple[dict[str, str], list[dict], list[Column]]:
    ws = wb.add_worksheet(name)
    rows = [_context(t) for t in tasks]
    columns = _columns(role, rows, share.unit)
    write_title(ws, fmt, title)
    if with_block:
        cells = _write_header_block(ws, fmt, columns, share.unit, info)
    else:
        cells = {}
        ws.write_string(1, 0, f"{share.unit}　{info.name}：{NO_BLOCK_HINT}", fmt("body"))
        ws.write_string(3, 0, HINT_TEXT, fmt("hint", **HINT))
    _write_rows(ws, fmt, role, columns, rows)
    _add_checks(ws, fmt, role, columns, FIRST_ROW + len(rows) - 1)
    content_col = next(i for i, c in enumerate(columns, start=1) if c.key == "content")
    ws.freeze_panes(FIRST_ROW - 1, content_col)
    setup_print(ws, title_row=HEADER_ROW,  # Excel allows 255 characters in a page header
                header_text=f"{share.unit[:80]}　{info.name}　{name}".replace("&", "&&"))
    _protect(ws)
    context_keys = [c.key for c in columns if not c.is_input]
    tasks_meta = [{"task_id": t.task_id, "role": role, "sheet": name, "row": r,
                   "fingerprint": row_fingerprint([row[k] for k in context_keys])}
                  for r, (t, row) in enumerate(zip(tasks, rows), start=FIRST_ROW)]
    return cells, tasks_meta, columns


def write_return(path: Path, programme: str, programme_id: str, office: str, share: Assignment,
                 info: RoundInfo) -> dict:
    """The workbook for one unit and round, written to `path`; returns its metadata (as in the very hidden
    sheet). The structure is locked: no adding, renaming, deleting or unhiding sheets."""
    from xltasks.files.returns.help_sheet import write_help

    wb = LockedWorkbook(str(path), OPTIONS)
    fmt = Formats(wb)
    title = f"{programme or '重点任务'}进展报送表"
    header_cells: dict[str, str] = {}
    sheets = {"lead": "", "coop": "", "help": HELP_SHEET}
    columns: dict[str, str] = {"lead": "", "coop": ""}
    tasks_meta: list[dict] = []
    for role, name, tasks in (("lead", LEAD_SHEET, share.lead), ("coop", COOP_SHEET, share.coop)):
        if not tasks:
            continue
        cells, metas, cols = _task_sheet(wb, fmt, name, role, share, tasks, title, info,
                                         with_block=not header_cells)
        if cells:
            header_cells = {"sheet": name, **{k: v for k, v in cells.items() if k != "due"}}
        sheets[role] = name
        columns[role] = "|".join(c.header for c in cols)
        tasks_meta += metas
    write_help(wb.add_worksheet(HELP_SHEET), fmt, programme, share, info, office)
    write_results_sheet(wb.add_worksheet(RESULT_SHEET), fmt)
    meta = {
        "format": RETURN_FORMAT, "generator": f"xltasks {__version__}", "programme": programme,
        "programme_id": programme_id, "round": info.name, "unit": share.unit,
        "created": info.created.isoformat(timespec="seconds"), "due": info.due.isoformat() if info.due else "",
        "contact": info.contact, "sheets": sheets, "columns": columns, "header_cells": header_cells,
        "first_row": FIRST_ROW, "tasks": tasks_meta,
    }
    meta["fingerprint"] = file_fingerprint(meta)
    _write_meta(wb.add_worksheet(META_SHEET), meta)
    wb.close()
    return meta


RESULT_WIDTHS = (7, 10, 8, 12, 80)


def write_results_sheet(ws, fmt: Formats) -> None:
    """The 校验结果 sheet as issued: title, hint and headers, unprotected, so the button can write below them."""
    write_title(ws, fmt, RESULT_SHEET)
    ws.write_string(1, 0, RESULT_HINT, fmt("hint", **HINT))
    write_header_row(ws, fmt, RESULT_FIRST_ROW - 1, list(RESULT_HEADERS), list(RESULT_WIDTHS))
    ws.freeze_panes(RESULT_FIRST_ROW - 1, 0)
    setup_print(ws, title_row=RESULT_FIRST_ROW - 1, header_text=RESULT_SHEET)


def _write_meta(ws, meta: dict) -> None:
    for r, row in enumerate(meta_rows(meta), start=1):
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                write_cell(ws, r, c, cell_text(value))
    ws.very_hidden()
    ws.protect()
