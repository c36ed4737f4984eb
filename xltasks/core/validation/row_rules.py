"""Row rules: each task row found by its ID, the unit's own, unchanged, filled in as its state needs.

Once each, belonging to the unit, its locked task content unchanged, its cells checked (cell_rules.py), an overdue
task given its problems; rows the master no longer gives the unit are named.
The rules between one row's fields (已完成 needs 完成进度 100) are the schema's if/then, reported by cell_rules.py.
"""

from __future__ import annotations

import datetime as dt

from xltasks.core.assignment import MasterTask
from xltasks.core.grid import a1
from xltasks.core.normalise import shown
from xltasks.core.returns import COOP_SHEET, LEAD_SHEET, ROW_SCHEMA, fold, row_fingerprint
from xltasks.core.schemas import load_schema
from xltasks.core.validation.cell_rules import cell_findings
from xltasks.core.validation.model import TASK_ID, Collector, Expectation, ReturnData
from xltasks.core.validation.workbook_rules import check_columns, header_row


ROLE_LABEL = {"lead": "牵头", "coop": "配合"}


def check_rows(data: ReturnData, meta: dict | None, role: str, expect: Expectation | None, unit: str,
               today: dt.date, out: Collector, overdue_on: dt.date | None = None) -> dict[str, dict]:
    """Check one task sheet; returns each of the file's own tasks' inputs, by task ID."""
    schema_name = ROW_SCHEMA[role]
    props = load_schema(schema_name)["properties"]
    sheet = meta["sheets"][role] if meta else {"lead": LEAD_SHEET, "coop": COOP_SHEET}[role]
    expected_tasks = [t for t in meta["tasks"] if t["role"] == role] if meta else []
    found_rows: dict[str, dict] = {}
    if not sheet:
        return found_rows
    rows = data.sheets.get(sheet)
    if rows is None:
        if expected_tasks or not meta:
            if meta or role == "lead":
                out.add("workbook.sheet-missing", sheet=sheet)
        return found_rows
    inputs = [p["title"] for k, p in props.items() if k != "task_id"]
    headers = meta["columns"][role].split("|") if meta else ["任务编号", *inputs]
    located = header_row(rows, headers, meta["first_row"] - 2 if meta else None)
    if located is None:
        out.add("workbook.column-missing", sheet=sheet, field="任务编号")
        return found_rows
    header_index, found = located
    check_columns(sheet, headers, found, out)
    context = headers[:headers.index(inputs[0])] if inputs[0] in headers else []
    can_fingerprint = all(h in found for h in context)
    by_title = {p["title"]: k for k, p in props.items()}
    planned = {t["task_id"]: t for t in expected_tasks}
    seen: dict[str, int] = {}
    id_col = found["任务编号"]
    last_col = max(found.values())
    read_cols = set(found.values())
    outside = None
    for r in range(header_index + 1, len(rows)):
        row = rows[r]
        cell = lambda h: row[found[h]] if h in found and found[h] < len(row) else None  # noqa: E731
        task_id = shown(cell("任务编号")).strip()
        row_no = r + 1
        if outside is None:
            outside = next((a1(row_no, c + 1) for c in range(last_col + 1, len(row)) if shown(row[c]).strip()), None)
        filled = {h: cell(h) for h in inputs if shown(cell(h)).strip()}
        if not out.typed and TASK_ID.fullmatch(task_id):
            out.typed = any(shown(v).strip() for c, v in enumerate(row) if c not in read_cols)
        if not task_id or (not filled and not TASK_ID.fullmatch(task_id)):
            if filled:  # a note under the table ("注：……") with nothing filled in is left alone
                out.add("row.no-id", sheet=sheet, row=row_no, cell=a1(row_no, id_col + 1))
            continue
        where = dict(sheet=sheet, row=row_no, cell=a1(row_no, id_col + 1), task_id=task_id)
        if task_id in seen:
            out.add("row.duplicate", detail=str(seen[task_id]), **where)
            continue
        seen[task_id] = row_no
        if meta and task_id not in planned:
            master_task = expect.tasks.get(task_id) if expect else None
            if master_task:
                owners = "、".join(master_task.lead_units) or "其他单位"
                out.add("row.other-unit", detail=f"{owners}（{ROLE_LABEL[role]}）", **where)
            else:
                out.add("row.unknown-task", **where)
            continue
        gone = no_longer_ours(task_id, role, unit, expect)
        if gone:
            out.add(gone[0], detail=gone[1], **where)
            continue
        if meta and can_fingerprint:
            values = [cell(h) for h in context]
            if row_fingerprint(values) != planned[task_id]["fingerprint"]:
                changed = _changed_fields(context, values, expect.tasks.get(task_id) if expect else None)
                place = {**where, "cell": a1(row_no, found[changed[0]] + 1), "field": changed[0]} \
                    if changed and changed[0] in found else where  # the changed cell, for the marked copy too
                out.add("row.locked-changed", detail="、".join(f"“{h}”" for h in changed) or "任务信息", **place)
        values = {by_title[h]: (cell(h), a1(row_no, found[h] + 1)) for h in inputs if h in found}
        values["task_id"] = (task_id, where["cell"])
        instance = cell_findings(schema_name, values, f"第{row_no}行", sheet, task_id, data, today, out,
                                 expect.programme_start if expect else "")
        found_rows[task_id] = instance
        if role == "lead":
            _overdue(instance, cell("截止日期"), values, row_no, sheet, task_id, overdue_on or today, out,
                     expect.tasks.get(task_id) if expect else None)
    for task_id, planned_task in planned.items():
        if task_id not in seen:
            out.add("row.missing", sheet=sheet, row=planned_task["row"], task_id=task_id)
    if outside:  # written right of the table: a merge would never see it
        out.add("sheet.outside-table", sheet=sheet, cell=outside)
    return found_rows


ROWS_NOT_MERGED = ("row.lead-changed", "row.task-removed")  # warnings a merge repeats: rows of a merged file it left out


def no_longer_ours(task_id: str, role: str, unit: str, expect: Expectation | None) -> tuple[str, str] | None:
    """A task issued to the unit that the master has since deleted, or given to other units (the coordinator
    edited 牵头单位, or renamed the unit without registering the old name as an alias): the row cannot be merged."""
    if expect is None or unit not in expect.shares:  # an unknown unit is said once, for the whole file
        return None
    task = expect.tasks.get(task_id)
    if task is None:
        return "row.task-removed", ""
    share = expect.shares[unit]
    if any(t.task_id == task_id for t in (share.lead if role == "lead" else share.coop)):
        return None
    leads_now = role == "lead" or any(t.task_id == task_id for t in share.lead)  # a cooperator made a lead
    units, verb = (task.lead_units, "牵头") if leads_now else (task.coop_units, "配合")
    return "row.lead-changed", f"{'、'.join(units)}{verb}" if units else f"无单位{verb}"


def _changed_fields(headers: list[str], values: list, master_task: MasterTask | None) -> list[str]:
    """Which locked fields differ, when the master is there to compare with; else none can be named."""
    if master_task is None:
        return []
    truth = {"任务编号": master_task.task_id, "所属部分": master_task.section, "序号": master_task.number,
             "任务名称": master_task.title, "任务内容": master_task.content, "完成时限": master_task.deadline_text,
             "截止日期": master_task.due, "牵头单位": "、".join(master_task.lead_units),
             "配合单位": "、".join(master_task.coop_units)}
    return [h for h, v in zip(headers, values) if h in truth and fold(v) != fold(truth[h])]


def _overdue(instance: dict, due_cell: object, values: dict, row_no: int, sheet: str, task_id: str,
             today: dt.date, out: Collector, master_task: MasterTask | None) -> None:
    due = master_task.due if master_task else (due_cell.date() if isinstance(due_cell, dt.datetime) else due_cell)
    if not isinstance(due, dt.date) or due >= today or instance.get("status") == "已完成" or instance.get("problems"):
        return
    ref = values["problems"][1] if "problems" in values else None
    out.add("rule.overdue-needs-problems", sheet=sheet, cell=ref, task_id=task_id, field="存在问题",
            place=f"第{row_no}行", detail=due.isoformat())
