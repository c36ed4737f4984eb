"""历次进展: one row per task each round, and the archive workbooks its oldest rounds move to.

Also the rounds it holds and each task's text the round before (to flag a copied one). Past HISTORY_MAX_ROWS its
oldest whole rounds move to a workbook beside the master.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.merge_plan import TaskResult
from xltasks.core.returns import safe_name_part
from xltasks.core.status import round_before, same_round
from xltasks.files.master.layout import HEADER_ROW, HISTORY_SHEET, META_SHEET
from xltasks.files.master.logs import MergeWrite, as_date, body_rows, rebuild
from xltasks.files.master.meta import meta_list
from xltasks.files.master.write import layout_of
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.book_write import write_book
from xltasks.files.xlsx.temp_files import temp_name


HISTORY_COLUMNS = [("round", "期次", 12), ("task_id", "任务编号", 11), ("lead_units", "牵头单位", 16),
                   ("state", "当前状态", 10), ("status", "进展状态", 8), ("progress", "完成进度(%)", 8),
                   ("progress_text", "进展情况", 40), ("problems", "存在问题", 24), ("reported_by", "报送单位", 14),
                   ("reported_on", "报送日期", 11), ("as_of", "状态日期", 11)]


def history_rounds(book: list[SheetData]) -> list[str]:
    """The rounds in 历次进展, in the order they appear (the order they were first merged in), after those moved
    to archive workbooks."""
    sheet = next((s for s in book if s.name == HISTORY_SHEET), None)
    rounds: list[str] = []
    for name in [*archived_rounds(book), *(str(row[0]) for row in body_rows(sheet))]:
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
    return {str(row[1]): str(row[6]) for row in body_rows(sheet)
            if len(row) > 6 and same_round(str(row[0]), previous) and row[6] not in (None, "")}


def history_sheet(sheet: SheetData | None, plan: list[TaskResult], w: MergeWrite, archives: list[str],
                  order: list[str]) -> SheetData:
    new = [[w.round_name, result.task_id, w.lead_units.get(result.task_id, ""), w.labels[result.status],
            result.answers.get("status"), result.answers.get("progress"), result.answers.get("progress_text"),
            result.answers.get("problems"), result.answers.get("reported_by"),
            as_date(result.answers.get("reported_on")), w.as_of] for result in plan]
    return rebuild(sheet, HISTORY_SHEET, history_title(archives), HISTORY_COLUMNS,
                   lambda row: not same_round(str(row[0]), w.round_name),  # this round's rows are replaced ...
                   lambda row: ("round", str(row[0]), str(row[1])) if not same_round(str(row[0]), w.round_name)
                   else ("this", str(row[1])), new,
                   in_place=lambda row: round_before(w.round_name, str(row[0]), order))  # ... in round order


HISTORY_MAX_ROWS = 400_000  # 历次进展 rows the master keeps (11 columns: well within the 5 million cells a sheet
#                             may have to be read back, and Excel's 1,048,576 rows); older rounds move to an archive
HISTORY_TITLE = "历次进展（每期每项任务一行）"


def history_title(archives: list[str]) -> str:
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
    temp = path.with_name(temp_name(path.suffix))  # a name find_returns skips, and a later run can clear
    write_book(temp, [(archive, layout_of(HISTORY_COLUMNS))], colors)
    sheet.rows = sheet.rows[:HEADER_ROW] + [sheet.rows[r] for r in old["kept"]]
    sheet.comments = kept_comments
    return Archive(path, temp, [name for name in counts if name in moving])


ARCHIVES_KEY = "history_archives"  # in _xltasks: the workbooks older 历次进展 rounds moved to, one a line
ARCHIVED_ROUNDS_KEY = "history_archived_rounds"  # and each round moved, "round<TAB>workbook", oldest first


def archived_rounds(book: list[SheetData]) -> dict[str, str]:
    """The rounds of 历次进展 moved to archive workbooks (oldest first), each with its workbook's name."""
    meta = next((s for s in book if s.name == META_SHEET), None)
    lines = (line.split("\t", 1) for line in meta_list(meta, ARCHIVED_ROUNDS_KEY))
    return {parts[0]: parts[1] for parts in lines if len(parts) == 2}
