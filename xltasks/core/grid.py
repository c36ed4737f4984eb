"""A table as read from any source: rows of cells with their Excel coordinates and where merges cover them."""

from __future__ import annotations

from dataclasses import dataclass, field


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


@dataclass(frozen=True)
class Cell:
    """One cell. A cell covered by a merge carries its anchor's value and the anchor's (row, col)."""

    value: object
    row: int
    col: int
    anchor: tuple[int, int] | None = None

    @property
    def ref(self) -> str:
        return a1(self.row, self.col)

    @property
    def text(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value).strip()

    @property
    def merged_from_above(self) -> bool:
        return self.anchor is not None and self.anchor[0] < self.row

    @property
    def merged_from_left(self) -> bool:
        return self.anchor is not None and self.anchor[1] < self.col


@dataclass
class Grid:
    """The cells of one sheet or one Word table, and the free text around it (titles, rosters)."""

    name: str
    rows: list[list[Cell]]
    text_before: list[str] = field(default_factory=list)

    @classmethod
    def from_values(cls, name: str, values: list[list[object]],
                    merges: list[tuple[int, int, int, int]] = (), text_before: list[str] | None = None) -> Grid:
        """Build from a rectangle of values (row 1 first) and merges as 1-based (top, left, bottom, right)."""
        width = max((len(r) for r in values), default=0)
        cover: dict[tuple[int, int], tuple[int, int]] = {}
        for top, left, bottom, right in merges:
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    if (r, c) != (top, left):
                        cover[(r, c)] = (top, left)

        def value_at(r: int, c: int) -> object:
            row = values[r - 1] if r - 1 < len(values) else []
            return row[c - 1] if c - 1 < len(row) else None

        rows = []
        for r in range(1, len(values) + 1):
            cells = []
            for c in range(1, width + 1):
                anchor = cover.get((r, c))
                value = value_at(*anchor) if anchor else value_at(r, c)
                cells.append(Cell(None if value == "" else value, r, c, anchor))
            rows.append(cells)
        return cls(name, rows, list(text_before or []))

    def lines(self) -> list[str]:
        """Every non-empty cell's text, row by row (merged copies once), for titles and rosters."""
        out = []
        for row in self.rows:
            for cell in row:
                if cell.anchor is None and cell.text:
                    out.extend(line for line in cell.text.splitlines() if line.strip())
        return out
