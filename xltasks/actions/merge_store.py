"""The master's store of merged returns (_xltasks_answers) as a merge reads and renews it.

Read with aliases followed, entries lost by hand found, this round's entries renewed where they stood;
core/answers.py holds an entry's format.
"""

from __future__ import annotations

from pathlib import Path

from xltasks.core.answers import STORE_HEADER, STORE_SHEET, load_store
from xltasks.core.findings import Finding, finding
from xltasks.core.status import round_before, same_round
from xltasks.core.validation.model import ReturnReport
from xltasks.files.master.register import merged_before
from xltasks.files.xlsx.book_read import SheetData


def store_rows(sheets: list[SheetData]) -> list[list[object]]:
    return next((sheet.rows for sheet in sheets if sheet.name == STORE_SHEET), [])


def stored_returns(sheets: list[SheetData], master: Path, round_name: str, shares: dict, aliases: dict[str, str]
                   ) -> tuple[list[tuple[str, ReturnReport, float]], list[Finding]]:
    """The returns earlier runs merged (every round), under each unit's name now (an alias registered since is
    followed), and what is wrong with the ones of this round: an entry edited beyond reading, a unit the
    programme no longer has (left out)."""
    unreadable: list[tuple[str, str]] = []
    stored = load_store(store_rows(sheets), unreadable)
    for _, report, _ in stored:
        report.unit = aliases.get(report.unit, report.unit)
    warnings = [finding("merge.store-unreadable", path=str(master), detail=unit, round=name)
                for name, unit in unreadable if same_round(name, round_name)]
    warnings += [finding("merge.store-unknown-unit", path=str(master), detail=report.unit, round=name)
                 for name, report, _ in stored if same_round(name, round_name) and report.unit not in shares]
    return [entry for entry in stored if entry[1].unit in shares], warnings


def store_lost(sheets: list[SheetData], master: Path, round_name: str, stored: list, chosen: dict) -> list[Finding]:
    """报送记录 says units were merged this round, but the store of their returns has lost them (the hidden sheet
    deleted or cleared by hand) and this run brings none: they now count as not reported, which must not pass
    unsaid."""
    kept = {str(row[1]) for row in store_rows(sheets)[1:] if len(row) > 1 and same_round(str(row[0]), round_name)}
    kept |= {report.unit for name, report, _ in stored if same_round(name, round_name)}  # an alias followed
    lost = merged_before(sheets, round_name) - kept - set(chosen)  # (an entry there but unreadable is said apart)
    if not lost:
        return []
    return [finding("merge.store-missing", path=str(master), detail="、".join(sorted(lost)))]


def renewed_store(old: list[list], round_name: str, new: list[list], order: list[str]) -> list[list]:
    """_xltasks_answers with this round's entries replaced where they stood (else before a later round's), so
    merging a round again leaves the others in place; an entry whose content is unchanged is kept as it was (the
    same file merged from another folder changes nothing)."""
    def content(row: list) -> list:  # issue time and answers, without the padding a read gives a short row
        tail = list(row[5:])
        while tail and tail[-1] in (None, ""):
            tail.pop()
        return [str(row[3] or ""), *tail]

    before = {str(row[1]): row for row in old if row and same_round(str(row[0]), round_name) and len(row) > 5}
    new = [before[str(row[1])] if str(row[1]) in before and content(before[str(row[1])]) == content(row) else row
           for row in new]
    place = {unit: i for i, unit in enumerate(before)}  # units stored before keep their order, whatever the files'
    new.sort(key=lambda row: place.get(str(row[1]), len(place)))
    kept, at = [], None
    for row in old:
        if not row:
            continue
        if same_round(str(row[0]), round_name):
            at = len(kept) if at is None else at
        else:
            kept.append(row)
    if at is None:
        at = next((i for i, row in enumerate(kept) if round_before(round_name, str(row[0]), order)), len(kept))
    return [STORE_HEADER, *kept[:at], *new, *kept[at:]]
