"""How much room text takes in a cell, for row heights: Excel does not grow the rows of a generated file."""

from __future__ import annotations

import math


def display_width(text: str) -> float:
    """Columns of text: a Chinese character or full-width sign takes two, anything else about one. Counted from the
    UTF-8 length (those characters take three bytes), which is right for Chinese text (not for the few narrow
    three-byte signs, such as "…") and fast for 100,000 rows."""
    if text.isascii():
        return 1.1 * len(text)
    wide = (len(text.encode("utf-8")) - len(text)) / 2
    return 2.0 * wide + 1.1 * (len(text) - wide)


def row_height(values: list[tuple[object, float]]) -> float:
    """Enough height for the longest wrapped cell: Excel does not grow rows of a generated file by itself."""
    lines = 1
    for value, width in values:
        if value is None:
            continue
        text = str(value)
        if len(text) * 2 <= width - 1.5 and "\n" not in text:
            continue  # one line even if every character is wide
        parts = text.splitlines() or [""]
        lines = max(lines, sum(max(1, math.ceil(display_width(p) / max(width - 1.5, 1))) for p in parts))
    return min(409, 13.5 * lines + 4)
