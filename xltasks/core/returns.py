"""The return workbook's shape (sheets, columns, header block), its fingerprints and its metadata, as data."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from xltasks.core.schemas import load_schema

RETURN_FORMAT = "xltasks-return/1"
LEAD_SHEET, COOP_SHEET, HELP_SHEET, META_SHEET = "牵头任务", "配合任务", "填报说明", "_xltasks"
# Issued empty and unprotected: the 校验本表 button lists its findings here. The workbook's structure is locked, so
# neither Excel's VBA nor Office.js can add a sheet to a return; they can write into one that is there.
RESULT_SHEET = "校验结果"
RESULT_HEADERS = ("级别", "工作表", "单元格", "栏目", "说明")
RESULT_FIRST_ROW = 4    # rows 1-3: title, hint, headers
RESULT_HINT = ("在 Excel 中点击「任务报送」选项卡的「校验本表」后，需要修改的地方逐条列在这里，单元格也会标色。"
               "没有安装加载项也可以照常填写：按表中橙色、红色提示修改即可。")
HEADER_ROW = 5          # the task table's column headers; rows 1-4 hold the title, the header block and a hint
FIRST_ROW = HEADER_ROW + 1


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    is_input: bool = False


# The locked context every task row carries, in the order written; the fingerprint covers these cells.
CONTEXT_COLUMNS = (
    Column("task_id", "任务编号", 10.5), Column("section", "所属部分", 12), Column("number", "序号", 4.5),
    Column("title", "任务名称", 12), Column("content", "任务内容", 36), Column("deadline_text", "完成时限", 9),
    Column("due", "截止日期", 10.5), Column("lead_units", "牵头单位", 11), Column("coop_units", "配合单位", 13),
)
# Widths of the input columns; which inputs there are, their headers and rules come from the row schemas.
INPUT_WIDTHS = {"status": 9, "progress": 8, "progress_text": 24, "problems": 16, "next_steps": 16,
                "done_date": 10.5, "note": 10, "coop_text": 30}
ROW_SCHEMA = {"lead": "return-row", "coop": "coop-row"}

# The header block: (key, label) pairs on two rows; the first row is prefilled and locked, the second is input.
HEADER_BLOCK = (
    (("unit", "填报单位"), ("round", "报送期次"), ("due", "报送截止")),
    (("reporter", "填报人"), ("phone", "联系电话"), ("report_date", "填报日期")),
)
HEADER_SCHEMA = "return-header"


def input_columns(role: str) -> tuple[Column, ...]:
    """The input columns of a lead ("lead") or cooperating ("coop") sheet, in schema order, headers from titles."""
    schema = load_schema(ROW_SCHEMA[role])
    return tuple(Column(key, prop["title"], INPUT_WIDTHS[key], is_input=True)
                 for key, prop in schema["properties"].items() if key != "task_id")


def fold(value: object) -> str:
    """A cell value as the fingerprint sees it: text with all whitespace removed, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def row_fingerprint(values: list[object]) -> str:
    """16 hex digits of SHA-256 over a row's locked cells, so an edited task text or deadline shows."""
    text = "\x1f".join(fold(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_fingerprint(meta: dict) -> str:
    """SHA-256 over what identifies the file: format, programme, round, unit and every task line."""
    lines = [meta["format"], meta["programme_id"], meta["round"], meta["unit"]]
    lines += [f"{t['task_id']}|{t['role']}|{t['fingerprint']}" for t in meta["tasks"]]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
MAX_NAME_PART = 40


def safe_name_part(text: str) -> str:
    """Text usable in a file name on Windows: no \\/:*?"<>| or control characters, no trailing dot, not too long."""
    text = _UNSAFE.sub("_", re.sub(r"\s+", "", text)).strip("._")
    return text[:MAX_NAME_PART] or "_"


def return_file_name(round_name: str, unit: str) -> str:
    """Round first, then unit, so a folder sorted by name groups each round: "2026年11月-市民政局-报送表.xlsx"."""
    return f"{safe_name_part(round_name)}-{safe_name_part(unit)}-报送表.xlsx"


META_TASK_COLUMNS = ("task_id", "role", "sheet", "row", "fingerprint")


def meta_rows(meta: dict) -> list[list[object]]:
    """The metadata as sheet rows: scalars as key/value (dotted keys for nested objects), then the task table."""
    rows: list[list[object]] = []
    for key, value in meta.items():
        if key == "tasks":
            continue
        if isinstance(value, dict):
            rows += [[f"{key}.{sub}", v] for sub, v in value.items()]
        else:
            rows.append([key, value])
    rows.append(["tasks", *META_TASK_COLUMNS])
    rows += [["", *(t[c] for c in META_TASK_COLUMNS)] for t in meta["tasks"]]
    return rows


def meta_from_rows(rows: list[list[object]]) -> dict:
    """The metadata dict back from the sheet's rows (as any reader returns them); check it with the schema."""
    meta: dict = {}
    tasks: list[dict] = []
    in_tasks = False
    for row in rows:
        cells = list(row) + [""] * (len(META_TASK_COLUMNS) + 1 - len(row))
        key = fold(cells[0]) if not in_tasks else ""
        if in_tasks:
            if not any(fold(c) for c in cells[1:]):
                continue
            task = dict(zip(META_TASK_COLUMNS, cells[1:]))
            task = {k: str(v) if k != "row" else v for k, v in task.items()}
            if isinstance(task["row"], float) and task["row"].is_integer():
                task["row"] = int(task["row"])
            tasks.append(task)
        elif key == "tasks":
            in_tasks = True
        elif key:
            value = cells[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            parent, _, child = key.partition(".")
            if child:
                meta.setdefault(parent, {})[child] = "" if value is None else str(value)
            else:
                meta[key] = value if key == "first_row" else ("" if value is None else str(value))
    meta["tasks"] = tasks
    return meta
