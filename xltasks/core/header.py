"""Find a task table's header row by its labels, wherever it sits, over one row or two."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from xltasks.core.grid import Cell, Grid

SCAN_ROWS = 40  # a header further down than this is not a header a person would recognise


@dataclass(frozen=True)
class Header:
    """Where the header is and which column holds which field (1-based columns)."""

    first_row: int
    last_row: int
    columns: dict[str, int]
    labels: dict[int, str]

    @property
    def layout(self) -> str:
        """"grouped" when the lead unit comes before the number (tasks listed under each lead), else "sectioned"."""
        lead, number = self.columns.get("lead"), self.columns.get("number")
        return "grouped" if lead and number and lead < number else "sectioned"


def normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[(（].*?[)）]$", "", text)  # "完成时限（年月）" reads as "完成时限"


def label_field(text: str, synonyms: dict[str, tuple[str, ...]]) -> str | None:
    """The field a header label names, or None; exact synonyms first, then a label that starts with one."""
    label = normalise_label(text)
    if not label or len(label) > 16:
        return None
    for name, words in synonyms.items():
        if label in words:
            return name
    for name, words in synonyms.items():
        if any(label.startswith(w) for w in words):
            return name
    return None


def _map_row(cells: list[Cell], synonyms: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for cell in cells:
        name = label_field(cell.text, synonyms)
        if name and name not in found:
            found[name] = cell.col
    return found


def _span(cells: list[Cell], col: int) -> int:
    """How many columns the header cell at `col` covers (by merge, or by the same label repeated in a Word table)."""
    start = cells[col - 1]
    width = 1
    for cell in cells[col:]:
        if cell.anchor == (start.row, start.col) or (cell.anchor and cell.anchor == start.anchor) \
                or (cell.text and cell.text == start.text):
            width += 1
        else:
            break
    return width


def _columns(grid: Grid, top: int, two_rows: bool, synonyms: dict[str, tuple[str, ...]]) -> dict[str, int]:
    upper = grid.rows[top - 1]
    columns = _map_row(upper, synonyms)
    if two_rows:
        for name, col in _map_row(grid.rows[top], synonyms).items():
            columns.pop(name, None)
            columns = {k: v for k, v in columns.items() if v != col or k == name}
            columns[name] = col
    # One label over two columns, e.g. 颗粒化任务清单 over a short title and the detail: title, then content.
    if "content" in columns and "title" not in columns and (
            _span(upper, columns["content"]) == 2 or _blank_label_over_data(grid, top, two_rows, columns)):
        columns["title"] = columns["content"]
        columns["content"] += 1
    return columns


def _blank_label_over_data(grid: Grid, top: int, two_rows: bool, columns: dict[str, int]) -> bool:
    """The label's right neighbour has no label but data below: a merge the file did not keep (.ods, text exports)."""
    col = columns["content"] + 1
    header_rows = grid.rows[top - 1: top + 1 if two_rows else top]
    if col in columns.values() or any(col > len(r) or r[col - 1].text for r in header_rows):
        return False
    below = grid.rows[top + (1 if two_rows else 0): top + 11]
    both = sum(1 for r in below if len(r) >= col and r[col - 2].text and r[col - 1].text)
    return both >= 2


def _score(columns: dict[str, int]) -> int:
    if "content" not in columns or "lead" not in columns:
        return 0
    return len(columns)


def find_header(grid: Grid, synonyms: dict[str, tuple[str, ...]]) -> Header | None:
    """The best-scoring header (one row, or a row with a row of sub-labels under it) in the first rows."""
    best: tuple[int, Header] | None = None
    for top in range(1, min(len(grid.rows), SCAN_ROWS) + 1):
        for two_rows in (False, True):
            if two_rows and top >= len(grid.rows):
                continue
            if two_rows and not (_map_row(grid.rows[top - 1], synonyms) and _map_row(grid.rows[top], synonyms)):
                continue  # two header rows: both carry labels (a title row above a header is not one)
            columns = _columns(grid, top, two_rows, synonyms)
            score = _score(columns)
            if score >= 3 and (best is None or score > best[0]):  # ties keep the single, upper row
                last = top + 1 if two_rows else top
                labels = {col: normalise_label(grid.rows[last - 1][col - 1].text) for col in columns.values()}
                best = (score, Header(top, last, columns, labels))
    return best[1] if best else None


def is_repeated_header(cells: list[Cell], header: Header) -> bool:
    """A header repeated further down (a page break in Word, a pasted block): two or more labels match."""
    same = sum(1 for col, label in header.labels.items()
               if col <= len(cells) and label and normalise_label(cells[col - 1].text) == label)
    return same >= 2
