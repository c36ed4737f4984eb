"""Which unit reports on which task in a round: groups expanded to their members, leads and cooperators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xltasks.core.findings import Finding, finding
from xltasks.core.units import is_group

MASTER_TASK_SHEET = "任务清单"


@dataclass(frozen=True)
class MasterTask:
    """A task as the master holds it now (the coordinator may have edited units or deadlines since import)."""

    task_id: str
    section: str
    number: str
    title: str
    content: str
    lead_units: tuple[str, ...]
    coop_units: tuple[str, ...]
    deadline_text: str
    due: dt.date | None
    row: int
    lead_cell: str = ""   # where the master holds this task's lead and cooperating units (A1), for findings
    coop_cell: str = ""


@dataclass
class Assignment:
    """One unit's share of a round: the tasks it leads and, when cooperators report too, those it cooperates on."""

    unit: str
    lead: list[MasterTask] = field(default_factory=list)
    coop: list[MasterTask] = field(default_factory=list)
    via_group: dict[str, str] = field(default_factory=dict)


def expand(name: str, groups: dict[str, tuple[str, ...]], seen: frozenset[str] = frozenset()) -> list[str]:
    """The units a name stands for: a group's members, groups within groups expanded; else the name itself."""
    if name in seen or not groups.get(name):
        return [name]
    members = [m for member in groups[name] for m in expand(member, groups, seen | {name})]
    return list(dict.fromkeys(members))


def resolve(name: str, groups: dict[str, tuple[str, ...]]) -> tuple[list[str], str | None]:
    """The units a name stands for and, when it is a group with members, the group's name."""
    return (expand(name, groups), name) if groups.get(name) else ([name], None)


def assign(tasks: list[MasterTask], groups: dict[str, tuple[str, ...]], *, with_coop: bool,
           path: str = "") -> tuple[list[Assignment], list[Finding]]:
    """Every task to each of its lead units (a group's members each get it), and with `with_coop` to each
    cooperating unit that does not also lead it. Units come in the order they first lead (or cooperate on) a task.
    A leading group without members stays one recipient, with a warning: its file must be forwarded by hand.
    A cooperating group without members ("市级有关部门") names nobody to send to: it is skipped, with a warning."""
    by_unit: dict[str, Assignment] = {}
    findings: list[Finding] = []
    warned: set[tuple[str, str]] = set()

    def share(name: str) -> Assignment:
        return by_unit.setdefault(name, Assignment(name))

    def units_of(names: tuple[str, ...], task: MasterTask, coop: bool) -> list[tuple[str, str | None]]:
        out = []
        for name in names:
            members, group = resolve(name, groups)
            if group is None and is_group(name):
                code = "split.coop-group-skipped" if coop else "split.group-no-members"
                if (code, name) not in warned:
                    warned.add((code, name))
                    findings.append(finding(code, path=path, sheet=MASTER_TASK_SHEET,
                                            cell=task.coop_cell if coop else task.lead_cell, task_id=task.task_id,
                                            field="配合单位" if coop else "牵头单位", detail=name))
                if coop:
                    continue
            out += [(m, group) for m in members if all(m != u for u, _ in out)]
        return out

    for task in tasks:
        leads = units_of(task.lead_units, task, coop=False)
        if not leads:
            findings.append(finding("split.no-lead", path=path, sheet=MASTER_TASK_SHEET, cell=task.lead_cell,
                                    task_id=task.task_id, field="牵头单位"))
        for unit, group in leads:
            share(unit).lead.append(task)
            if group:
                share(unit).via_group[task.task_id] = group
    if with_coop:
        for task in tasks:
            leading = {u for u, _ in units_of(task.lead_units, task, coop=False)}
            for unit, group in units_of(task.coop_units, task, coop=True):
                if unit not in leading:
                    share(unit).coop.append(task)
                    if group:
                        share(unit).via_group.setdefault(task.task_id, group)
    return list(by_unit.values()), findings

