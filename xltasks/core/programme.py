"""From the tables and text of a published document to a programme: tasks with IDs, units, roster, findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xltasks.core.config import Config
from xltasks.core.findings import Finding, SourceError, finding
from xltasks.core.grid import Grid
from xltasks.core.header import Header, find_header
from xltasks.core.roster import Member, parse_roster
from xltasks.core.table import TableRead, read_tasks
from xltasks.core.tasks import Task, assign_ids, content_key
from xltasks.core.units import is_group, near_duplicates


@dataclass
class Unit:
    """A unit named in the table (or on the roster): its canonical name, the aliases met, its group, its tasks."""

    name: str
    is_group: bool = False
    aliases: list[str] = field(default_factory=list)
    members: tuple[str, ...] = ()
    lead_tasks: int = 0
    coop_tasks: int = 0
    roster: list[Member] = field(default_factory=list)


@dataclass
class Programme:
    """Everything import learned from one source."""

    title: str
    tasks: list[Task]
    units: list[Unit]
    findings: list[Finding]
    sections: list[str]
    numbered_tasks: int
    office: str = ""
    roster: list[Member] = field(default_factory=list)
    table_sheet: str = ""

    @property
    def lead_units(self) -> list[str]:
        """Every lead unit once, in the order the table first names it."""
        return list(dict.fromkeys(u for task in self.tasks for u in task.lead_units))


_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")


def _title(lines: list[str]) -> str:
    """The table's title: the last line above it that is not "附件3" and reads like a title."""
    for line in reversed(lines):
        line = line.strip()
        if len(line) >= 6 and not _ATTACHMENT.match(line) and not line.startswith(("组", "成", "副", "注")):
            return line
    return ""


def _find_tables(grids: list[Grid], config: Config, path: str) -> list[tuple[Grid, Header]]:
    found = [(grid, header) for grid in grids if (header := find_header(grid, config.headers))]
    if not found:
        names = "、".join(f"“{g.name}”" for g in grids) or "（无）"
        raise SourceError(finding("source.no-table", path=path, detail=(
            f"查看了{names}，没有一行同时含有“任务内容/工作任务/具体任务”和“牵头单位/责任单位”等表头。"
            "请确认文件是任务分解表，或在配置文件[headers]中补充表头名称。")))
    # A Word document often continues one table in several: keep every table whose header matches the first.
    first = found[0][1]
    return [(g, h) for g, h in found if set(h.columns) == set(first.columns)]


def _canonical(tasks: list[Task], config: Config, path: str, findings: list[Finding]) -> dict[str, list[str]]:
    aliases_met: dict[str, list[str]] = {}
    for task in tasks:
        for names, field_name in ((task.lead_units, "牵头单位"), (task.coop_units, "配合单位")):
            for i, name in enumerate(names):
                canonical = config.canonical(name)
                if canonical != name:
                    names[i] = canonical
                    aliases_met.setdefault(canonical, [])
                    if name not in aliases_met[canonical]:
                        aliases_met[canonical].append(name)
                        findings.append(finding("import.unit-alias", path=path, sheet=task.sheet, cell=task.cell,
                                                task_id=task.task_id, field=field_name, detail=f"{name}→{canonical}"))
    return aliases_met


def _review_tasks(tasks: list[Task], config: Config, path: str) -> list[Finding]:
    """Findings about units and repeats that need the whole table: lead in its own coop list, unknown names, twins."""
    out: list[Finding] = []
    # Only an office that lists its units can be told a name is unknown; each unknown name is reported once.
    known = set(config.known_units) | set(config.aliases.values()) | set(config.groups) if config.known_units else set()
    first_seen: dict[str, Task] = {}
    for task in tasks:
        where = dict(path=path, sheet=task.sheet, cell=task.cell, task_id=task.task_id)
        for name in task.lead_units:
            if name in task.coop_units:
                out.append(finding("import.lead-in-coop", field="配合单位", detail=name, **where))
        if len(task.lead_units) > 1:
            out.append(finding("import.multiple-leads", field="牵头单位", detail=str(len(task.lead_units)), **where))
        for name in task.lead_units + task.coop_units:
            if known and name not in known and not is_group(name, config.groups):
                out.append(finding("import.unit-unknown", field="单位", detail=name, **where))
                known.add(name)
        key = content_key(task.content)
        if key in first_seen:
            out.append(finding("import.duplicate-task", field="任务内容", detail=first_seen[key].source, **where))
        first_seen.setdefault(key, task)
    return out


def _units(tasks: list[Task], config: Config, aliases_met: dict[str, list[str]],
           roster: list[Member]) -> list[Unit]:
    units: dict[str, Unit] = {}

    def unit(name: str) -> Unit:
        if name not in units:
            units[name] = Unit(name, is_group(name, config.groups), aliases_met.get(name, []),
                               config.groups.get(name, ()))
        return units[name]

    for task in tasks:
        for name in task.lead_units:
            unit(name).lead_tasks += 1
        for name in task.coop_units:
            unit(name).coop_tasks += 1
    for member in roster:
        if member.unit:
            unit(member.unit).roster.append(member)
    return list(units.values())


def build_programme(grids: list[Grid], config: Config, path: str, free_text: list[str] = ()) -> Programme:
    """The programme in a document's tables; raises SourceError when there is no task table or no task in it."""
    tables = _find_tables(grids, config, path)
    reads: list[TableRead] = [read_tasks(grid, header, path) for grid, header in tables]
    tasks = [task for read in reads for task in read.tasks]
    if not tasks:
        grid, header = tables[0]
        raise SourceError(finding("source.no-tasks", path=path, sheet=grid.name, cell=f"第{header.first_row}行"))
    assign_ids(tasks)
    findings: list[Finding] = [f for read in reads for f in read.findings]
    by_cell = {(t.sheet, t.cell): t.task_id for t in tasks}
    findings = [f if f.task_id or (f.sheet, f.cell) not in by_cell else
                Finding(f.code, f.severity, f.path, f.sheet, f.cell, by_cell[(f.sheet, f.cell)], f.field, f.message)
                for f in findings]
    aliases_met = _canonical(tasks, config, path, findings)
    findings += _review_tasks(tasks, config, path)

    # The roster is free text: Word paragraphs, or the lines of sheets that hold no table.
    text_lines = list(free_text) or [line for grid, _ in tables for line in grid.text_before]
    text_lines += [line for grid in grids if all(grid is not g for g, _ in tables) for line in grid.lines()]
    names = sorted({n for t in tasks for n in t.lead_units + t.coop_units})
    roster, office = parse_roster(text_lines, names)
    units = _units(tasks, config, aliases_met, roster)
    for member in roster:
        if not member.unit and member.role == "成员":
            findings.append(finding("import.roster-unmatched", path=path, detail=f"{member.name} {member.post}"))
    for short, long in near_duplicates(u.name for u in units if not u.is_group):
        findings.append(finding("import.unit-near-duplicate", path=path, field="单位", detail=f"{short}”与“{long}"))
    for unit in units:
        if unit.is_group and not unit.members:
            findings.append(finding("import.unit-group", path=path, field="单位", detail=unit.name))

    first_grid, first_header = tables[0]
    title_lines = list(free_text) + first_grid.text_before + \
        [c.text for row in first_grid.rows[: first_header.first_row - 1] for c in row if c.text and c.anchor is None]
    return Programme(
        title=_title(title_lines), tasks=tasks, units=units, findings=findings,
        sections=[s for read in reads for s in read.sections],
        numbered_tasks=sum(read.numbered for read in reads), office=office, roster=roster,
        table_sheet=first_grid.name,
    )

