"""The returns a round has merged, kept in the master so that a later merge of the same round builds on them.

A coordinator merges the files that came in today, not every file of the round again; the units merged yesterday
must keep their answers. The master holds, per round and unit, the checked answers of the return merged for it
(header block and rows, as validate normalised them), as JSON over as many cells as it needs, in a very hidden
sheet. A later return from the unit replaces its entry; the visible sheets are rebuilt from these entries.
"""

from __future__ import annotations

import json

from xltasks.core.status import same_round
from xltasks.core.validation.model import ReturnReport

STORE_SHEET = "_xltasks_answers"
STORE_HEADER = ["round", "unit", "path", "created", "mtime", "answers"]
CHUNK = 15_000  # characters per cell: Excel's 32,767 counts UTF-16 units, and "👍" is two of them


def store_row(round_name: str, report: ReturnReport, mtime: float) -> list[object]:
    """One unit's merged return as a row: round, unit, file, issue time, file time, then the JSON in chunks."""
    data = json.dumps({"header": report.header, "rows": report.rows}, ensure_ascii=False, default=str,
                      sort_keys=True)
    return [round_name, report.unit, report.path, report.created, mtime,
            *(data[i:i + CHUNK] for i in range(0, len(data), CHUNK))]


def load_store(rows: list[list[object]], unreadable: list[tuple[str, str]] | None = None
               ) -> list[tuple[str, ReturnReport, float]]:
    """(round, the return as merged, its file time) for every entry; an entry that does not parse (edited by
    hand) is left out, never guessed at, and its (round, unit) goes to `unreadable`."""
    entries = []
    for row in rows[1:]:
        if not row or not any(v not in (None, "") for v in row):
            continue
        if len(row) < 6 or not row[0] or not row[1]:
            if unreadable is not None:
                unreadable.append((str(row[0] or ""), str(row[1] if len(row) > 1 else "") or "（未知单位）"))
            continue
        try:
            data = json.loads("".join(str(part) for part in row[5:] if part not in (None, "")))
            report = ReturnReport(str(row[2]), str(row[1]), str(row[0]), header=dict(data["header"]),
                                  rows={role: dict(tasks) for role, tasks in data["rows"].items()},
                                  created=str(row[3] or ""))
            mtime = float(row[4] or 0)
        except (ValueError, TypeError, KeyError, AttributeError):
            if unreadable is not None:
                unreadable.append((str(row[0]), str(row[1])))
            continue
        entries.append((str(row[0]), report, mtime))
    return entries


def earlier_returns(entries: list[tuple[str, ReturnReport, float]], round_name: str) -> dict[str, ReturnReport]:
    """unit -> the return merged for it earlier in this round."""
    return {report.unit: report for name, report, _ in entries if same_round(name, round_name)}
