"""报送记录 (every file a merge received) and 报送情况 (units × rounds), written and read back.

Later merges read from 报送记录 the files and units already received, merged or sent back, and each unit's contact for
the 催办 list.
"""

from __future__ import annotations

import datetime as dt

from xltasks.core.reconcile import Reconciled
from xltasks.core.status import round_before, same_round
from xltasks.files.master.layout import MATRIX_SHEET, REGISTER_SHEET
from xltasks.files.master.logs import MergeWrite, body_rows, rebuild
from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.table_styles import Col, Layout


REGISTER_COLUMNS = [("received", "汇总时间", 17), ("round", "期次", 12), ("unit", "单位", 16), ("outcome", "处理结果", 9),
                    ("errors", "错误", 6), ("warnings", "提示", 6), ("reason", "说明", 30), ("path", "文件", 40),
                    ("sha256", "SHA-256", 20), ("reporter", "填报人", 10), ("phone", "联系电话", 14)]
OUTCOME_LABELS = {"merged": "已汇总", "rejected": "退回", "superseded": "被替代", "ignored": "未汇总"}
MATRIX_MARKS = {"已汇总": "√", "退回": "退回"}


def register_sheet(sheet: SheetData | None, reconciled: Reconciled, w: MergeWrite) -> SheetData:
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
    before = {key(row): row for row in body_rows(sheet)}
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
    order = list(dict.fromkeys(str(row[1]) for row in body_rows(sheet)))
    return rebuild(sheet, REGISTER_SHEET, "报送记录（收到的每一个文件）", REGISTER_COLUMNS,
                   lambda row: key(row) not in this_run, key, new,
                   in_place=lambda row: round_before(w.round_name, str(row[1]), order))


def matrix_sheet(register: SheetData, owing: list[str], old: SheetData | None = None) -> SheetData:
    """Units × rounds: who reported when (√ merged, 退回 rejected, blank nothing), rebuilt from 报送记录; the units
    it listed before stay (a unit that owed an earlier round only, as a cooperating unit, keeps its line)."""
    marks: dict[tuple[str, str], str] = {}
    rounds: list[str] = []
    listed = [str(row[0]) for row in body_rows(old) if row and row[0] not in (None, "")] if old else []
    units: list[str] = list(dict.fromkeys([*listed, *owing]))
    for row in body_rows(register):
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


def received_before(book: list[SheetData], round_name: str) -> set[str]:
    """The SHA-256 of every file 报送记录 lists for this round."""
    register = next((sheet for sheet in book if sheet.name == REGISTER_SHEET), None)
    return {str(row[8]) for row in body_rows(register) if len(row) > 8 and row[8] and same_round(str(row[1]), round_name)}


def _registered(book: list[SheetData], round_name: str, outcome: str) -> set[str]:
    """Units 报送记录 lists with `outcome` for this round."""
    register = next((sheet for sheet in book if sheet.name == REGISTER_SHEET), None)
    return {str(row[2]) for row in body_rows(register)
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
    for row in sorted(body_rows(register), key=lambda r: str(r[0])):
        if len(row) >= 11 and str(row[9] or "").strip():
            phone = row[10]
            phone = str(int(phone)) if isinstance(phone, float) and phone.is_integer() else str(phone or "")
            contacts[str(row[2])] = (str(row[9]).strip(), phone.strip())
    return contacts
