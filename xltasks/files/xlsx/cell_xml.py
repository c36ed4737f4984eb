"""The cells of the master's sheets as sheet XML, written by us and put into the package xlsxwriter made.

xlsxwriter spends about 5 us on a cell (a 10,000-task merge wrote 370,000 of them in 2 s, more than validating the
returns took); this writes the same `<c>` elements in under 1 us. It writes exactly what xlsxwriter writes in
constant-memory mode (inline strings, its escapes, its row heights, byte for byte: tests/test_book_write.py holds
it to that), with one difference: text that happens to look like a rich-text run ("<r>...</r>") is escaped like any
other text, where xlsxwriter would put it into the file as XML (a return could corrupt the master with it).

xlsxwriter still writes everything else: the columns, notes, hyperlinks (their relationships; the linked cell's
value is ours), filters, conditional formats, print setup, charts, styles, names and macros, and the formula cells
(its formula rules); `Cells.own(r, c)` marks where such a cell goes, and `splice` puts it there. Only those places
are kept in memory (file offsets): the rows stream to a temporary file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name

from xltasks.files.xlsx import verbatim
from xltasks.files.xlsx.safe_write import cell_text

_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_PRESERVE = re.compile(r"^\s|\s$")
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_SHEET_DATA = re.compile(r"<sheetData/>|<sheetData>.*</sheetData>", re.S)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
_SHEET_PART = re.compile(r"xl/worksheets/sheet([0-9]+)\.xml")
MAX_ROWS = 1_048_576  # Excel's rows on a sheet
MAX_COLS = 16_384  # and columns
_DEFAULT_PX = 20  # xlsxwriter's default row height in pixels: a row of this height carries no ht
_ZIP64_AT = 1 << 30
LEVEL = 3  # deflate level: 2.7x faster than the default 6 on a 100,000-task master, 14% larger
_COLS: list[str] = []


def _col(c: int) -> str:
    while len(_COLS) <= c:
        _COLS.append(xl_col_to_name(len(_COLS)))
    return _COLS[c]


def text_xml(value: str) -> str:
    """A string as the content of <t>: control characters as _xHHHH_ (and a literal _xHHHH_ kept literal), then
    &, < and > escaped."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SheetFull(ValueError):
    """More rows than a sheet holds."""


@dataclass
class Cells:
    """The <sheetData> of one worksheet, row by row in order, streamed to a temporary file (kept in memory while
    small)."""
    file: tempfile.SpooledTemporaryFile = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=1 << 20))
    pending: list[tuple[int, str]] = field(default_factory=list)  # (offset in the file, A1) of xlsxwriter's cells
    rows: tuple[int, int] | None = None  # first and last row written
    first_col: int = 16384  # the first and last column with a cell
    last_col: int = -1
    _xf: dict[int, str] = field(default_factory=dict)  # id(format) -> its s="" attribute
    copied: list[tuple[int, int, bytes]] = field(default_factory=list)  # (offset, length, old styles.xml) of rows
    #                                                                     copied from the previous workbook

    def _style(self, fmt) -> str:
        index = fmt._get_xf_index() if fmt is not None else 0
        self._xf[id(fmt)] = style = f' s="{index}"' if index else ""
        return style

    def _ref(self, r: int, c: int, fmt) -> str:
        """r="B5" s="3", the column counted into the sheet's extent."""
        if c > self.last_col:
            self.last_col = c
        if c < self.first_col:
            self.first_col = c
        style = self._xf.get(id(fmt))
        if style is None:
            style = self._style(fmt)
        return f'r="{_COLS[c] if c < len(_COLS) else _col(c)}{r + 1}"{style}'

    def string(self, r: int, c: int, value: str, fmt) -> str:
        """A text cell, as xlsxwriter's write_string makes it (an empty text is a blank cell)."""
        text = cell_text(value)
        if text == "":
            return self.blank(r, c, fmt)
        text = text_xml(text)
        space = ' xml:space="preserve"' if _PRESERVE.search(text) else ""
        return f'<c {self._ref(r, c, fmt)} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def number(self, r: int, c: int, value: float, fmt) -> str:
        """A number cell ('' for one Excel cannot hold: NaN, infinity)."""
        if not math.isfinite(value):
            return ""
        return f'<c {self._ref(r, c, fmt)}><v>{value:.16G}</v></c>'

    def date(self, r: int, c: int, value: dt.date | dt.time, fmt) -> str:
        """A date, date and time, or time of day, as Excel's serial number."""
        return self.number(r, c, _datetime_to_excel_datetime(value, False, False), fmt)

    def boolean(self, r: int, c: int, value: bool, fmt) -> str:
        return f'<c {self._ref(r, c, fmt)} t="b"><v>{int(value)}</v></c>'

    def blank(self, r: int, c: int, fmt) -> str:
        return f'<c {self._ref(r, c, fmt)}/>' if fmt is not None else ""

    def own(self, r: int, c: int) -> tuple[int, int]:
        """The place of a cell xlsxwriter writes (a formula, a hyperlink)."""
        self._ref(r, c, None)
        return (r, c)

    def row(self, r: int, parts: list, height: float | None = None) -> None:
        """Row `r` (0-based) with its cells in column order; `height` in points, as given to set_row. A row past
        Excel's last raises SheetFull: a file Excel cannot open must not replace a good one."""
        if r >= MAX_ROWS:
            raise SheetFull(r)
        px = int(height * 4.0 / 3.0 + 0.5) if height is not None else _DEFAULT_PX
        tag = f'<row r="{r + 1}" ht="{px * 0.75:.16g}" customHeight="1"' if px != _DEFAULT_PX else f'<row r="{r + 1}"'
        if not any(parts):
            if px == _DEFAULT_PX:
                return
            self._write(tag + "/>")
        elif any(type(p) is tuple for p in parts):
            self._write(tag + ">")
            for part in parts:
                if type(part) is tuple:
                    self.pending.append((self.file.tell(), f"{_col(part[1])}{part[0] + 1}"))
                else:
                    self._write(part)
            self._write("</row>")
        else:
            self._write(tag + ">" + "".join(parts) + "</row>")
        self.rows = (r, r) if self.rows is None else (self.rows[0], r)

    def copy(self, rows, last_col: int) -> None:
        """`rows` (a files.xlsx.verbatim.Verbatim) as the previous workbook's XML, their cell formats found again when
        the package is spliced."""
        first, last = rows.first, rows.first + rows.rows - 1
        if last >= MAX_ROWS:
            raise SheetFull(last)
        at = self.file.tell()
        rows.copy_to(self.file)
        self.copied.append((at, self.file.tell() - at, rows.styles))
        self.first_col, self.last_col = min(self.first_col, 0), max(self.last_col, last_col)
        self.rows = (first, last) if self.rows is None else (self.rows[0], last)

    def _write(self, xml: str) -> None:
        self.file.write(xml.encode())

    def dimension(self) -> str:
        if self.rows is None:
            return "A1"
        first_col, last_col = (self.first_col, self.last_col) if self.last_col >= 0 else (0, 0)
        first = f"{_col(first_col)}{self.rows[0] + 1}"
        last = f"{_col(last_col)}{self.rows[1] + 1}"
        return first if first == last else f"{first}:{last}"

    def write_into(self, out, theirs: dict[str, str], styles: bytes = b"") -> None:
        """The rows to `out` (a binary stream), with xlsxwriter's own cells (by reference) where they go and the
        copied rows pointed at `styles` (the new styles.xml); VerbatimMismatch when a copied format is not there."""
        self.file.flush()
        self.file.seek(0)
        at = 0
        events = sorted([(offset, 0, ref) for offset, ref in self.pending] +
                        [(offset, 1, (length, old)) for offset, length, old in self.copied], key=lambda e: e[:2])
        maps: dict[int, dict] = {}
        for offset, kind, what in events:
            _copy(self.file, out, offset - at)
            at = offset
            if kind == 0:
                out.write(theirs.get(what, "").encode())
            else:
                length, old = what
                if id(old) not in maps:
                    maps[id(old)] = verbatim.style_map(old, styles)
                _copy_restyled(self.file, out, length, maps[id(old)])
                at += length
        shutil.copyfileobj(self.file, out, 1 << 20)
        self.file.close()

    def size(self) -> int:
        self.file.seek(0, 2)
        return self.file.tell()


def _copy(src, out, n: int) -> None:
    while n > 0:
        chunk = src.read(min(n, 1 << 20))
        if not chunk:
            return
        out.write(chunk)
        n -= len(chunk)


def _copy_restyled(src, out, n: int, mapping: dict[bytes, bytes]) -> None:
    """n bytes of copied rows with their formats renumbered, a chunk at a time, each cut where a row starts."""
    rest = b""
    while n > 0:
        chunk = src.read(min(n, verbatim.CHUNK))
        if not chunk:
            break
        n -= len(chunk)
        data = rest + chunk
        cut = data.rfind(b"<row ") if n > 0 else len(data)
        cut = cut if cut > 0 else (len(data) if n <= 0 else 0)
        out.write(verbatim.restyle(data[:cut], mapping))
        rest = data[cut:]
    out.write(verbatim.restyle(rest, mapping))


def splice(package, path: Path, cells: dict[int, Cells]) -> None:
    """Write `package` (the zip xlsxwriter made, a file or a stream) to `path` with each worksheet's
    <sheetData> and <dimension> from `cells` (by worksheet index), xlsxwriter's own cells put in their rows."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                           compresslevel=LEVEL) as out:
        styles = src.read("xl/styles.xml") if any(c.copied for c in cells.values()) else b""
        for info in src.infolist():
            data = src.read(info)
            found = _SHEET_PART.fullmatch(info.filename)
            ours = cells.get(int(found[1]) - 1) if found else None
            if ours is None:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=LEVEL)
                continue
            xml = data.decode()
            block = _SHEET_DATA.search(xml)
            theirs = {m[1]: m[0] for m in _CELL.finditer(block[0])} if ours.pending else {}
            head = _DIMENSION.sub(f'<dimension ref="{ours.dimension()}"/>', xml[:block.start()], count=1)
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            try:
                entry.compress_level = LEVEL  # Python 3.13 and later
            except AttributeError:
                entry._compresslevel = LEVEL
            with out.open(entry, "w", force_zip64=ours.size() > _ZIP64_AT) as part:
                part.write(head.encode())
                if ours.rows is None:
                    part.write(b"<sheetData/>")
                else:
                    part.write(b"<sheetData>")
                    ours.write_into(part, theirs, styles)
                    part.write(b"</sheetData>")
                part.write(xml[block.end():].encode())
