"""What a check reads and gives: a return as plain values, what the master expects, one file's findings and rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xltasks.core.assignment import Assignment, MasterTask
from xltasks.core.findings import Finding, finding


MAX_FINDINGS = 1000
TASK_ID = re.compile(r"T[0-9A-F]{8}(-[0-9]+)?")
HEADER_SCAN_ROWS = 12


@dataclass
class ReturnData:
    """A return as read from its file: every sheet's values, sheet states, and the cells that hold formulas."""

    path: str
    kind: str
    sheets: dict[str, list[list]]
    states: dict[str, str] = field(default_factory=dict)
    formulas: set[tuple[str, str]] = field(default_factory=set)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> "#DIV/0!"
    merged: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> "G6:G8", its merged range


@dataclass
class Expectation:
    """What the master says: its programme, its tasks and who should report on which."""

    programme_id: str
    tasks: dict[str, MasterTask]
    shares: dict[str, Assignment]
    programme_start: str = ""  # YYYY-MM-DD: a completion date before it is reported
    aliases: dict[str, str] = field(default_factory=dict)  # a unit's former name -> its name now (单位名单, config)
    programme: str = ""  # the programme's title: a return from the same programme re-imported is not a stranger


@dataclass
class ReturnReport:
    """One file's findings, and what merge needs from it: the header block and each task row's inputs, as
    normalised and checked (rows keyed by role then task ID; only rows whose task belongs to the file)."""

    path: str
    unit: str = ""
    round: str = ""
    findings: list[Finding] = field(default_factory=list)
    header: dict = field(default_factory=dict)
    rows: dict[str, dict[str, dict]] = field(default_factory=dict)
    created: str = ""

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


class Collector:
    def __init__(self, path: str):
        self.path = path
        self.items: list[Finding] = []
        self.typed = False  # a task row has something in a column that is not ours to read (inserted by a clerk)

    def add(self, code: str, **kw) -> None:
        self.items.append(finding(code, path=self.path, **kw))
