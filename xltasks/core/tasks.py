"""The task model and its stable IDs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from xltasks.core.deadlines import Deadline

ID_PREFIX = "T"
ID_HEX = 8


@dataclass
class Task:
    """One reportable task: a row of the published table (a sub-task where a numbered task spans several rows)."""

    section: str
    number: str
    sub: int
    title: str
    content: str
    lead_units: list[str]
    coop_units: list[str]
    deadline: Deadline
    sheet: str
    cell: str
    task_id: str = ""
    deadline_inherited: bool = False
    remarks: str = ""

    @property
    def source(self) -> str:
        return f"{self.sheet}!{self.cell}"


def content_key(content: str) -> str:
    """The task text as the ID sees it: no whitespace, full-width forms folded, trailing full stop dropped."""
    text = unicodedata.normalize("NFKC", content)
    return re.sub(r"\s+", "", text).rstrip("。.")


def assign_ids(tasks: list[Task]) -> None:
    """Give each task "T" + 8 hex digits of SHA-256 over its normalised content; repeats get "-2", "-3"... in order.

    The ID depends on the task's text only, so re-importing the same table, or a revision that inserts, removes
    or reorders other rows, keeps every unchanged task's ID. A change to a task's own wording gives it a new ID.
    """
    seen: dict[str, int] = {}
    for task in tasks:
        digest = hashlib.sha256(content_key(task.content).encode("utf-8")).hexdigest()[:ID_HEX].upper()
        base = f"{ID_PREFIX}{digest}"
        seen[base] = seen.get(base, 0) + 1
        task.task_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
