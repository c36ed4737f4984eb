"""Read the rows under a header into tasks: sections, numbered tasks over several rows, merged and blank cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xltasks.core.deadlines import Deadline, looks_like_deadline, parse_deadline
from xltasks.core.findings import Finding, finding
from xltasks.core.grid import Cell, Grid
from xltasks.core.header import Header, is_repeated_header
from xltasks.core.tasks import Task
from xltasks.core.units import looks_like_unit_list, rejoin_lines, split_units

SECTION = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|第[一二三四五六七八九十百]+(?:部分|章|节|项)|[（(][一二三四五六七八九十]+[)）])")


@dataclass
class TableRead:
    """The tasks read from one table and what was noticed on the way."""

    tasks: list[Task] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    numbered: int = 0


@dataclass
class _State:
    """What rows below inherit from rows above."""

    section: str = ""
    group_lead: str = ""
    number: str = ""
    numbered_key: tuple = ()
    title: str = ""
    deadline: object = None
    lead_text: str = ""
    last: Task | None = None
    content_anchor: tuple[int, int] | None = None


def _number_text(cell: Cell) -> str:
    return cell.text.rstrip(".、．") if cell.text else ""


def _is_section(cells: list[Cell], header: Header) -> str:
    """The section title if this row is a section row ("一、…" across the table), else ""."""
    texts = {c.text for c in cells if c.text}
    if len(texts) != 1:
        return ""
    text = texts.pop()
    spread = sum(1 for c in cells if c.text)
    if SECTION.match(text) or spread >= max(2, len(header.columns) // 2):
        return rejoin_lines(text)
    return ""


def _stray_tail(content: str) -> tuple[str, list[str]]:
    """Split trailing lines that read as a deadline or a unit list off a content cell (they leaked from elsewhere)."""
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    stray: list[str] = []
    while len(lines) > 1 and (looks_like_deadline(lines[-1]) or looks_like_unit_list(lines[-1])):
        stray.insert(0, lines.pop())
    return "\n".join(lines), stray


class _Reader:
    def __init__(self, grid: Grid, header: Header, path: str):
        self.grid, self.header, self.path = grid, header, path
        self.state = _State()
        self.out = TableRead()

    def cell(self, cells: list[Cell], name: str) -> Cell | None:
        col = self.header.columns.get(name)
        return cells[col - 1] if col and col <= len(cells) else None

    def text(self, cells: list[Cell], name: str) -> str:
        cell = self.cell(cells, name)
        return cell.text if cell else ""

    def warn(self, code: str, cell: Cell | None, field: str | None = None, detail: str = "") -> None:
        self.out.findings.append(finding(code, path=self.path, sheet=self.grid.name,
                                         cell=cell.ref if cell else None, field=field, detail=detail))

    def read(self) -> TableRead:
        for cells in self.grid.rows[self.header.last_row:]:
            self.row(cells)
        return self.out

    def row(self, cells: list[Cell]) -> None:
        if not any(c.text for c in cells) or is_repeated_header(cells, self.header):
            return
        section = _is_section(cells, self.header)
        if section:
            self.state.section = section
            self.state.numbered_key = ()
            self.out.sections.append(section)
            return
        content_cell = self.cell(cells, "content")
        if content_cell is None or not content_cell.text:
            if self.text(cells, "lead") or self.text(cells, "number"):
                self.warn("import.content-missing", content_cell or cells[0], "任务内容")
            return
        if content_cell.merged_from_above and content_cell.anchor == self.state.content_anchor and self.state.last:
            self.extra_lead(cells)  # one task merged over rows that each name another lead unit
            return
        self.task(cells, content_cell)

    def extra_lead(self, cells: list[Cell]) -> None:
        task = self.state.last
        for name in split_units(self.text(cells, "lead")):
            if name not in task.lead_units:
                task.lead_units.append(name)
        for name in split_units(self.text(cells, "coop")):
            if name not in task.coop_units:
                task.coop_units.append(name)

    def numbered(self, cells: list[Cell], lead_text: str) -> tuple[str, bool]:
        """This row's number, and whether it continues the numbered task above (merged, blank or repeated)."""
        state = self.state
        number_cell = self.cell(cells, "number")
        number = _number_text(number_cell) if number_cell else ""
        group = lead_text if self.header.layout == "grouped" else ""
        same_group = bool(state.numbered_key) and state.numbered_key[:2] == (state.section, group)
        continues = same_group and (not number or (number_cell and number_cell.merged_from_above)
                                    or number == state.number)
        if "number" not in self.header.columns:
            continues = False
        if continues:
            return state.number, True
        state.number = number
        state.numbered_key = (state.section, group, number)
        self.out.numbered += 1
        return number, False

    def lead(self, cells: list[Cell]) -> str:
        cell = self.cell(cells, "lead")
        text = cell.text if cell else ""
        if text:
            return text
        if self.header.layout == "grouped" and self.state.lead_text:
            return self.state.lead_text  # blank because the lead was merged down its tasks
        return ""

    def task(self, cells: list[Cell], content_cell: Cell) -> None:
        state = self.state
        lead_text = self.lead(cells)
        number, continues = self.numbered(cells, lead_text)
        if not lead_text and continues and state.lead_text:
            lead_text = state.lead_text
        title = rejoin_lines(self.text(cells, "title"))
        if not title and continues:
            title = state.title
        content, stray = _stray_tail(content_cell.text)
        if stray:
            self.warn("import.stray-text", content_cell, "任务内容", " / ".join(stray))
        deadline, inherited = self.deadline(cells, continues)
        sub = state.last.sub + 1 if continues and state.last else 1
        task = Task(
            section=state.section, number=number, sub=sub, title=title, content=content_cell.text,
            lead_units=split_units(lead_text), coop_units=split_units(self.text(cells, "coop")),
            deadline=deadline, sheet=self.grid.name, cell=content_cell.ref, deadline_inherited=inherited,
            remarks=self.text(cells, "remarks"),
        )
        if not task.lead_units:
            self.warn("import.lead-missing", self.cell(cells, "lead") or content_cell, "牵头单位")
        if deadline.kind == "unparsed":
            self.warn("import.deadline-unparsed", self.cell(cells, "deadline"), "完成时限", deadline.text)
        self.out.tasks.append(task)
        state.last, state.title, state.lead_text = task, title, lead_text
        state.content_anchor = content_cell.anchor or (content_cell.row, content_cell.col)

    def deadline(self, cells: list[Cell], continues: bool) -> tuple[Deadline, bool]:
        cell = self.cell(cells, "deadline")
        if "deadline" not in self.header.columns:
            return parse_deadline(None), False
        value = cell.value if cell else None
        if value is not None and str(value).strip():
            self.state.deadline = value
            return parse_deadline(value), bool(cell.merged_from_above)
        if continues and self.state.deadline is not None:
            return parse_deadline(self.state.deadline), True
        self.warn("import.deadline-missing", cell, "完成时限")
        self.state.deadline = None
        return parse_deadline(None), False


def read_tasks(grid: Grid, header: Header, path: str) -> TableRead:
    """Every task under the header, in table order, with the findings met on the way."""
    return _Reader(grid, header, path).read()
