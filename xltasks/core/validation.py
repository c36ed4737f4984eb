"""Check one return, read into plain values, against its metadata, the master and the row schemas.

The checks run at three levels, as a clerk would fix them: the workbook (identity, sheets, columns), the rows
(task IDs, locked content) and the cells (the schemas in schemas/, then the rules across fields). Every finding
carries the sheet and A1 cell where it applies. Nothing here raises for bad data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from xltasks.core.assignment import Assignment, MasterTask
from xltasks.core.findings import Finding, finding
from xltasks.core.grid import a1
from xltasks.core.normalise import normalise, shown
from xltasks.core.returns import (COOP_SHEET, HEADER_SCHEMA, LEAD_SHEET, META_SHEET, ROW_SCHEMA, file_fingerprint, fold,
                                  meta_from_rows, row_fingerprint)
from xltasks.core.schemas import gate, load_schema, validator
from xltasks.core.status import round_end, same_round

MAX_FINDINGS = 1000
TASK_ID = re.compile(r"T[0-9A-F]{8}(-[0-9]+)?")
HEADER_SCAN_ROWS = 12
ROLE_LABEL = {"lead": "牵头", "coop": "配合"}


@dataclass
class ReturnData:
    """A return as read from its file: every sheet's values, sheet states, and the cells that hold formulas."""

    path: str
    kind: str
    sheets: dict[str, list[list]]
    states: dict[str, str] = field(default_factory=dict)
    formulas: set[tuple[str, str]] = field(default_factory=set)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> "#DIV/0!"
    merged: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> "G6:G8", its merged range


@dataclass
class Expectation:
    """What the master says: its programme, its tasks and who should report on which."""

    programme_id: str
    tasks: dict[str, MasterTask]
    shares: dict[str, Assignment]
    programme_start: str = ""  # YYYY-MM-DD: a completion date before it is reported
    aliases: dict[str, str] = field(default_factory=dict)  # a unit's former name -> its name now (单位名单, config)
    programme: str = ""  # the programme's title: a return from the same programme re-imported is not a stranger


@dataclass
class ReturnReport:
    """One file's findings, and what merge needs from it: the header block and each task row's inputs, as
    normalised and checked (rows keyed by role then task ID; only rows whose task belongs to the file)."""

    path: str
    unit: str = ""
    round: str = ""
    findings: list[Finding] = field(default_factory=list)
    header: dict = field(default_factory=dict)
    rows: dict[str, dict[str, dict]] = field(default_factory=dict)
    created: str = ""

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


class _Collector:
    def __init__(self, path: str):
        self.path = path
        self.items: list[Finding] = []
        self.typed = False  # a task row has something in a column that is not ours to read (inserted by a clerk)

    def add(self, code: str, **kw) -> None:
        self.items.append(finding(code, path=self.path, **kw))


def _meta(data: ReturnData, out: _Collector) -> dict | None:
    rows = data.sheets.get(META_SHEET)
    if rows is None:
        out.add("workbook.no-metadata")
        return None
    meta = meta_from_rows(rows)
    errors = [] if gate("return-meta")(meta) else \
        sorted(validator("return-meta").iter_errors(meta), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "整体"
        out.add("workbook.metadata-edited", detail=f"{where}不符合格式")
        return None
    if meta["fingerprint"] != file_fingerprint(meta):
        out.add("workbook.metadata-edited", detail="指纹不符")
        return None
    state = data.states.get(META_SHEET, "veryHidden")
    if state != "veryHidden":
        out.add("workbook.metadata-visible", detail={"hidden": "普通隐藏", "visible": "可见"}.get(state, state))
    return meta


def checked_meta(data: ReturnData) -> dict | None:
    """The return's metadata if it is intact (schema and fingerprint), else None: what the Excel buttons trust."""
    return _meta(data, _Collector(data.path))


def _header_row(rows: list[list], headers: list[str], expected_row: int | None = None) -> tuple[int, dict[str, int]] | None:
    """The 0-based row holding the most of the expected headers (任务编号 among them), and each header's column.
    The row the metadata names is tried first: in an untouched return it holds them all."""
    if expected_row is not None and expected_row < len(rows):
        row = rows[expected_row]
        if [shown(v).strip() for v in row[:len(headers)]] == headers:
            return expected_row, {h: c for c, h in enumerate(headers)}
    best = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        labels = {shown(v).strip().replace(" ", ""): c for c, v in enumerate(row) if shown(v).strip()}
        found = {h: labels[h] for h in headers if h in labels}
        if "任务编号" in found and (best is None or len(found) > len(best[1])):
            best = (r, found)
    return best


def _check_columns(sheet: str, headers: list[str], found: dict[str, int], out: _Collector) -> None:
    for h in headers:
        if h not in found:
            out.add("workbook.column-missing", sheet=sheet, field=h)
    order = sorted((c, h) for h, c in found.items())
    expected = [h for h in headers if h in found]
    if [h for _, h in order] != expected:
        for position, (col, h) in enumerate(order):
            if expected[position] != h:
                out.add("workbook.column-moved", sheet=sheet, field=h, detail=f"现在在{a1(1, col + 1)[:-1]}列")


def _cell_findings(schema_name: str, values: dict[str, tuple[object, str]], place: str, sheet: str,
                   task_id: str | None, data: ReturnData, today: dt.date, out: _Collector,
                   programme_start: str = "") -> dict:
    """Normalise one row's (or the header block's) inputs, check them with the schema, report per cell.
    `values` maps a property to (cell value, A1). Returns the normalised instance."""
    schema = load_schema(schema_name)
    props = schema["properties"]
    instance: dict = {}
    cells: dict[str, str] = {}
    final, out = out, _Collector(out.path)  # this row's findings, put in column order at the end
    error_keys: set[str] = set()
    for key, (raw, ref) in values.items():
        prop = props[key]
        cells[key] = ref
        where = dict(sheet=sheet, cell=ref, task_id=task_id, field=prop["title"], place=place)
        got = normalise(prop, raw)
        if (sheet, ref) in data.errors:
            out.add("cell.error-value", value=data.errors[(sheet, ref)], **where)
            error_keys.add(key)
            continue
        if (sheet, ref) in data.merged:  # shows the value of the range's first cell, holds nothing itself
            out.add("cell.merged-input", detail=data.merged[(sheet, ref)], **where)
            error_keys.add(key)
            continue
        if (sheet, ref) in data.formulas:
            out.add("cell.formula", value=f"“{got.shown}”" if got.shown else "空", **where)
        if got.value is None:
            continue
        if got.stripped:
            out.add("cell.control-chars", **where)
        if got.doubt:
            out.add("cell.number-lost-zero", value=got.shown, **where)
        elif got.note:
            out.add("cell.normalised", value=got.shown, detail=got.note, **where)
        if isinstance(got.value, str) and got.value[:1] in "=+-@" and prop.get("type") == "string" \
                and "format" not in prop and "pattern" not in prop:  # "+86 ..." is a phone number, not a formula
            out.add("cell.formula-like", detail=got.value[:1], **where)
        instance[key] = got.value
    for clause in schema.get("allOf", []):
        # "100%" typed into a percent-formatted cell arrives as 1: where the row's own rule asks for 100, read it so
        (if_key, if_prop), = clause["if"]["properties"].items()
        if instance.get(if_key) == if_prop["const"]:
            for key, prop in clause["then"].get("properties", {}).items():
                if prop.get("const") == 100 and instance.get(key) == 1:
                    instance[key] = 100
                    out.add("cell.normalised", sheet=sheet, cell=cells[key], task_id=task_id, field=props[key]["title"],
                            place=place, value="1", detail="100（即100%）")
    bad_dates = {k for k, v in instance.items() if props[k].get("format") == "date" and not _iso_date(v)}
    if gate(schema_name)(instance) and not bad_dates:
        errors = []
    else:
        errors = list(validator(schema_name).iter_errors(instance))
    reported: set[str] = set(error_keys)  # a cell showing #DIV/0! has said all it needs to
    for error in errors:
        _report_error(error, schema, instance, cells, place, sheet, task_id, out, reported)
    for key, value in instance.items():
        if key in reported or not _iso_date(value):
            continue
        where = dict(sheet=sheet, cell=cells[key], task_id=task_id, field=props[key]["title"], place=place, value=value)
        if props[key].get("x-not-after") == "today" and dt.date.fromisoformat(value) > today:
            out.add("cell.future-date", **where)
        elif "x-not-before" in props[key] and value < props[key]["x-not-before"]:
            out.add("cell.too-early", detail=props[key]["x-not-before"], **where)
        elif key == "done_date" and programme_start and value < programme_start:
            out.add("cell.too-early", detail=f"项目开始日期{programme_start}", **where)
    order = {ref: i for i, ref in enumerate(cells.values())}
    final.items += sorted(out.items, key=lambda f: order.get(f.cell, len(order)))
    return instance


def _iso_date(value: object) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


def _report_error(error, schema: dict, instance: dict, cells: dict[str, str], place: str, sheet: str,
                  task_id: str | None, out: _Collector, reported: set[str]) -> None:
    props = schema["properties"]
    path = list(error.schema_path)
    if "then" in path:  # an if/then rule across fields: name the condition
        clause = schema["allOf"][path[1]]
        (if_key, if_prop), = clause["if"]["properties"].items()
        key = error.path[0] if error.path else error.message.split("'")[1]
        title = props[key]["title"]
        if error.validator == "required":
            detail = f"「{title}」（{cells.get(key, '')}）必须填写。"
        else:
            detail = f"「{title}」应为{error.validator_value}，当前为{shown(instance.get(key))}。"
        out.add("rule.contradiction", sheet=sheet, cell=cells.get(key) or cells.get(if_key), task_id=task_id,
                field=title, place=place, if_field=props[if_key]["title"], if_value=if_prop["const"], detail=detail)
        reported.add(key)
        return
    if error.validator == "required":
        key = error.message.split("'")[1]
        if key in cells and key != "task_id" and key not in reported:  # a missing column: once, not per row
            out.add("cell.required", sheet=sheet, cell=cells.get(key), task_id=task_id, field=props[key]["title"],
                    place=place)
            reported.add(key)
        return
    if not error.path or error.path[0] not in props or error.path[0] in reported:
        return  # one finding per cell: the first rule it breaks
    key = error.path[0]
    prop = props[key]
    where = dict(sheet=sheet, cell=cells.get(key), task_id=task_id, field=prop["title"], place=place,
                 value=shown(instance.get(key)))
    reported.add(key)
    if error.validator == "enum":
        out.add("cell.not-in-list", detail="、".join(prop["enum"]), **where)
    elif error.validator == "type" and prop.get("type") in ("number", "integer"):
        out.add("cell.not-a-number", **where)
    elif error.validator in ("minimum", "maximum"):
        out.add("cell.out-of-range", detail=f"{prop.get('minimum', '')}–{prop.get('maximum', '')}", **where)
    elif error.validator == "format":
        out.add("cell.not-a-date", **where)
    elif error.validator == "maxLength":
        out.add("cell.too-long", detail=str(len(str(instance[key]))), limit=prop["maxLength"], **where)
    else:
        out.add("cell.bad-format", detail=prop.get("description", ""), **where)


def _header_block(data: ReturnData, meta: dict | None, today: dt.date, out: _Collector) -> dict:
    props = load_schema(HEADER_SCHEMA)["properties"]
    sheet = meta["header_cells"]["sheet"] if meta else LEAD_SHEET
    rows = data.sheets.get(sheet)
    if rows is None:
        return {}
    values: dict[str, tuple[object, str]] = {}
    for key, prop in props.items():
        ref = meta["header_cells"].get(key) if meta else None
        position = _position(ref) if ref else _beside_label(rows, prop["title"])
        if position and ref and not _label_left_of(rows, position, prop["title"]):
            out.add("workbook.header-moved", sheet=sheet, cell=ref, field=prop["title"])
            continue
        if position is None:
            out.add("cell.required", sheet=sheet, field=prop["title"], place="表头", cell=None)
            continue
        r, c = position
        values[key] = (rows[r][c] if r < len(rows) and c < len(rows[r]) else None, a1(r + 1, c + 1))
    return _cell_findings(HEADER_SCHEMA, values, "表头", sheet, None, data, today, out)


def _position(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


def _label_left_of(rows: list[list], position: tuple[int, int], label: str) -> bool:
    """Is the label where the layout put it, just left of its value cell (a label may span a few columns)?"""
    r, c = position
    row = rows[r] if r < len(rows) else []
    return any(0 <= c - k < len(row) and shown(row[c - k]).strip() == label for k in (1, 2, 3))


def _beside_label(rows: list[list], label: str) -> tuple[int, int] | None:
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for c, value in enumerate(row):
            if shown(value).strip() == label:
                return r, c + 1
    return None


def _rows(data: ReturnData, meta: dict | None, role: str, expect: Expectation | None, unit: str,
          today: dt.date, out: _Collector, overdue_on: dt.date | None = None) -> dict[str, dict]:
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
    located = _header_row(rows, headers, meta["first_row"] - 2 if meta else None)
    if located is None:
        out.add("workbook.column-missing", sheet=sheet, field="任务编号")
        return found_rows
    header_index, found = located
    _check_columns(sheet, headers, found, out)
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
        instance = _cell_findings(schema_name, values, f"第{row_no}行", sheet, task_id, data, today, out,
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


_EMPTY_ROW_FINDINGS = {"cell.required", "rule.overdue-needs-problems"}  # what a row nobody filled in gives


def _unfilled(report: ReturnReport, findings: list[Finding], typed: bool) -> bool:
    """Nothing typed in at all: no header value, no input in any task row and nothing in any other cell of the
    tables (`typed`: a column a clerk inserted), nothing wrong but what an empty row gives."""
    rows = [instance for by_id in report.rows.values() for instance in by_id.values()]
    return bool(rows) and not typed and not report.header and all(set(instance) <= {"task_id"} for instance in rows) \
        and all(f.code in _EMPTY_ROW_FINDINGS for f in findings if f.severity != "info")


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
             today: dt.date, out: _Collector, master_task: MasterTask | None) -> None:
    due = master_task.due if master_task else (due_cell.date() if isinstance(due_cell, dt.datetime) else due_cell)
    if not isinstance(due, dt.date) or due >= today or instance.get("status") == "已完成" or instance.get("problems"):
        return
    ref = values["problems"][1] if "problems" in values else None
    out.add("rule.overdue-needs-problems", sheet=sheet, cell=ref, task_id=task_id, field="存在问题",
            place=f"第{row_no}行", detail=due.isoformat())


REPORT_SHEETS = {"按单位", "按文件", "问题清单"}
ARCHIVE_SHEET = "历次进展"  # the only sheet of a 历次进展 archive workbook


def _own_output(data: ReturnData) -> str:
    """Files xltasks wrote that may sit among the returns: a validation report, a master."""
    if set(data.states) == REPORT_SHEETS:
        return "xltasks 生成的校验汇总表"
    if set(data.states) == {ARCHIVE_SHEET} and META_SHEET not in data.sheets:
        return "xltasks 从总台账移出的历次进展存档"
    rows = data.sheets.get(META_SHEET) or []
    if rows and rows[0][:2] and str(rows[0][1]).startswith("xltasks-master/"):
        return "总台账（不是报送表）"
    return ""


def validate_return(data: ReturnData, expect: Expectation | None = None, round_name: str | None = None,
                    today: dt.date | None = None, as_of: dt.date | None = None) -> ReturnReport:
    """Every finding about one return, capped at MAX_FINDINGS (then one info finding says so). A task counts as
    overdue (its 存在问题 required) as of the round's status date (`as_of`, else the end of the period the round
    names) or today, whichever is earlier: a November return merged on 3 December owes no reason for a task
    due on 1 December."""
    today = today or dt.date.today()
    overdue_on = min(today, as_of or (round_end(round_name) if round_name else None) or today)
    out = _Collector(data.path)
    own = _own_output(data)
    if own:
        out.add("file.skipped", detail=own)
        return ReturnReport(data.path, findings=out.items)
    if data.kind != "xlsx":
        out.add("file.converted", detail=f".{data.kind}" if data.kind == "ods" else
                f".{data.kind}（这种格式无法检查单元格是否为公式或错误值）")
    meta = _meta(data, out)
    unit = (expect.aliases.get(meta["unit"], meta["unit"]) if expect else meta["unit"]) if meta else ""
    report = ReturnReport(data.path, unit, meta["round"] if meta else "", created=meta["created"] if meta else "")
    if meta:
        if round_name and not same_round(meta["round"], round_name):
            out.add("workbook.wrong-round", detail=meta["round"], expected=round_name)
        if expect and meta["programme_id"] != expect.programme_id and \
                not (expect.programme and meta["programme"] == expect.programme):
            out.add("workbook.other-programme", detail=meta["programme"])
        elif expect and unit not in expect.shares:
            out.add("workbook.unit-unknown", detail=meta["unit"])
        if expect and meta["programme_id"] != expect.programme_id and expect.programme \
                and meta["programme"] == expect.programme:
            out.add("workbook.reimported", detail=meta["programme"])
    if meta or LEAD_SHEET in data.sheets or COOP_SHEET in data.sheets:  # else not a return at all: said once
        report.header = _header_block(data, meta, today, out)
        report.rows = {role: _rows(data, meta, role, expect, report.unit, today, out, overdue_on)
                       for role in ("lead", "coop")}
        if meta and _unfilled(report, out.items, out.typed):  # a blank issued return lying among the filled ones
            out.items.insert(0, finding("workbook.unfilled", path=data.path))  # then what is still to fill
        moved = [f for f in out.items if f.code in ROWS_NOT_MERGED]
        if moved and not any(report.rows.values()):
            out.add("workbook.nothing-left", detail=meta["unit"] if meta else report.unit)
    findings = out.items
    if len(findings) > MAX_FINDINGS:
        findings = findings[:MAX_FINDINGS] + [finding("file.too-many-findings", path=data.path,
                                                      detail=str(MAX_FINDINGS))]
    report.findings = findings
    return report

