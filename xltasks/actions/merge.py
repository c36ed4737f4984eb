"""merge: validate the returns, take one per unit, and write the round into the master (atomically)."""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xltasks.actions.import_table import sha256_of
from xltasks.actions.merge_store import renewed_store, store_lost, store_rows, stored_returns
from xltasks.actions.validate import expectation, validate
from xltasks.core.answers import earlier_returns, store_row
from xltasks.core.config import Config, parse_config
from xltasks.core.findings import SourceError, finding
from xltasks.core.merge_plan import TaskResult, plan_merge
from xltasks.core.reconcile import Reconciled, reconcile, reminder_text
from xltasks.core.returns import safe_name_part
from xltasks.core.status import round_before, round_end, same_round, status_date
from xltasks.core.validation.model import ReturnReport
from xltasks.core.validation.row_rules import ROWS_NOT_MERGED, no_longer_ours
from xltasks.files.master.history import Archive, archived_rounds, history_rounds, previous_texts
from xltasks.files.master.logs import MergeWrite
from xltasks.files.master.meta import shown_basis, shown_round
from xltasks.files.master.read import read_master_whole
from xltasks.files.master.register import earlier_rejected, last_contacts, received_before
from xltasks.files.master.update import Shown, adopt_renamed_logs, update_master
from xltasks.files.master.writer_lock import writes_master
from xltasks.files.xlsx.safe_write import FileSignature, Unchanged, write_atomically


@dataclass
class MergeResult:
    master: Path
    round: str
    as_of: dt.date
    plan: list[TaskResult]
    reconciled: Reconciled
    labels: dict[str, str]
    dry_run: bool
    backup: Path | None = None
    reminder: str = ""
    reminder_path: Path | None = None
    warnings: list = field(default_factory=list)  # the master's own findings (rows without a task ID, ...)
    written: bool = False
    reminder_error: str = ""
    shown_round: str = ""  # set when this merge was for an earlier round than the one the master shows
    unchanged: bool = False  # the master already held exactly this merge: not rewritten, no backup
    history_archive: str | None = None  # the workbook 历次进展's oldest rounds moved to, this merge
    as_of_basis: str = "given"  # why as_of is the date it is: a key of core.status.AS_OF_BASES

    @property
    def merged_any(self) -> bool:
        return any(f.outcome == "merged" for f in self.reconciled.files)

    def to_json(self) -> dict:
        """The --json output (schemas/merge-result.schema.json)."""
        return {
            "master": str(self.master), "round": self.round, "as_of": self.as_of.isoformat(),
            "as_of_basis": self.as_of_basis, "dry_run": self.dry_run,
            "backup": str(self.backup) if self.backup else None,
            "tasks": [{"task_id": t.task_id, "status": t.status, "label": self.labels[t.status],
                       "lead_states": t.lead_states, "reported_by": t.answers.get("reported_by") or "",
                       "flags": t.flags} for t in self.plan],
            "files": [{"path": f.report.path, "unit": f.report.unit, "outcome": f.outcome, "reason": f.reason,
                       "differs": f.differs} for f in self.reconciled.files],
            "missing_units": self.reconciled.missing_units,
            "kept_units": self.reconciled.kept_units,
            "shown_round": self.shown_round,
            "written": self.written,
            "unchanged": self.unchanged,
            "history_archive": str(self.master.with_name(self.history_archive)) if self.history_archive else None,
            "warnings": [f.to_dict() for f in self.warnings],
            "reminder": self.reminder,
            "reminder_file": str(self.reminder_path) if self.reminder_path else None,
        }


def _vba_parts(master: Path) -> tuple[bytes, bytes | None] | None:
    """The macros of an .xlsm master (its VBA project and signature), to be written back with it."""
    if master.suffix.lower() != ".xlsm":
        return None
    with zipfile.ZipFile(master) as zf:
        names = zf.NameToInfo
        if "xl/vbaProject.bin" not in names:
            return None
        signature = zf.read("xl/vbaProjectSignature.bin") if "xl/vbaProjectSignature.bin" in names else None
        return zf.read("xl/vbaProject.bin"), signature


def _cooperation_reported(reports: list[ReturnReport], stored: list, round_name: str) -> bool:
    """True when a return of this round carries cooperating tasks: the round was issued to cooperating units too,
    so those that only cooperate owe a return and are chased like the others."""
    this_round = [r for r in reports if r.round and same_round(r.round, round_name)]
    this_round += [report for name, report, _ in stored if same_round(name, round_name)]
    return any(report.rows.get("coop") for report in this_round)


def _for_this_round(outcome, round_name: str) -> bool:
    """A file that tells the master something: merged or superseded, or a return of this round sent back (a
    workbook with no unit or round of ours is not a return at all)."""
    report = outcome.report
    return outcome.outcome in ("merged", "superseded") or (
        outcome.outcome == "rejected" and bool(report.unit) and bool(report.round) and same_round(report.round, round_name))


def _owing(shares: dict, reports: list[ReturnReport], stored: list, round_name: str) -> list[str]:
    """The units that owe a return for the round: every lead unit, and the units that only cooperate when the
    round was issued to them too."""
    owing = [unit for unit, share in shares.items() if share.lead]
    if _cooperation_reported(reports, stored, round_name):
        owing += [unit for unit, share in shares.items() if share.coop and not share.lead]
    return owing


def _shown_round(sheets, round_name: str, book, shares, stored, config: Config, today: dt.date):
    """When the master already shows a later round than this merge's (a late return for last month), that round,
    planned again from its stored returns (and who owed it), so the task sheet and 汇总统计 stay on it; else
    None."""
    current = shown_round(sheets)
    order = history_rounds(sheets)
    if current is None and order:
        current = (order[-1], None)
    if current is None or same_round(current[0], round_name) or not round_before(round_name, current[0], order):
        return None
    name = current[0]
    as_of, basis = status_date(name, today, current[1])
    basis = shown_basis(sheets) or basis  # the basis it was shown with, kept beside the date
    reconciled = reconcile([], name, _owing(shares, [], stored, name), {}, earlier_returns(stored, name),
                           earlier_rejected(sheets, name) & set(shares))
    return Shown(name, as_of, plan_merge(book.tasks, shares, reconciled, as_of, config.warning_days,
                                         previous_texts(sheets, name)), reconciled, basis)


def _was_read(report: ReturnReport) -> bool:
    """Whether the file's content was read: not skipped by its name, not refused before or while reading."""
    return not any(f.code.startswith("source.") or f.code == "file.skipped" for f in report.findings)


class NothingToMerge(Exception):
    """No return file at all under the given paths: the command has nothing to work on."""


@writes_master()
def merge(master: Path, paths: list[Path], round_name: str, config: Config | None = None, *,
          as_of: dt.date | None = None, dry_run: bool = False, jobs: int | None = None,
          today: dt.date | None = None) -> MergeResult:
    """Validate every return, reconcile them by metadata (with the returns merged for this round before, kept in
    the master), plan each task's state as of `as_of` (default: the earlier of the last day of the period the
    round names and today; today for a round that names no period) and, unless `dry_run` or no file is for this
    round, write the master atomically."""
    config = config or parse_config(None)
    today = today or dt.date.today()
    master = Path(master)
    if master.suffix.lower() not in (".xlsx", ".xlsm"):
        kind = master.suffix.lower().lstrip(".") or "未知"
        raise SourceError(finding("master.format", path=str(master), detail=kind))
    # taken before reading: a master saved meanwhile is then never overwritten (one that cannot be opened is told
    # by read_master_whole, as before)
    read_as = FileSignature.of(master) if master.is_file() else None
    book, sheets, info = read_master_whole(master, config.aliases)
    if read_as is None:  # it appeared between the two checks: its signature now, the best there is
        read_as = FileSignature.of(master)
    renamed = adopt_renamed_logs(sheets)
    # A round the master knows under another spelling ("2021年06月" for "2021年6月") keeps the master's spelling.
    round_name = next((known for known in history_rounds(sheets) if same_round(known, round_name)), round_name)
    expect = expectation(book, config.groups)
    shares = expect.shares
    given_as_of = as_of is not None
    as_of, basis = status_date(round_name, today, as_of)
    checked = validate(list(paths), expect, round_name, jobs=jobs, today=today, as_of=as_of, besides=master)
    if not checked.files:
        raise NothingToMerge(", ".join(str(p) for p in paths))
    mtimes = {r.path: Path(r.path).stat().st_mtime for r in checked.files if Path(r.path).is_file()}
    stored, warnings = stored_returns(sheets, master, round_name, shares, book.aliases)
    warnings = book.findings + warnings
    archived = next((book_name for name, book_name in archived_rounds(sheets).items() if same_round(name, round_name)), "")
    if archived:  # a late return for a round long past: the archive workbook is not rewritten
        warnings.append(finding("merge.round-archived", path=str(master), round=round_name, detail=archived))
    if round_end(round_name) is None and not given_as_of:  # "第3期", "202206": no period to take the end of
        warnings.append(finding("merge.round-no-date", path=str(master), round=round_name, detail=as_of.isoformat()))
    for _, report, mtime in stored:
        mtimes.setdefault(report.path, mtime)
    # only files that were read: one refused unopened (60 GB, a pipe) or while reading would be read whole here
    sha = {r.path: sha256_of(Path(r.path)) for r in checked.files if _was_read(r) and Path(r.path).is_file()}
    seen = received_before(sheets, round_name)
    owing = _owing(shares, checked.files, stored, round_name)
    reconciled = reconcile(checked.files, round_name, owing, mtimes, earlier_returns(stored, round_name),
                           earlier_rejected(sheets, round_name) & set(shares),
                           known={path for path, digest in sha.items() if digest in seen})
    warnings += store_lost(sheets, master, round_name, stored, reconciled.chosen)
    warnings += [f for outcome in reconciled.files if outcome.outcome == "merged" for f in outcome.report.findings
                 if f.code in ROWS_NOT_MERGED]
    warnings += [finding("merge.stored-row-gone", path=report.path, task_id=task_id, detail=unit,
                         place="已删除" if gone[0] == "row.task-removed" else f"已改由{gone[1]}")
                 for unit in reconciled.kept_units for report in [reconciled.chosen[unit]]
                 for role, rows in report.rows.items() for task_id in rows
                 for gone in [no_longer_ours(task_id, role, unit, expect)] if gone]
    plan = plan_merge(book.tasks, shares, reconciled, as_of, config.warning_days, previous_texts(sheets, round_name))
    shown = _shown_round(sheets, round_name, book, shares, stored, config, today)
    result = MergeResult(master, round_name, as_of, plan, reconciled, config.status_labels, dry_run,
                         warnings=warnings, shown_round=shown.round_name if shown else "", as_of_basis=basis)
    result.reminder = reminder_text(round_name, reconciled.missing_units, last_contacts(sheets),
                                    rejected=[u for u in owing if u in reconciled.rejected_units],
                                    corrections=list(dict.fromkeys(  # a return merged before still stands
                                        f.report.unit for f in reconciled.files
                                        if f.outcome == "rejected" and f.report.unit in reconciled.kept_units)))
    if dry_run or not any(_for_this_round(f, round_name) for f in reconciled.files):
        return result  # nothing for this round (a stray workbook is no return): the master stays as it is
    leads = {t.task_id: "、".join(t.lead_units) for t in book.tasks}
    entries = [store_row(round_name, report, mtimes.get(report.path, 0.0)) for report in reconciled.chosen.values()]
    store = renewed_store(store_rows(sheets)[1:], round_name, entries, history_rounds(sheets))
    written = MergeWrite(round_name, as_of, config.status_labels, config.status_colors, sha, leads,
                         {t.task_id: t.content for t in book.tasks}, owing, store, basis)
    macros = _vba_parts(master)
    archive: list[Archive] = []
    try:
        def save(temp: Path) -> None:
            moved = update_master(sheets, temp, plan, reconciled, written, macros, info, shown, beside=master,
                                  renamed=renamed)
            archive[:] = [moved] if moved else []

        result.backup = write_atomically(master, save, replace=True, unless_same=True, expected=read_as)
        result.written = True
    except Unchanged:
        result.unchanged = True  # the same files again: the master already says all of it
    finally:
        for moved in archive:  # the archive goes beside the master only once the master no longer holds its rows
            moved.keep() if result.written else moved.drop()
            result.history_archive = moved.path.name if result.written else None
    reminder = master.with_name(f"{master.stem}-{safe_name_part(round_name)}-催办.txt")
    try:
        reminder.write_text(result.reminder + "\n", encoding="utf-8")
        result.reminder_path = reminder
    except OSError as exc:  # the master is written; a reminder file we cannot write must not read as a failure
        result.reminder_error = f"催办清单未能写入“{reminder}”（{exc.strerror or exc}），内容见上。"
    return result
