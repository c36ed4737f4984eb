"""Write a merge into the master: the task sheet's report columns and states, then the log sheets.

history.py, register.py and summary.py make 历次进展, 报送记录 and 报送情况, and 汇总统计.

The master is read whole (book_read: values, formulas, notes, column widths) and written again in one pass
(book_write); write_atomically moves the new file into place. Only the merge's columns (found by their header
labels) and the merge's own sheets change: the coordinator's own columns, rows, sheets, formulas and notes are
written back as they were read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.answers import STORE_SHEET
from xltasks.core.merge_plan import TaskResult
from xltasks.core.reconcile import Reconciled
from xltasks.core.status import same_round
from xltasks.files.master.history import (ARCHIVED_ROUNDS_KEY, ARCHIVES_KEY, HISTORY_COLUMNS, Archive,
                                          archive_history, archived_rounds, history_rounds, history_sheet,
                                          history_title)
from xltasks.files.master.layout import (FINDING_SHEET, HEADER_ROW, HELP_SHEET, HISTORY_SHEET, MATRIX_SHEET,
                                         META_SHEET, OUR_SHEETS, REGISTER_SHEET, ROSTER_SHEET, SUMMARY_SHEET,
                                         TASK_COLUMNS, TASK_SHEET, UNIT_SHEET)
from xltasks.files.master.logs import MergeWrite, as_date
from xltasks.files.master.meta import WRITTEN_KEY, meta_list, set_meta, shown_round, written_digest
from xltasks.files.master.read import BookInfo, header_columns
from xltasks.files.master.register import MATRIX_LAYOUT, REGISTER_COLUMNS, matrix_sheet, register_sheet
from xltasks.files.master.summary import summary_sheet
from xltasks.files.master.write import (FINDING_COLUMNS, HELP_LAYOUT, ROSTER_COLUMNS, UNIT_COLUMNS, layout_of,
                                        task_layout)
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.book_write import write_book
from xltasks.files.xlsx.verbatim import unchanged_rows


HEADERS = {key: header for key, header, _ in TASK_COLUMNS}
MERGE_KEYS = ("status", "progress", "progress_text", "problems", "next_steps", "done_date", "note", "coop_report",
              "reported_by", "reported_on", "state", "flags")
FLAG_LABELS = {"copied": "进展情况与上期相同", "ongoing-stale": "持续性任务，进展情况与上期相同"}
DATE_KEYS = {"done_date", "reported_on"}


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
            row[c] = as_date(values.get(key)) if key in DATE_KEYS else values.get(key)
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


@dataclass
class Shown:
    """The round the task sheet and 汇总统计 show when a merge is for an earlier one (a late return)."""
    round_name: str
    as_of: dt.date
    plan: list[TaskResult]
    reconciled: Reconciled
    as_of_basis: str = ""


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
    shown = shown or Shown(w.round_name, w.as_of, plan, reconciled, w.as_of_basis)
    if META_SHEET in sheets:
        meta = sheets[META_SHEET]
        meta.state = "veryHidden"  # LibreOffice saves it as merely hidden; it is ours to keep out of view
        set_meta(meta, "shown_round", shown.round_name)
        set_meta(meta, "shown_as_of", shown.as_of.isoformat())
        set_meta(meta, "shown_as_of_basis", shown.as_of_basis)
    _update_tasks(sheets[TASK_SHEET], shown.plan, w.labels)
    archives = meta_list(sheets.get(META_SHEET), ARCHIVES_KEY)
    moved = None
    old_history, old_register = sheets.get(HISTORY_SHEET), sheets.get(REGISTER_SHEET)
    if not any(same_round(name, w.round_name) for name in archived):
        sheets[HISTORY_SHEET] = history_sheet(sheets.get(HISTORY_SHEET), plan, w, archives, order)
        moved = archive_history(sheets[HISTORY_SHEET], beside, w.round_name, w.colors) if beside else None
    if moved:
        archives.append(moved.path.name)
        sheets[HISTORY_SHEET].rows[0] = [history_title(archives)]
        set_meta(sheets[META_SHEET], ARCHIVES_KEY, "\n".join(archives))
        set_meta(sheets[META_SHEET], ARCHIVED_ROUNDS_KEY, "\n".join(
            [*(f"{name}\t{archived[name]}" for name in archived), *(f"{name}\t{moved.path.name}" for name in moved.rounds)]))
    sheets[REGISTER_SHEET] = register_sheet(sheets.get(REGISTER_SHEET), reconciled, w)
    for old, name in ((old_history, HISTORY_SHEET), (old_register, REGISTER_SHEET)):  # earlier rounds' rows, as
        if not moved or name != HISTORY_SHEET:                                        # they were written
            sheets[name].verbatim = unchanged_rows(old, sheets[name], HEADER_ROW)
    sheets[MATRIX_SHEET] = matrix_sheet(sheets[REGISTER_SHEET], w.owing, sheets.get(MATRIX_SHEET))
    old_store, sheets[STORE_SHEET] = sheets.get(STORE_SHEET), SheetData(STORE_SHEET, w.store, "veryHidden")
    sheets[STORE_SHEET].verbatim = unchanged_rows(old_store, sheets[STORE_SHEET], 1)  # below its header
    summary, summary_layout = summary_sheet(shown.plan, shown.reconciled.missing_units,
                                            dataclasses.replace(w, round_name=shown.round_name, as_of=shown.as_of,
                                                                as_of_basis=shown.as_of_basis),
                                            [u for u in w.owing if u in shown.reconciled.rejected_units])
    layouts = {TASK_SHEET: task_layout(w.labels), UNIT_SHEET: layout_of(UNIT_COLUMNS),
               ROSTER_SHEET: layout_of(ROSTER_COLUMNS), FINDING_SHEET: layout_of(FINDING_COLUMNS),
               HELP_SHEET: HELP_LAYOUT, HISTORY_SHEET: layout_of(HISTORY_COLUMNS),
               REGISTER_SHEET: layout_of(REGISTER_COLUMNS), MATRIX_SHEET: MATRIX_LAYOUT}
    ordered = [(summary, summary_layout)] + [(sheet, layouts.get(name)) for name, sheet in sheets.items()
                                             if name != SUMMARY_SHEET]
    for name, theirs in (renamed or {}).items():
        sheets[name].name = theirs
    if META_SHEET in sheets:  # last, over every value written: a window opened before this write shows another
        set_meta(sheets[META_SHEET], WRITTEN_KEY, written_digest([sheet for sheet, _ in ordered]))
    info = info or BookInfo()
    try:
        write_book(target, ordered, w.colors, macros=macros, names=info.names, properties=info.properties)
    except BaseException:
        if moved:
            moved.drop()
        raise
    return moved
