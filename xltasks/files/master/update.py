"""Write a merge into the master: the task sheet's report columns and states, 历次进展, 报送记录, 报送情况 and
汇总统计.

The master is read whole (book_read: values, formulas, notes, column widths) and written again in one pass
(book_write); write_atomically moves the new file into place. Only the merge's columns (found by their header
labels) and the merge's own sheets change: the coordinator's own columns, rows, sheets, formulas and notes are
written back as they were read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.answers import STORE_SHEET
from xltasks.core.findings import Finding, finding
from xltasks.core.merge_plan import TaskResult
from xltasks.core.reconcile import Reconciled
from xltasks.core.status import round_before, same_round
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.book_write import NOTHING, Col, Layout, Plain, write_book
from xltasks.files.master.write import (FINDING_COLUMNS, HELP_LAYOUT, ROSTER_COLUMNS, UNIT_COLUMNS, layout_of,
                                  task_layout)
from xltasks.files.master.read import BookInfo, header_columns
from xltasks.files.xlsx.verbatim import unchanged_rows
from xltasks.files.master.layout import (FINDING_SHEET, HEADER_ROW, HELP_SHEET, HISTORY_SHEET, MATRIX_SHEET,
                                         META_SHEET, OUR_SHEETS, REGISTER_SHEET, ROSTER_SHEET, SUMMARY_SHEET,
                                         TASK_COLUMNS, TASK_SHEET, UNIT_SHEET)

HEADERS = {key: header for key, header, _ in TASK_COLUMNS}
MERGE_KEYS = ("status", "progress", "progress_text", "problems", "next_steps", "done_date", "note", "coop_report",
              "reported_by", "reported_on", "state", "flags")
FLAG_LABELS = {"copied": "进展情况与上期相同", "ongoing-stale": "持续性任务，进展情况与上期相同"}
HISTORY_COLUMNS = [("round", "期次", 12), ("task_id", "任务编号", 11), ("lead_units", "牵头单位", 16),
                   ("state", "当前状态", 10), ("status", "进展状态", 8), ("progress", "完成进度(%)", 8),
                   ("progress_text", "进展情况", 40), ("problems", "存在问题", 24), ("reported_by", "报送单位", 14),
                   ("reported_on", "报送日期", 11), ("as_of", "状态日期", 11)]
REGISTER_COLUMNS = [("received", "汇总时间", 17), ("round", "期次", 12), ("unit", "单位", 16), ("outcome", "处理结果", 9),
                    ("errors", "错误", 6), ("warnings", "提示", 6), ("reason", "说明", 30), ("path", "文件", 40),
                    ("sha256", "SHA-256", 20), ("reporter", "填报人", 10), ("phone", "联系电话", 14)]
OUTCOME_LABELS = {"merged": "已汇总", "rejected": "退回", "superseded": "被替代", "ignored": "未汇总"}
MATRIX_MARKS = {"已汇总": "√", "退回": "退回"}
STATUS_ORDER = ("done", "on_track", "due_soon", "overdue", "not_reported", "rejected")
DATE_KEYS = {"done_date", "reported_on"}


@dataclass
class MergeWrite:
    """What a merge writes, besides the plan."""
    round_name: str
    as_of: dt.date
    labels: dict[str, str]
    colors: dict[str, str]
    sha256: dict[str, str]
    lead_units: dict[str, str]
    contents: dict[str, str]
    owing: list[str]
    store: list[list[object]]  # the 已汇总 returns of every round (core/answers.py), this round's entries renewed


def _date(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)  # checked dates arrive as YYYY-MM-DD
        except ValueError:
            return value
    return value


def _body(sheet: SheetData | None) -> list[list[object]]:
    return [row for row in (sheet.rows[HEADER_ROW:] if sheet else []) if row and row[0] not in (None, "")]


def _update_tasks(sheet: SheetData, plan: list[TaskResult], labels: dict[str, str]) -> None:
    """Write each task's merged values into its row, in the columns found by header label; a merge column the
    coordinator deleted is added again at the right, so no other column moves."""
    rows = sheet.rows
    at, found = header_columns(rows, sheet.name)
    header = rows[at]
    col = {HEADERS[key]: c for key, c in found.items()}
    for key in MERGE_KEYS:
        if HEADERS[key] not in col:
            col[HEADERS[key]] = len(header)
            header.append(HEADERS[key])
    id_col = col[HEADERS["task_id"]]
    where = {str(row[id_col]).strip(): r for r, row in enumerate(rows) if r > at and id_col < len(row)
             and row[id_col] not in (None, "")}
    for result in plan:
        r = where.get(result.task_id)
        if r is None:
            continue
        values = {**{key: None for key in MERGE_KEYS}, **result.answers, "coop_report": result.coop_text or None,
                  "state": labels[result.status], "flags": "；".join(FLAG_LABELS[f] for f in result.flags) or None}
        row = rows[r]
        row.extend([None] * (len(header) - len(row)))
        for key in MERGE_KEYS:
            c = col[HEADERS[key]]
            row[c] = _date(values.get(key)) if key in DATE_KEYS else values.get(key)
            sheet.formulas.pop((r, c), None)


def adopt_renamed_logs(book: list[SheetData]) -> dict[str, str]:
    """历次进展 or 报送记录 a coordinator renamed, found by its header row once the master has been merged (a sheet
    of their own with the same header, in a master never merged, stays theirs): it goes on under our name while
    the merge works and is written back under theirs (their formulas and names point at it). Returns our name ->
    theirs."""
    if shown_round(book) is None:
        return {}
    renamed = {}
    names = {sheet.name for sheet in book}
    for name, columns in ((HISTORY_SHEET, HISTORY_COLUMNS), (REGISTER_SHEET, REGISTER_COLUMNS)):
        if name in names:
            continue
        header = [h for _, h, _ in columns]
        sheet = next((s for s in book if s.name not in OUR_SHEETS and len(s.rows) >= HEADER_ROW
                      and [str(v or "").strip() for v in s.rows[HEADER_ROW - 1][:len(header)]] == header), None)
        if sheet is not None:
            renamed[name] = sheet.name
            sheet.name = name
    return renamed


def history_rounds(book: list[SheetData]) -> list[str]:
    """The rounds in 历次进展, in the order they appear (the order they were first merged in), after those moved
    to archive workbooks."""
    sheet = next((s for s in book if s.name == HISTORY_SHEET), None)
    rounds: list[str] = []
    for name in [*archived_rounds(book), *(str(row[0]) for row in _body(sheet))]:
        if not rounds or not same_round(rounds[-1], name):
            if not any(same_round(seen, name) for seen in rounds):
                rounds.append(name)
    return rounds


def previous_texts(book: list[SheetData], round_name: str) -> dict[str, str]:
    """Each task's 进展情况 in the latest round before this one in 历次进展 (by period, else by merge order), to
    flag a text copied unchanged. Never this round's own rows, so merging a round again flags nothing new, and
    never a later round's, so a late return is not compared with what came after it."""
    order = history_rounds(book)
    earlier = [name for name in order if not same_round(name, round_name) and round_before(name, round_name, order)]
    if not earlier:
        return {}
    previous = max(earlier, key=functools.cmp_to_key(
        lambda a, b: -1 if round_before(a, b, order) else (1 if round_before(b, a, order) else 0)))
    sheet = next((s for s in book if s.name == HISTORY_SHEET), None)
    return {str(row[1]): str(row[6]) for row in _body(sheet)
            if len(row) > 6 and same_round(str(row[0]), previous) and row[6] not in (None, "")}


def shown_round(book: list[SheetData]) -> tuple[str, dt.date | None] | None:
    """The round the task sheet and 汇总统计 show, and its status date (kept in the metadata sheet), or None."""
    meta = next((s for s in book if s.name == META_SHEET), None)
    facts = {str(row[0]): row[1] for row in (meta.rows if meta else []) if len(row) >= 2 and row[0]}
    name = str(facts.get("shown_round") or "")
    if not name:
        return None
    try:
        day = dt.date.fromisoformat(str(facts.get("shown_as_of") or "")[:10])
    except ValueError:
        day = None
    return name, day


def _rebuild(old: SheetData | None, name: str, title: str, columns: list[tuple[str, str, float]],
             keep: Callable[[list], bool], key: Callable[[list], tuple], new_rows: list[list],
             in_place: Callable[[list], bool] | None = None) -> SheetData:
    """One of the merge's log sheets again: the old rows `keep` accepts, then `new_rows`. What a coordinator added
    comes along: columns right of ours (their values follow a row by its `key`, so a note on a row of this round
    survives merging the round again), notes on rows (by key too) and column widths. With `in_place`, the new rows
    go where the first replaced row was, else before the first kept row `in_place` accepts, else at the end."""
    ours = len(columns)
    header = [h for _, h, _ in columns]
    extra_header = list(old.rows[HEADER_ROW - 1][ours:]) if old and len(old.rows) >= HEADER_ROW else []
    rows: list[list] = []
    positions: dict[tuple, int] = {}  # key -> the old row's index
    extras: dict[tuple, list] = {}
    at = None
    for r, row in enumerate(old.rows[HEADER_ROW:] if old else [], start=HEADER_ROW):
        if not row or row[0] in (None, ""):
            continue
        positions[key(row)] = r
        extras[key(row)] = list(row[ours:])
        if keep(row):
            rows.append(list(row))
        elif at is None and in_place:
            at = len(rows)
    if at is None and in_place:
        at = next((i for i, row in enumerate(rows) if in_place(row)), None)
    at = len(rows) if at is None else at
    new_rows = sorted(new_rows, key=lambda row: positions.get(key(row), len(old.rows) if old else 0))  # old order kept
    rows[at:at] = [[*row, *extras.get(key(row), [])] for row in new_rows]
    sheet = SheetData(name, [[title], [*header, *extra_header], *rows])
    if old:
        sheet.widths = old.widths
        moved = {positions[key(row)]: r for r, row in enumerate(rows, start=HEADER_ROW) if key(row) in positions}
        for (r, c), text in old.comments.items():
            if r < HEADER_ROW or r in moved:
                sheet.comments[(moved.get(r, r), c)] = text
    return sheet


def _history(sheet: SheetData | None, plan: list[TaskResult], w: MergeWrite, archives: list[str],
             order: list[str]) -> SheetData:
    new = [[w.round_name, result.task_id, w.lead_units.get(result.task_id, ""), w.labels[result.status],
            result.answers.get("status"), result.answers.get("progress"), result.answers.get("progress_text"),
            result.answers.get("problems"), result.answers.get("reported_by"),
            _date(result.answers.get("reported_on")), w.as_of] for result in plan]
    return _rebuild(sheet, HISTORY_SHEET, _history_title(archives), HISTORY_COLUMNS,
                    lambda row: not same_round(str(row[0]), w.round_name),  # this round's rows are replaced ...
                    lambda row: ("round", str(row[0]), str(row[1])) if not same_round(str(row[0]), w.round_name)
                    else ("this", str(row[1])), new,
                    in_place=lambda row: round_before(w.round_name, str(row[0]), order))  # ... in round order


HISTORY_MAX_ROWS = 400_000  # 历次进展 rows the master keeps (11 columns: well within the 5 million cells a sheet
#                             may have to be read back, and Excel's 1,048,576 rows); older rounds move to an archive
HISTORY_TITLE = "历次进展（每期每项任务一行）"


def _history_title(archives: list[str]) -> str:
    if not archives:
        return HISTORY_TITLE
    return f"历次进展（每期每项任务一行；更早的期次见{''.join(f'“{name}”' for name in archives)}）"


@dataclass
class Archive:
    """Rounds of 历次进展 moving out of the master: written to `temp` with the master, moved to `path` once the
    master is in place (a master that fails to write leaves no archive behind)."""

    path: Path
    temp: Path
    rounds: list[str]

    def keep(self) -> None:
        os.replace(self.temp, self.path)

    def drop(self) -> None:
        self.temp.unlink(missing_ok=True)


def archive_history(sheet: SheetData, beside: Path, this_round: str, colors: dict[str, str]) -> Archive | None:
    """When 历次进展 has grown past HISTORY_MAX_ROWS, its oldest whole rounds (never this merge's, never the last
    two) are written to a workbook of their own, named by the rounds it holds, to go beside the master; None when
    nothing had to move. Notes on the moved rows go with them."""
    from xltasks.core.returns import safe_name_part

    body = sheet.rows[HEADER_ROW:]
    if len(body) <= HISTORY_MAX_ROWS:
        return None
    counts: dict[str, int] = {}
    for row in body:
        counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    moving, left = set(), len(body)
    for round_name, n in list(counts.items())[:-2]:  # in round order, the oldest first; the last two rounds stay:
        if left <= HISTORY_MAX_ROWS:  # 核查提示 compares with the round before
            break
        if same_round(round_name, this_round):
            continue
        moving.add(round_name)
        left -= n
    if not moving:
        return None
    old = {"moved": [], "kept": []}
    for r, row in enumerate(body, start=HEADER_ROW):
        old["moved" if str(row[0]) in moving else "kept"].append(r)
    first, last = str(body[old["moved"][0] - HEADER_ROW][0]), str(body[old["moved"][-1] - HEADER_ROW][0])
    archive = SheetData(HISTORY_SHEET, [[f"历次进展（{first}至{last}，自总台账“{beside.name}”移出）"],
                                        sheet.rows[HEADER_ROW - 1], *(sheet.rows[r] for r in old["moved"])])
    archive.widths = sheet.widths
    new_place = {r: i for part in ("moved", "kept") for i, r in enumerate(old[part], start=HEADER_ROW)}
    kept_comments = {}
    for (r, c), text in sheet.comments.items():
        if r < HEADER_ROW:
            kept_comments[(r, c)] = text
        elif r in new_place:
            target = archive.comments if str(sheet.rows[r][0]) in moving else kept_comments
            target[(new_place[r], c)] = text
    stem = f"{beside.stem}-历次进展-{safe_name_part(first)}至{safe_name_part(last)}"
    path, n = beside.with_name(stem + ".xlsx"), 1
    while path.exists():
        n += 1
        path = beside.with_name(f"{stem}-{n}.xlsx")
    temp = path.with_name(f".xltasks-{path.name}")  # a name find_returns skips
    write_book(temp, [(archive, layout_of(HISTORY_COLUMNS))], colors)
    sheet.rows = sheet.rows[:HEADER_ROW] + [sheet.rows[r] for r in old["kept"]]
    sheet.comments = kept_comments
    return Archive(path, temp, [name for name in counts if name in moving])


def _register(sheet: SheetData | None, reconciled: Reconciled, w: MergeWrite) -> SheetData:
    received = dt.datetime.now().strftime("%Y-%m-%d %H:%M")

    def key(row: list) -> tuple:  # a file is its content: the same file merged again, from anywhere, is one line
        row = [*row, *[None] * (9 - len(row))]
        round_key = "this" if same_round(str(row[1]), w.round_name) else str(row[1])
        return (round_key, str(row[8] or "") or str(row[7]))

    new = []
    for outcome in reconciled.files:
        report = outcome.report
        if any(f.code == "file.skipped" for f in report.findings):
            continue  # the master, its backups and copies, a lock file: no one sent them
        new.append([received, report.round or w.round_name, report.unit or "（未识别）", OUTCOME_LABELS[outcome.outcome],
                    sum(f.severity == "error" for f in report.findings),
                    sum(f.severity == "warning" for f in report.findings), outcome.reason, report.path,
                    w.sha256.get(report.path, ""), report.header.get("reporter"), report.header.get("phone")])
    new = list({key(row): row for row in new}.values())  # two copies of one file in this run: one line
    before = {key(row): row for row in _body(sheet)}
    path = [c for c, _, _ in REGISTER_COLUMNS].index("path")

    def same(old: list, row: list) -> bool:  # all but the time and the folder it was in
        old = [*old[:len(row)], *[None] * (len(row) - len(old))]
        return all(a == b or a in (None, "") and b in (None, "") for c, (a, b) in enumerate(zip(old, row))
                   if c not in (0, path))

    for i, row in enumerate(new):  # the same file with the same outcome as before keeps its line as it was:
        old = before.get(key(row))  # a re-run changes nothing, from whichever folder
        if old is not None and same(old, row):
            new[i] = [*old[:len(row)], *[None] * (len(row) - len(old))]
    this_run = {key(row) for row in new}
    order = list(dict.fromkeys(str(row[1]) for row in _body(sheet)))
    return _rebuild(sheet, REGISTER_SHEET, "报送记录（收到的每一个文件）", REGISTER_COLUMNS,
                    lambda row: key(row) not in this_run, key, new,
                    in_place=lambda row: round_before(w.round_name, str(row[1]), order))


def _matrix(register: SheetData, owing: list[str], old: SheetData | None = None) -> SheetData:
    """Units × rounds: who reported when (√ merged, 退回 rejected, blank nothing), rebuilt from 报送记录; the units
    it listed before stay (a unit that owed an earlier round only, as a cooperating unit, keeps its line)."""
    marks: dict[tuple[str, str], str] = {}
    rounds: list[str] = []
    listed = [str(row[0]) for row in _body(old) if row and row[0] not in (None, "")] if old else []
    units: list[str] = list(dict.fromkeys([*listed, *owing]))
    for row in _body(register):
        round_name, unit, outcome = str(row[1]), str(row[2]), str(row[3])
        if outcome not in MATRIX_MARKS:
            continue
        round_name = next((r for r in rounds if same_round(r, round_name)), round_name)  # "2021年06月" is "2021年6月"
        rounds += [round_name] if round_name not in rounds else []
        units += [unit] if unit not in units else []
        if marks.get((unit, round_name)) != "√":
            marks[(unit, round_name)] = MATRIX_MARKS[outcome]
    rows = [[unit, *(marks.get((unit, rnd), "") for rnd in rounds)] for unit in units]
    return SheetData(MATRIX_SHEET, [["各单位各期报送情况（√ 已汇总，退回 有错误，空白 未报送）"], ["单位", *rounds], *rows])


MATRIX_LAYOUT = Layout({"单位": Col(20)}, freeze_col=1, autofilter=False)


CHART_UNITS = 30  # bars in the chart: more would not be read, and would not fit the page
LIST_LINES = 60  # lines of each list on the summary; the rest is counted
ONE_PAGE_ROWS = 80  # a summary this long still prints on one page; a longer one prints one page wide


def _capped(items: list[str], rest: str) -> list[str]:
    return items if len(items) <= LIST_LINES else [*items[:LIST_LINES], f"……另有{len(items) - LIST_LINES}{rest}"]


def _one_line(text: str, chars: int) -> str:
    """The start of a text, to fit one line of a list: "T37AFFB9F 出台《铜川市养老服务促进条例》…"."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _summary(plan: list[TaskResult], missing: list[str], w: MergeWrite, rejected: list[str] = ()
             ) -> tuple[SheetData, Layout]:
    """汇总统计: per lead unit the tasks by state and the completion rate, totals, a stacked bar chart by unit and
    state (a native Excel chart), and the overdue and missing lists; one A4 page."""
    counts: dict[str, dict[str, int]] = {}
    for result in plan:
        for unit, state in result.lead_states.items():
            counts.setdefault(unit, dict.fromkeys(STATUS_ORDER, 0))[state] += 1
    headers = ["牵头单位", *(w.labels[s] for s in STATUS_ORDER), "合计", "完成率"]
    table = []
    for unit, by_state in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(by_state.values())
        table.append([unit, *by_state.values(), total, by_state["done"] / total if total else 0])
    totals = [sum(result.status == s for result in plan) for s in STATUS_ORDER]  # tasks, as 任务清单 counts them
    grand = sum(totals)
    table.append(["合计", *totals, grand, totals[0] / grand if grand else 0])
    if any(len(result.lead_states) > 1 for result in plan):
        table.append([Plain("注：多个单位牵头的任务在每个牵头单位下各计一次；合计按任务计，取进展最慢的牵头单位的状态。"),
                      *[NOTHING] * (len(headers) - 1)])
    overdue = [t for t in plan if t.status == "overdue"]
    lists: list[object] = [*_capped([_one_line(f"{t.task_id} {w.contents.get(t.task_id, '')}", 26) for t in overdue],
                                    "项，在「任务清单」中按“当前状态”筛选可见全部"),
                           NOTHING, f"未报送单位（{len(missing)}个）", *_capped(missing, "个，见催办清单")]
    if rejected:
        lists += [NOTHING, f"退回待重报单位（{len(rejected)}个）", *_capped(rejected, "个，见催办清单")]
    list_col = len(headers) + 1
    rows = [[f"{w.round_name} 任务进展汇总（状态日期 {w.as_of.isoformat()}）"],
            [*headers, None, f"逾期未完成（{len(overdue)}项）"]]
    for i in range(max(len(table), len(lists))):
        row = table[i] if i < len(table) else [NOTHING] * len(headers)
        rows.append([*row, NOTHING, lists[i]] if i < len(lists) else list(row))
    columns = {"牵头单位": Col(18), "合计": Col(7, "number"), "完成率": Col(8, "percent"),
               **{w.labels[s]: Col(8, "number") for s in STATUS_ORDER}, rows[1][list_col]: Col(56)}
    units = min(len(counts), CHART_UNITS)  # the units with the most tasks come first

    def chart(book, ws, styles) -> None:
        if not units:
            return
        bars = book.add_chart({"type": "bar", "subtype": "stacked"})
        for c, status in enumerate(STATUS_ORDER, start=1):
            bars.add_series({"name": [SUMMARY_SHEET, HEADER_ROW - 1, c],
                             "categories": [SUMMARY_SHEET, HEADER_ROW, 0, HEADER_ROW + units - 1, 0],
                             "values": [SUMMARY_SHEET, HEADER_ROW, c, HEADER_ROW + units - 1, c],
                             "fill": {"color": "#" + w.colors[status]}, "border": {"color": "#808080"}, "gap": 60})
        title = "各牵头单位任务状态" + (f"（任务最多的{units}个单位）" if len(counts) > units else "")
        bars.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        bars.set_y_axis({"reverse": True, "num_font": {"name": "宋体", "size": 9}})
        bars.set_x_axis({"num_font": {"name": "宋体", "size": 9}})
        bars.set_legend({"position": "bottom", "font": {"name": "宋体", "size": 9}})
        bars.set_size({"width": 640, "height": 260 + 16 * units})
        ws.insert_chart(HEADER_ROW + len(table) + 1, 0, bars)

    header_colors = {w.labels[s]: w.colors[s] for s in STATUS_ORDER}
    return (SheetData(SUMMARY_SHEET, rows),
            Layout(columns, freeze_col=0, autofilter=False, one_page=len(lists) + len(table) <= ONE_PAGE_ROWS,
                   decorate=chart, header_colors=header_colors, total_label="合计", total_width=len(headers)))


@dataclass
class Shown:
    """The round the task sheet and 汇总统计 show when a merge is for an earlier one (a late return)."""
    round_name: str
    as_of: dt.date
    plan: list[TaskResult]
    reconciled: Reconciled


def update_master(book: list[SheetData], target: Path, plan: list[TaskResult], reconciled: Reconciled,
                  w: MergeWrite, macros: tuple[bytes, bytes | None] | None = None,
                  info: BookInfo | None = None, shown: Shown | None = None, beside: Path | None = None,
                  renamed: dict[str, str] | None = None) -> Archive | None:
    """Write the master as read (`book`, every sheet) with the merge, to `target` (a temporary file that
    write_atomically moves). The task sheet and 汇总统计 show `shown` (the latest round) when given, else this
    merge's round; 历次进展, 报送记录 and 报送情况 always take this merge (but a round already moved to an archive
    workbook is not written into 历次进展 again). With `beside` (the master's path), a 历次进展 grown too long
    moves its oldest rounds to a workbook beside it: returns that workbook, to be kept once the master is."""
    order = history_rounds(book)
    archived = archived_rounds(book)
    sheets = {sheet.name: sheet for sheet in book}
    shown = shown or Shown(w.round_name, w.as_of, plan, reconciled)
    if META_SHEET in sheets:
        meta = sheets[META_SHEET]
        meta.state = "veryHidden"  # LibreOffice saves it as merely hidden; it is ours to keep out of view
        _set_meta(meta, "shown_round", shown.round_name)
        _set_meta(meta, "shown_as_of", shown.as_of.isoformat())
    _update_tasks(sheets[TASK_SHEET], shown.plan, w.labels)
    archives = _meta_list(sheets.get(META_SHEET), ARCHIVES_KEY)
    moved = None
    old_history, old_register = sheets.get(HISTORY_SHEET), sheets.get(REGISTER_SHEET)
    if not any(same_round(name, w.round_name) for name in archived):
        sheets[HISTORY_SHEET] = _history(sheets.get(HISTORY_SHEET), plan, w, archives, order)
        moved = archive_history(sheets[HISTORY_SHEET], beside, w.round_name, w.colors) if beside else None
    if moved:
        archives.append(moved.path.name)
        sheets[HISTORY_SHEET].rows[0] = [_history_title(archives)]
        _set_meta(sheets[META_SHEET], ARCHIVES_KEY, "\n".join(archives))
        _set_meta(sheets[META_SHEET], ARCHIVED_ROUNDS_KEY, "\n".join(
            [*(f"{name}\t{archived[name]}" for name in archived), *(f"{name}\t{moved.path.name}" for name in moved.rounds)]))
    sheets[REGISTER_SHEET] = _register(sheets.get(REGISTER_SHEET), reconciled, w)
    for old, name in ((old_history, HISTORY_SHEET), (old_register, REGISTER_SHEET)):  # earlier rounds' rows, as
        if not moved or name != HISTORY_SHEET:                                        # they were written
            sheets[name].verbatim = unchanged_rows(old, sheets[name], HEADER_ROW)
    sheets[MATRIX_SHEET] = _matrix(sheets[REGISTER_SHEET], w.owing, sheets.get(MATRIX_SHEET))
    old_store, sheets[STORE_SHEET] = sheets.get(STORE_SHEET), SheetData(STORE_SHEET, w.store, "veryHidden")
    sheets[STORE_SHEET].verbatim = unchanged_rows(old_store, sheets[STORE_SHEET], 1)  # below its header
    summary, summary_layout = _summary(shown.plan, shown.reconciled.missing_units,
                                       dataclasses.replace(w, round_name=shown.round_name, as_of=shown.as_of),
                                       [u for u in w.owing if u in shown.reconciled.rejected_units])
    layouts = {TASK_SHEET: task_layout(w.labels), UNIT_SHEET: layout_of(UNIT_COLUMNS),
               ROSTER_SHEET: layout_of(ROSTER_COLUMNS), FINDING_SHEET: layout_of(FINDING_COLUMNS),
               HELP_SHEET: HELP_LAYOUT, HISTORY_SHEET: layout_of(HISTORY_COLUMNS),
               REGISTER_SHEET: layout_of(REGISTER_COLUMNS), MATRIX_SHEET: MATRIX_LAYOUT}
    ordered = [(summary, summary_layout)] + [(sheet, layouts.get(name)) for name, sheet in sheets.items()
                                             if name != SUMMARY_SHEET]
    for name, theirs in (renamed or {}).items():
        sheets[name].name = theirs
    info = info or BookInfo()
    try:
        write_book(target, ordered, w.colors, macros=macros, names=info.names, properties=info.properties)
    except BaseException:
        if moved:
            moved.drop()
        raise
    return moved


ARCHIVES_KEY = "history_archives"  # in _xltasks: the workbooks older 历次进展 rounds moved to, one a line
ARCHIVED_ROUNDS_KEY = "history_archived_rounds"  # and each round moved, "round<TAB>workbook", oldest first


def archived_rounds(book: list[SheetData]) -> dict[str, str]:
    """The rounds of 历次进展 moved to archive workbooks (oldest first), each with its workbook's name."""
    meta = next((s for s in book if s.name == META_SHEET), None)
    lines = (line.split("\t", 1) for line in _meta_list(meta, ARCHIVED_ROUNDS_KEY))
    return {parts[0]: parts[1] for parts in lines if len(parts) == 2}


def _set_meta(meta: SheetData, key: str, value: str) -> None:
    """A fact in _xltasks, in its row if it has one (the order of the rows stays: a re-run changes nothing)."""
    for row in meta.rows:
        if row and str(row[0]) == key:
            row[1:] = [value]
            return
    meta.rows.append([key, value])


def _meta_list(meta: SheetData | None, key: str) -> list[str]:
    for row in meta.rows if meta else []:
        if len(row) >= 2 and str(row[0]) == key and row[1]:
            return [line for line in str(row[1]).splitlines() if line.strip()]
    return []


def received_before(book: list[SheetData], round_name: str) -> set[str]:
    """The SHA-256 of every file 报送记录 lists for this round."""
    register = next((sheet for sheet in book if sheet.name == REGISTER_SHEET), None)
    return {str(row[8]) for row in _body(register) if len(row) > 8 and row[8] and same_round(str(row[1]), round_name)}


def _registered(book: list[SheetData], round_name: str, outcome: str) -> set[str]:
    """Units 报送记录 lists with `outcome` for this round."""
    register = next((sheet for sheet in book if sheet.name == REGISTER_SHEET), None)
    return {str(row[2]) for row in _body(register)
            if len(row) > 3 and str(row[3]) == OUTCOME_LABELS[outcome] and same_round(str(row[1]), round_name)}


def merged_before(book: list[SheetData], round_name: str) -> set[str]:
    """Units whose return for this round an earlier run merged (已汇总 in 报送记录)."""
    return _registered(book, round_name, "merged")


def earlier_rejected(book: list[SheetData], round_name: str) -> set[str]:
    """Units whose return for this round an earlier run sent back (退回 in 报送记录)."""
    return _registered(book, round_name, "rejected")


def last_contacts(book: list[SheetData]) -> dict[str, tuple[str, str]]:
    """unit -> (填报人, 联系电话) of its latest return in 报送记录, for the 催办 list."""
    register = next((sheet for sheet in book if sheet.name == REGISTER_SHEET), None)
    contacts: dict[str, tuple[str, str]] = {}
    for row in sorted(_body(register), key=lambda r: str(r[0])):
        if len(row) >= 11 and str(row[9] or "").strip():
            phone = row[10]
            phone = str(int(phone)) if isinstance(phone, float) and phone.is_integer() else str(phone or "")
            contacts[str(row[2])] = (str(row[9]).strip(), phone.strip())
    return contacts
