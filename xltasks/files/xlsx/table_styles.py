"""How the master's table sheets look: columns by header label, formats, header row, A4 print.

Col and Layout give each column its look by header label; Styles makes every format once per workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


FONT = "宋体"
HEADER_ROW = 2  # the header row of every table sheet (Excel row 2, under the title)


NOTHING = object()  # a cell left out altogether (no border, no fill), where None is an empty cell of the table


class Plain(str):
    """Text written in the plain body font, unwrapped and unbordered, spilling over the cells to its right (a note
    under a table)."""


@dataclass(frozen=True)
class Col:
    width: float
    kind: str = "text"  # text | date | number | percent | state (bold, centred: the coloured state label)
    tint: bool = False  # filled by the merge (light yellow)


@dataclass
class Layout:
    """The look of one of our table sheets: title in A1, headers in row 2, columns by header label."""
    columns: dict[str, Col]
    pages_across: int = 1
    freeze_col: int = 1
    autofilter: bool = True
    landscape: bool = True
    one_page: bool = False
    hide_when_empty: frozenset[str] = frozenset()
    state_header: str | None = None  # coloured by its label (conditional formatting)
    state_labels: dict[str, str] = field(default_factory=dict)  # status -> label, for that colouring
    header_colors: dict[str, str] = field(default_factory=dict)  # header label -> fill (RGB hex)
    total_label: str | None = None  # a row whose first cell says this (合计) is bold ...
    total_width: int = 0  # ... in its first so many columns (0: all)
    decorate: Callable | None = None  # (book, worksheet, styles) -> None: charts
    heights: bool = True  # size rows to their wrapped text


class Styles:
    """Every format the master uses, made once per workbook."""

    def __init__(self, book, colors: dict[str, str]):
        base = {"font_name": FONT, "font_size": 10}
        cell = {**base, "border": 1, "border_color": "#808080", "text_wrap": True, "valign": "top"}
        self.title = book.add_format({**base, "font_size": 14, "bold": True, "valign": "vcenter"})
        self.header = book.add_format({**cell, "bold": True, "bg_color": "#DDEBF7", "align": "center",
                                       "valign": "vcenter"})
        self.plain = book.add_format(base)
        self.plain_date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.plain_datetime = book.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"})
        self.time = book.add_format({**base, "num_format": "hh:mm"})
        self._book, self._header = book, {**cell, "bold": True, "align": "center", "valign": "vcenter"}
        self._coloured: dict[str, object] = {}
        self._bold: dict[int, object] = {}
        self._cell = cell
        self.cells = {}
        for tint in (False, True):
            extra = {"bg_color": "#FFF9E5"} if tint else {}
            for kind, number in (("text", None), ("number", None), ("date", "yyyy-mm-dd"), ("percent", "0%")):
                self.cells[(kind, tint)] = book.add_format({**cell, **extra, **({"num_format": number} if number else {})})
            self.cells[("state", tint)] = book.add_format({**cell, **extra, "bold": True, "align": "center"})
        self.status_cell = {status: book.add_format({**cell, "bold": True, "align": "center", "bg_color": "#" + color})
                            for status, color in colors.items()}

    def bold(self, fmt):
        """`fmt` in bold, made once per format."""
        key = id(fmt)
        if key not in self._bold:
            for (kind, tint), cell in self.cells.items():
                if cell is fmt:
                    number = {"date": "yyyy-mm-dd", "percent": "0%"}.get(kind)
                    self._bold[key] = self._book.add_format({**self._cell, "bold": True,
                                                             **({"bg_color": "#FFF9E5"} if tint else {}),
                                                             **({"num_format": number} if number else {})})
                    break
            else:
                self._bold[key] = fmt
        return self._bold[key]

    def for_date(self, fmt, with_time: bool = False):
        """A format that shows a date: `fmt` itself in a date column, else its look with a date number format
        (a date in a coordinator's own column must not turn into 46000)."""
        if fmt is self.plain:
            return self.plain_datetime if with_time else self.plain_date
        for (kind, tint), cell in self.cells.items():
            if cell is fmt:
                return fmt if kind == "date" else self.cells[("date", tint)]
        return fmt

    def header_in(self, color: str):
        """The header look with another fill, made once per colour."""
        if color not in self._coloured:
            self._coloured[color] = self._book.add_format({**self._header, "bg_color": "#" + color})
        return self._coloured[color]


def setup_print(ws, layout: Layout, header_at: int) -> None:
    ws.set_paper(9)
    if layout.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(layout.pages_across, 1 if layout.one_page else 0)
    ws.repeat_rows(0, header_at)
    if layout.pages_across > 1:
        ws.repeat_columns(0, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})


def header_index(rows: list[list[object]], layout: Layout) -> int:
    """The header row: where most of the layout's labels are, within the first rows (a coordinator may have
    added a line above it); row 2 when none are."""
    best, at = 1, HEADER_ROW - 1
    for r, row in enumerate(rows[:10]):
        known = sum(1 for v in row if isinstance(v, str) and v.strip() in layout.columns)
        if known > best:
            best, at = known, r
    return at
