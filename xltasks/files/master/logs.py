"""What the merge's log sheets share: the merge's facts, a log's body rows, a log rebuilt.

MergeWrite is what a merge writes besides the plan; rebuild keeps what a coordinator added to a log (columns, notes,
widths).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from xltasks.files.master.layout import HEADER_ROW
from xltasks.files.xlsx.book_read import SheetData


@dataclass
class MergeWrite:
    """What a merge writes, besides the plan."""
    round_name: str
    as_of: dt.date
    labels: dict[str, str]
    colors: dict[str, str]
    sha256: dict[str, str]
    lead_units: dict[str, str]
    contents: dict[str, str]
    owing: list[str]
    store: list[list[object]]  # the 已汇总 returns of every round (core/answers.py), this round's entries renewed
    as_of_basis: str = ""  # why as_of is that date: a key of core.status.AS_OF_BASES


def as_date(value: object) -> object:
    """A checked date ("YYYY-MM-DD") as a date, to be written as one; anything else as it is."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)  # checked dates arrive as YYYY-MM-DD
        except ValueError:
            return value
    return value


def body_rows(sheet: SheetData | None) -> list[list[object]]:
    """A log's rows below its header, those with something in column A."""
    return [row for row in (sheet.rows[HEADER_ROW:] if sheet else []) if row and row[0] not in (None, "")]


def rebuild(old: SheetData | None, name: str, title: str, columns: list[tuple[str, str, float]],
            keep: Callable[[list], bool], key: Callable[[list], tuple], new_rows: list[list],
            in_place: Callable[[list], bool] | None = None) -> SheetData:
    """One of the merge's log sheets again: the old rows `keep` accepts, then `new_rows`. What a coordinator added
    comes along: columns right of ours (their values follow a row by its `key`, so a note on a row of this round
    survives merging the round again), notes on rows (by key too) and column widths. With `in_place`, the new rows
    go where the first replaced row was, else before the first kept row `in_place` accepts, else at the end."""
    ours = len(columns)
    header = [h for _, h, _ in columns]
    extra_header = list(old.rows[HEADER_ROW - 1][ours:]) if old and len(old.rows) >= HEADER_ROW else []
    rows: list[list] = []
    positions: dict[tuple, int] = {}  # key -> the old row's index
    extras: dict[tuple, list] = {}
    at = None
    for r, row in enumerate(old.rows[HEADER_ROW:] if old else [], start=HEADER_ROW):
        if not row or row[0] in (None, ""):
            continue
        positions[key(row)] = r
        extras[key(row)] = list(row[ours:])
        if keep(row):
            rows.append(list(row))
        elif at is None and in_place:
            at = len(rows)
    if at is None and in_place:
        at = next((i for i, row in enumerate(rows) if in_place(row)), None)
    at = len(rows) if at is None else at
    new_rows = sorted(new_rows, key=lambda row: positions.get(key(row), len(old.rows) if old else 0))  # old order kept
    rows[at:at] = [[*row, *extras.get(key(row), [])] for row in new_rows]
    sheet = SheetData(name, [[title], [*header, *extra_header], *rows])
    if old:
        sheet.widths = old.widths
        moved = {positions[key(row)]: r for r, row in enumerate(rows, start=HEADER_ROW) if key(row) in positions}
        for (r, c), text in old.comments.items():
            if r < HEADER_ROW or r in moved:
                sheet.comments[(moved.get(r, r), c)] = text
    return sheet
