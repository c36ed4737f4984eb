"""Which returns a merge takes: one per unit and round, matched by metadata (never by file name)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xltasks.core.status import same_round
from xltasks.core.validation.model import ReturnReport

OUTCOMES = ("merged", "rejected", "superseded", "ignored")


@dataclass
class FileOutcome:
    report: ReturnReport
    outcome: str
    reason: str = ""                                  # Chinese, for the register and the console
    differs: list[str] = field(default_factory=list)  # superseded: task IDs whose answers differ from the winner's


@dataclass
class Reconciled:
    files: list[FileOutcome]
    chosen: dict[str, ReturnReport]   # unit -> the return merged for it
    rejected_units: set[str]          # units whose only returns had errors
    missing_units: list[str]          # units that owe a return and sent none
    kept_units: list[str] = field(default_factory=list)  # units whose return merged earlier this round still stands


def _order_key(report: ReturnReport, mtimes: dict[str, float], rank: int) -> tuple:
    """Later wins: the 填报日期 the clerk wrote, then when the file was issued, then (`rank`) new content before
    the return merged earlier before a file received before (a correction sent without a new date replaces the
    earlier return; an old file saved again does not), then the file's own time."""
    return (str(report.header.get("report_date") or ""), report.created, rank, mtimes.get(report.path, 0.0))


def _differences(a: ReturnReport, b: ReturnReport) -> list[str]:
    ids = []
    for role in ("lead", "coop"):
        rows_a, rows_b = a.rows.get(role, {}), b.rows.get(role, {})
        ids += [task_id for task_id in dict.fromkeys([*rows_a, *rows_b]) if rows_a.get(task_id) != rows_b.get(task_id)]
    return ids


def _same_return(a: ReturnReport, b: ReturnReport) -> bool:
    return (a.created, a.header.get("report_date"), a.rows) == (b.created, b.header.get("report_date"), b.rows)


def reconcile(reports: list[ReturnReport], round_name: str, owing: list[str],
              mtimes: dict[str, float] | None = None, earlier: dict[str, ReturnReport] | None = None,
              earlier_rejected: set[str] = frozenset(), known: set[str] = frozenset()) -> Reconciled:
    """Sort the files of a merge into merged / rejected / superseded / ignored, and list who has not reported.
    `owing` is the units expected to report this round, in the master's order. `earlier` holds, per unit, the
    return merged for this round by an earlier run (kept in the master): it stands unless a later one arrives, so
    merging only the files that came in today never drops those merged yesterday. `earlier_rejected`: units whose
    return for this round was sent back by an earlier run; they stay 报送有误 until a valid one arrives. `known`:
    the paths of this run whose content was already received this round (报送记录)."""
    mtimes = mtimes or {}
    earlier = earlier or {}
    outcomes: dict[str, FileOutcome] = {}
    valid_by_unit: dict[str, list[ReturnReport]] = {}
    sent: set[str] = set()
    for report in reports:
        skipped = next((f for f in report.findings if f.code == "file.skipped"), None)
        errors = [f for f in report.findings if f.severity == "error"]
        if skipped or (not report.unit and report.valid):  # a master, a backup, Excel's ~$ owner file: not a return
            outcomes[report.path] = FileOutcome(report, "ignored", skipped.message if skipped else "不是报送表，已跳过")
        elif [f.code for f in errors] == ["workbook.no-metadata"] and not any(report.rows.values()):
            # a workbook with neither our metadata nor our sheets: someone's address list, not a unit's return
            outcomes[report.path] = FileOutcome(report, "ignored", "不是本系统下发的报送表，未汇总")
        elif any(f.code == "workbook.unfilled" for f in report.findings):  # not sent: the unit is still chased
            outcomes[report.path] = FileOutcome(report, "ignored", "尚未填写（空白的下发表），该单位仍算未报送")
        elif report.unit and report.round and not same_round(report.round, round_name):
            outcomes[report.path] = FileOutcome(report, "ignored", f"这是“{report.round}”期的报送表，不是本期的")
        elif not report.valid:
            outcomes[report.path] = FileOutcome(report, "rejected", f"有{len(errors)}条错误，未汇总（如：{errors[0].message}）"
                                                                    "，用 xltasks validate 可查看全部")
            sent.add(report.unit)
        else:
            valid_by_unit.setdefault(report.unit, []).append(report)
            sent.add(report.unit)
    chosen: dict[str, ReturnReport] = {}
    kept: list[str] = []
    for unit in dict.fromkeys([*valid_by_unit, *earlier]):
        candidates = valid_by_unit.get(unit, [])
        stored = earlier.get(unit)
        if stored is not None and not any(_same_return(c, stored) for c in candidates):
            candidates = [*candidates, stored]  # the same return given again (from anywhere) is not a rival
        ordered = sorted(candidates, key=lambda r: _order_key(r, mtimes, 1 if r is stored else 0 if r.path in known
                                                               else 2), reverse=True)
        winner = chosen[unit] = ordered[0]
        if winner is stored:
            kept.append(unit)
            reason = f"本期此前已汇总了该单位更新的报送表：{stored.path}"
        else:
            outcomes[winner.path] = FileOutcome(winner, "merged")
            reason = f"同一单位有更新的报送表：{winner.path}"
        for other in ordered[1:]:
            if other is not stored:
                outcomes[other.path] = FileOutcome(other, "superseded", reason, _differences(other, winner))
    sent |= set(earlier) | set(earlier_rejected)
    rejected_units = ({o.report.unit for o in outcomes.values() if o.outcome == "rejected" and o.report.unit}
                      | set(earlier_rejected)) - set(chosen)
    return Reconciled([outcomes[r.path] for r in reports], chosen, rejected_units,
                      [unit for unit in owing if unit not in sent], kept)


def reminder_text(round_name: str, missing: list[str], contacts: dict[str, tuple[str, str]], due: str = "",
                  rejected: list[str] = (), corrections: list[str] = ()) -> str:
    """The 催办 message a coordinator pastes into a chat or SMS: who has not reported, whose return came back
    with errors, whose corrected return came back with errors (their earlier one still counts), and whom to ring."""
    notes = []
    if corrections:
        notes.append(f"以下{len(corrections)}个单位重新报送的表有错误，未采用（仍按此前报送的汇总），如需更正请按校验意见修改后再报：")
        notes += [f"{i}. {unit}" for i, unit in enumerate(corrections, start=1)]
    if not missing and not rejected:
        return "\n".join([f"{round_name}报送表已全部收到。", *notes])

    def who(unit: str) -> str:
        contact = contacts.get(unit)
        return f"（上次填报人：{contact[0]}，电话：{contact[1]}）" if contact else ""

    lines = [f"【催办】{round_name}任务进展报送表" + (f"，以下{len(missing)}个单位尚未报送，请尽快报送"
                                                   f"{('（截止' + due + '）') if due else ''}：" if missing else "：")]
    lines += [f"{i}. {unit}{who(unit)}" for i, unit in enumerate(missing, start=1)]
    if rejected:
        lines.append(f"以下{len(rejected)}个单位的报送表有错误已退回，请按校验意见修改后重新报送：")
        lines += [f"{i}. {unit}{who(unit)}" for i, unit in enumerate(rejected, start=1)]
    return "\n".join([*lines, *notes])
