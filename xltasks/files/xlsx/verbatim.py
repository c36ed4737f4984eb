"""Rows a rewrite leaves as they were, copied as the previous master's XML instead of written again.

历次进展 gains one row per task each round; rewriting every earlier round's rows on every merge made a merge cost
more each round (at 10,000 tasks, about a second more per round). The rows before the first one a merge changes are
copied from the old sheet part as bytes. Only XML xltasks wrote itself is copied: inline strings (no shared-string
index that would point into the old workbook), no formulas, and every style index found again, by what it
looks like, in the new workbook's styles. Anything else writes the sheet whole, as before.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

MIN_ROWS = 500  # fewer rows are written faster than they are looked for
_STYLE = re.compile(rb'(<c r="[A-Z]+[0-9]+") s="([0-9]+)"')  # in a cell's start tag only, never in its text
_NOT_OURS = re.compile(rb' t="s"|<f[ >]')  # a shared string, a formula: not ours to copy as they are


class VerbatimMismatch(Exception):
    """The copied rows use a cell format the new workbook does not have: write the sheet whole."""


@dataclass
class Verbatim:
    """`rows` rows of a sheet, from its row `first` (0-based): bytes `start` to `end` of `part` in the old workbook
    at `path`, read again when they are copied (never held whole: at 100,000 tasks a round is 100 MB of XML);
    `styles` is the old workbook's styles.xml, to find each cell format again in the new one."""

    first: int
    rows: int
    path: str
    part: str
    stamp: tuple[int, int]
    start: int
    end: int
    styles: bytes

    def copy_to(self, out) -> None:
        """The rows' bytes to `out` (a binary stream), a chunk at a time."""
        with zipfile.ZipFile(self.path) as zf:
            info = zf.NameToInfo.get(self.part)
            if info is None or (info.CRC, info.file_size) != self.stamp:
                raise VerbatimMismatch("the master changed since it was read")  # another run wrote it meanwhile
            with zf.open(info) as src:
                self._copy(src, out)

    def _copy(self, src, out) -> None:
        _skip(src, self.start)
        left = self.end - self.start
        while left > 0:
            chunk = src.read(min(CHUNK, left))
            if not chunk:
                raise VerbatimMismatch("the old part ended early")
            out.write(chunk)
            left -= len(chunk)


CHUNK = 1 << 20


def _skip(src, n: int) -> None:
    while n > 0:
        chunk = src.read(min(CHUNK, n))
        if not chunk:
            return
        n -= len(chunk)


def _whole_rows(src):
    """(offset, bytes) pieces of a sheet part that each end where a row starts (so no tag is cut in two)."""
    pos, rest = 0, b""
    while True:
        chunk = src.read(CHUNK)
        data = rest + chunk
        cut = data.rfind(b"<row ") if chunk else len(data)
        if chunk and cut <= 0:  # one row longer than a chunk: read on
            rest = data
            continue
        yield pos, data[:cut]
        pos, rest = pos + cut, data[cut:]
        if not chunk:
            return


def _locate(src, first: int, end_tag: re.Pattern) -> tuple[int, int, int] | None:
    """Where the rows from `first` (0-based) up to `end_tag` lie in the part, and how many there are; None when
    a row there is not one xltasks wrote (a shared string, a formula) or the rows are not where they should be."""
    start_tag = re.compile(rb'<row r="%d"[ >/]' % (first + 1))
    start, rows = None, 0
    for pos, piece in _whole_rows(src):
        lo = 0
        if start is None:
            found = start_tag.search(piece)
            if not found:
                continue
            start, lo = pos + found.start(), found.start()
        found = end_tag.search(piece, lo)
        region = piece[lo:found.start() if found else len(piece)]
        if _NOT_OURS.search(region):
            return None
        rows += region.count(b"<row ")
        if found:
            return start, pos + found.start(), rows
    return None


def unchanged_rows(old, new, first: int) -> Verbatim | None:
    """The leading rows from `first` that `new` (a SheetData about to be written) has exactly as `old` (the
    SheetData read from the master, with its `origin`) had them, as a place in the old part; None when too few,
    or when the old part is not one xltasks wrote."""
    if old is None or not old.origin or old.formulas or old.links or new.formulas or new.links or new.comments:
        return None  # (xlsxwriter sizes a note's box by the heights of the rows it is told of: copied ones it is not)
    limit = min(len(old.rows), len(new.rows))
    k = first
    while k < limit and old.rows[k] == new.rows[k]:
        k += 1
    if k - first < MIN_ROWS:
        return None
    path, part, *stamp = old.origin
    end_tag = re.compile(rb'<row r="%d"[ >/]' % (k + 1) if k < len(old.rows) else rb"</sheetData>")
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.NameToInfo.get(part)
            if info is None or [info.CRC, info.file_size] != stamp:
                return None  # not the bytes the values were read from
            styles = zf.read("xl/styles.xml")
            with zf.open(info) as src:
                found = _locate(src, first, end_tag)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    if found is None or found[2] != k - first:
        return None
    return Verbatim(first, k - first, path, part, tuple(stamp), found[0], found[1], styles)


def _looks(styles: bytes) -> list[tuple]:
    """Each cell format (cellXfs, by index) as what it looks like: its number format's code, font, fill, border,
    alignment and protection, written out."""
    from defusedxml import ElementTree

    root = ElementTree.fromstring(styles)
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""

    def items(parent: str, child: str) -> list:
        found = root.find(ns + parent)
        return list(found.findall(ns + child)) if found is not None else []

    codes = {f.get("numFmtId"): f.get("formatCode") for f in items("numFmts", "numFmt")}
    fonts, fills, borders = (
        [ElementTree.tostring(e) for e in items(p, c)] for p, c in (("fonts", "font"), ("fills", "fill"),
                                                                   ("borders", "border")))

    def pick(table: list, index: str | None) -> bytes:
        i = int(index or 0)
        return table[i] if i < len(table) else b""

    looks = []
    for xf in items("cellXfs", "xf"):
        attrs = dict(xf.attrib)
        number = attrs.pop("numFmtId", "0")
        looks.append((codes.get(number, "builtin:" + number), pick(fonts, attrs.pop("fontId", None)),
                      pick(fills, attrs.pop("fillId", None)), pick(borders, attrs.pop("borderId", None)),
                      tuple(sorted(attrs.items())), tuple(ElementTree.tostring(child) for child in xf)))
    return looks


def style_map(old: bytes, new: bytes) -> dict[bytes, bytes]:
    """Old cell format index -> the index of the same-looking format in the new workbook."""
    wanted = {look: i for i, look in reversed(list(enumerate(_looks(new))))}
    return {str(i).encode(): str(wanted[look]).encode() for i, look in enumerate(_looks(old)) if look in wanted}


def restyle(xml: bytes, mapping: dict[bytes, bytes]) -> bytes:
    """The rows with each s="N" pointing at the new workbook's format; VerbatimMismatch when one has none."""
    def one(m: re.Match) -> bytes:
        index = mapping.get(m[2])
        if index is None:
            raise VerbatimMismatch(m[2].decode())
        return m[1] + b' s="' + index + b'"'

    return _STYLE.sub(one, xml)
