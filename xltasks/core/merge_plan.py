"""What a merge writes for each task: the reported answers, attributed, and the state as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xltasks.core.assignment import Assignment, MasterTask
from xltasks.core.reconcile import Reconciled
from xltasks.core.status import ADVANCEMENT, least_advanced, task_state
from xltasks.core.units import NONE_MARKERS

TEXT_FIELDS = ("progress_text", "problems", "next_steps", "note")


@dataclass
class TaskResult:
    """One task after the merge. `answers` are the master's input columns by key; `flags` say what to look at."""

    task_id: str
    status: str
    lead_states: dict[str, str]
    answers: dict[str, object] = field(default_factory=dict)
    coop_text: str = ""
    flags: list[str] = field(default_factory=list)


def _joined(rows: dict[str, dict], key: str, several: bool) -> str:
    """The text of a task's only lead as it is; on a task with several leads each text after its unit's name,
    "【区民政局】……", even when only one of them has reported yet."""
    texts = [(unit, str(row[key]).strip()) for unit, row in rows.items() if row.get(key) not in (None, "")]
    if not several:
        return texts[0][1] if texts else ""
    return "\n".join(f"【{unit}】{text}" for unit, text in texts)


def plan_task(task: MasterTask, leads: list[str], coops: list[str], reconciled: Reconciled, as_of: dt.date,
              warning_days: int, previous_text: str | None = None) -> TaskResult:
    """The task's state (its least advanced lead's) and the answers to write. `previous_text` is the 进展情况 the
    master held from the last round, to flag a text copied unchanged."""
    rows: dict[str, dict] = {}
    states: dict[str, str] = {}
    dates: list[str] = []
    for unit in leads:
        report = reconciled.chosen.get(unit)
        row = report.rows.get("lead", {}).get(task.task_id) if report else None
        if row is not None:
            rows[unit] = row
            states[unit] = task_state(row.get("status"), task.due, as_of, warning_days)
            dates.append(str(report.header.get("report_date") or ""))
        else:
            states[unit] = "rejected" if unit in reconciled.rejected_units else "not_reported"
    status = least_advanced(list(states.values()))
    result = TaskResult(task.task_id, status, states)
    if rows:
        slowest = min(rows, key=lambda u: (ADVANCEMENT.index(states[u]), rows[u].get("progress") or 0))
        result.answers = {"status": rows[slowest].get("status"), "progress": rows[slowest].get("progress"),
                          "done_date": rows[slowest].get("done_date") if status == "done" else None,
                          "reported_by": "、".join(rows), "reported_on": max(dates) if dates else None,
                          **{key: _joined(rows, key, len(leads) > 1) or None for key in TEXT_FIELDS}}
        text = result.answers.get("progress_text")
        if previous_text and text and text.strip() == previous_text.strip():
            result.flags.append("ongoing-stale" if task.due is None else "copied")
    contributions = {}
    for unit in coops:
        report = reconciled.chosen.get(unit)
        row = report.rows.get("coop", {}).get(task.task_id) if report else None
        if row and str(row.get("coop_text") or "").strip() not in NONE_MARKERS | {""}:  # "无": nothing this round
            contributions[unit] = row
    if contributions:
        result.coop_text = "\n".join(f"【{unit}】{str(row['coop_text']).strip()}" for unit, row in contributions.items())
    return result


def plan_merge(tasks: list[MasterTask], shares: dict[str, Assignment], reconciled: Reconciled, as_of: dt.date,
               warning_days: int, previous: dict[str, str] | None = None) -> list[TaskResult]:
    """Every task of the master, in order, with who leads and cooperates on it taken from the shares."""
    leads: dict[str, list[str]] = {}
    coops: dict[str, list[str]] = {}
    for unit, share in shares.items():
        for task in share.lead:
            leads.setdefault(task.task_id, []).append(unit)
        for task in share.coop:
            coops.setdefault(task.task_id, []).append(unit)
    previous = previous or {}
    return [plan_task(task, leads.get(task.task_id, []), coops.get(task.task_id, []), reconciled, as_of,
                      warning_days, previous.get(task.task_id)) for task in tasks]
