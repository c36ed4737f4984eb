"""Read a master workbook back: its tasks as the coordinator keeps them now, its unit groups and its metadata."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xltasks.core.assignment import MasterTask
from xltasks.core.deadlines import parse_deadline
from xltasks.core.findings import Finding, SourceError, finding
from xltasks.core.grid import a1
from xltasks.core.units import split_units
from xltasks.files.master.layout import MASTER_FORMAT, META_SHEET, OUR_SHEETS, TASK_COLUMNS, TASK_SHEET, UNIT_SHEET
from xltasks.files.sources.sniff import ExtentBudget, sniff
from xltasks.files.xlsx.book_properties import defined_names, doc_properties
from xltasks.files.xlsx.book_read import SheetData, read_book
from xltasks.files.xlsx.safe_write import ILLEGAL_CHARACTERS_RE
from xltasks.files.xlsx.sheet_extras import Extras, sheet_extras

HEADERS = {key: header for key, header, _ in TASK_COLUMNS}
REQUIRED = ("task_id", "content", "lead_units")
TASK_ID = re.compile(r"T[0-9A-F]{8}(-[0-9]+)?")
HEADER_SCAN_ROWS = 10  # a coordinator may add a line or two above the header; look a little further down


@dataclass
class MasterBook:
    """What split, validate and merge need from a master: metadata, tasks in sheet order, groups, aliases."""

    path: Path
    meta: dict[str, str]
    tasks: list[MasterTask]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def programme(self) -> str:
        return self.meta.get("programme", "")

    @property
    def programme_id(self) -> str:
        return self.meta.get("source_sha256", "")

    @property
    def office(self) -> str:
        return self.meta.get("office", "")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)).strip()  # as a cell can hold it: what we write is what we hash


def header_columns(rows: list[list], path: str) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and each known column's index, found by its label wherever it was moved."""
    by_label = {header: key for key, header in HEADERS.items()}
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, v in enumerate(row):  # the first column with a label is ours: a later one is a coordinator's copy
            if _text(v).replace(" ", "") in by_label:
                found.setdefault(by_label[_text(v).replace(" ", "")], c)
        if "task_id" in found and "content" in found:
            for key in REQUIRED:
                if key not in found:
                    raise SourceError(finding("master.missing-column", path=path, sheet=TASK_SHEET,
                                              field=HEADERS[key]))
            return r, found
    raise SourceError(finding("master.missing-column", path=path, sheet=TASK_SHEET, field="任务编号、任务内容"))


def _due(value: object, deadline_text: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_deadline(deadline_text).due


def _tasks(rows: list[list], path: str, aliases: dict[str, str]) -> tuple[list[MasterTask], list[Finding]]:
    header, col = header_columns(rows, path)
    tasks: list[MasterTask] = []
    findings: list[Finding] = []
    seen: dict[str, int] = {}

    def get(row: list, key: str) -> object:
        c = col.get(key)
        return row[c] if c is not None and c < len(row) else None

    named: dict[str, tuple[str, ...]] = {}  # a master names the same few units thousands of times

    def units(row: list, key: str) -> tuple[str, ...]:
        text = _text(get(row, key))
        if text not in named:
            named[text] = tuple(dict.fromkeys(aliases.get(n, n) for n in split_units(text)))
        return named[text]

    for r, row in enumerate(rows[header + 1:], start=header + 2):
        task_id, content = _text(get(row, "task_id")), _text(get(row, "content"))
        if not task_id:
            if content:
                findings.append(finding("master.row-no-id", path=path, sheet=TASK_SHEET, cell=a1(r, col["task_id"] + 1)))
            continue
        if not TASK_ID.fullmatch(task_id):
            findings.append(finding("master.row-bad-id", path=path, sheet=TASK_SHEET, cell=a1(r, col["task_id"] + 1),
                                    task_id=task_id))
            continue
        if task_id in seen:
            raise SourceError(finding("master.duplicate-id", path=path, sheet=TASK_SHEET, cell=a1(r, col["task_id"] + 1),
                                      task_id=task_id, detail=a1(seen[task_id], col["task_id"] + 1)))
        seen[task_id] = r
        deadline_text = _text(get(row, "deadline_text"))
        tasks.append(MasterTask(
            task_id=task_id, section=_text(get(row, "section")), number=_text(get(row, "number")),
            title=_text(get(row, "title")), content=content, lead_units=units(row, "lead_units"),
            coop_units=units(row, "coop_units"), deadline_text=deadline_text,
            due=_due(get(row, "due"), deadline_text), row=r, lead_cell=a1(r, col["lead_units"] + 1),
            coop_cell=a1(r, col["coop_units"] + 1) if "coop_units" in col else ""))
    if not tasks:
        raise SourceError(finding("master.no-tasks", path=path, sheet=TASK_SHEET))
    return tasks, findings


def _units(rows: list[list]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Groups (单位组 with 组成员) and aliases (别名) from the 单位名单 sheet, which the coordinator may edit."""
    header = next((r for r, row in enumerate(rows[:HEADER_SCAN_ROWS]) if "单位名称" in map(_text, row)), None)
    if header is None:
        return {}, {}
    labels = [_text(v) for v in rows[header]]
    col = {label: c for c, label in enumerate(labels)}
    groups: dict[str, tuple[str, ...]] = {}
    aliases: dict[str, str] = {}
    for row in rows[header + 1:]:
        cells = list(row) + [None] * (len(labels) - len(row))
        name = _text(cells[col["单位名称"]])
        if not name:
            continue
        if "组成员" in col and (members := split_units(_text(cells[col["组成员"]]))):
            groups[name] = tuple(members)
        if "别名" in col:
            aliases.update({alias: name for alias in split_units(_text(cells[col["别名"]]))})
    return groups, aliases


def read_master(path: Path, aliases: dict[str, str] | None = None,
                sheets: dict[str, list[list]] | None = None) -> MasterBook:
    """A master written by `xltasks import`; raises SourceError (a finding in Chinese) when it is not one.
    `aliases` (from an office's config) are laid over the ones the master's 单位名单 lists. `sheets` (name -> rows
    from A1), when the caller has read the whole workbook already, saves reading it twice."""
    # calamine: it reads the very hidden metadata sheet too, returns the values Excel last computed, and is
    # fast on a 10,000-row master. Nothing here needs openpyxl's styles.
    import python_calamine

    path = Path(path)
    shown = str(path)
    if sniff(path) == "docx":
        raise SourceError(finding("master.not-xltasks", path=shown, detail="这是Word文档"))
    try:
        if sheets is not None:
            meta, groups, master_aliases, rows = _read_sheets(list(sheets), sheets.__getitem__, shown)
        else:
            workbook = python_calamine.CalamineWorkbook.from_path(shown)
            try:
                meta, groups, master_aliases, rows = _read_sheets(
                    workbook.sheet_names, lambda name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False),
                    shown)
            finally:
                workbook.close()
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken master is a finding, not a traceback
        raise SourceError(finding("source.corrupt", path=shown, detail=f"{type(exc).__name__}: {str(exc)[:120]}")) \
            from exc
    aliases = {**master_aliases, **(aliases or {})}
    tasks, findings = _tasks(rows, shown, aliases)
    return MasterBook(path, meta, tasks, groups, aliases, findings)


@dataclass
class BookInfo:
    """What a rewrite of the master carries besides its sheets."""
    names: list[tuple[str, str]] = field(default_factory=list)  # defined names: (name, formula)
    properties: dict[str, object] = field(default_factory=dict)  # document properties (xlsxwriter's terms)


def read_master_whole(path: Path, aliases: dict[str, str] | None = None
                      ) -> tuple[MasterBook, list[SheetData], BookInfo]:
    """The master, all its sheets, its defined names and document properties, read once (one snapshot), for a
    command that writes the master again."""
    path = Path(path)
    shown = str(path)
    extras: dict[str, Extras] = {}
    info = BookInfo()

    def inspect(zf) -> None:
        extras.update(sheet_extras(zf, ExtentBudget(shown).check))
        info.names.extend(defined_names(zf))
        info.properties.update(doc_properties(zf))

    kind = sniff(path, inspect)
    if kind == "docx":
        raise SourceError(finding("master.not-xltasks", path=shown, detail="这是Word文档"))
    if kind != "xlsx":  # .xls content under an .xlsx name: written back as .xlsx it would be a different file
        raise SourceError(finding("master.format", path=shown, detail=f".{kind}（扩展名却是{path.suffix}）"))
    try:
        sheets = read_book(path, extras)
    except Exception as exc:  # noqa: BLE001 - a broken master is a finding, not a traceback
        raise SourceError(finding("source.corrupt", path=shown, detail=f"{type(exc).__name__}: {str(exc)[:120]}")) \
            from exc
    return read_master(path, aliases, {sheet.name: sheet.rows for sheet in sheets}), sheets, info


def _read_sheets(names: list[str], rows_of: Callable[[str], list[list]],
                 shown: str) -> tuple[dict, dict, dict, list[list]]:
    if META_SHEET not in names:
        raise SourceError(finding("master.not-xltasks", path=shown, detail="没有 xltasks 的标识表"))
    meta = {_text(row[0]): _text(row[1]) for row in rows_of(META_SHEET) if len(row) >= 2 and _text(row[0])}
    if not meta.get("format", "").startswith(MASTER_FORMAT.split("/")[0] + "/"):
        kind = "这是各单位的报送表" if meta.get("format", "").startswith("xltasks-return/") else "标识表内容不符"
        raise SourceError(finding("master.not-xltasks", path=shown, detail=kind))
    if not re.fullmatch(r"[0-9a-f]{64}", meta.get("source_sha256", "")):
        raise SourceError(finding("master.not-xltasks", path=shown, detail="标识表中的来源指纹缺失或被改动"))
    if TASK_SHEET not in names:
        raise SourceError(finding("master.missing-sheet", path=shown, sheet=TASK_SHEET))
    units = _unit_sheet(names, rows_of)
    groups, aliases = _units(rows_of(units)) if units else ({}, {})
    return meta, groups, aliases, rows_of(TASK_SHEET)


def _unit_sheet(names: list[str], rows_of: Callable[[str], list[list]]) -> str | None:
    """单位名单, or the sheet it was renamed to (a coordinator's "各单位"): the one whose header has 单位名称 and
    组成员 or 别名. Our other sheets are not looked into."""
    if UNIT_SHEET in names:
        return UNIT_SHEET
    for name in names:
        if name in OUR_SHEETS or name.startswith("_"):
            continue
        for row in rows_of(name)[:HEADER_SCAN_ROWS]:
            labels = set(map(_text, row))
            if "单位名称" in labels and labels & {"组成员", "别名"}:
                return name
    return None
