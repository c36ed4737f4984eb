"""What a worksheet's XML holds beyond its values: formulas, notes, column widths, hyperlinks.

Read straight from the package: shared formulas translated, array formulas with their ranges, hidden columns.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath


SHEET_ENTRY = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"[^>]*/>')
_REL = re.compile(r'<Relationship\b([^>]*)/?>')
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_FORMULA = re.compile(rb"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_CELL_START = re.compile(rb"<c\b([^>]*)>")
_COL = re.compile(rb"<col\b([^>]*)/?>")
_COMMENT = re.compile(rb'<comment\b[^>]*?\bref="([A-Z]+[0-9]+)"[^>]*>(.*?)</comment>', re.S)
_TEXT = re.compile(rb"<t\b[^>]*>(.*?)</t>|<t\b[^>]*/>", re.S)
_REF = re.compile(r"([A-Z]+)([0-9]+)")
_HYPERLINK = re.compile(rb"<hyperlink\b([^>]*)/?>")


def cell_position(ref: str) -> tuple[int, int]:
    """"C5" -> (4, 2), zero-based."""
    letters, digits = _REF.fullmatch(ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def attributes(text: str | bytes) -> dict[str, str]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return {k: html.unescape(v) for k, v in _ATTR.findall(text)}


def _rels(zf: zipfile.ZipFile, part: str, external: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Id -> (type, part) of a part's relationships; external targets (a hyperlink's address) go to `external`."""
    path = PurePosixPath(part)
    rels_part = str(path.parent / "_rels" / f"{path.name}.rels")
    if rels_part not in zf.NameToInfo:
        return {}
    found = {}
    for match in _REL.finditer(zf.read(rels_part).decode("utf-8", "replace")):
        a = attributes(match.group(1))
        target = a.get("Target", "")
        if a.get("TargetMode") == "External":
            if external is not None and target:
                external[a.get("Id", "")] = target
            continue
        if not target:
            continue
        resolved = target.lstrip("/") if target.startswith("/") else str(path.parent / target)
        parts: list[str] = []
        for piece in resolved.split("/"):
            if piece == "..":
                parts = parts[:-1]
            elif piece not in ("", "."):
                parts.append(piece)
        found[a.get("Id", "")] = (a.get("Type", "").rsplit("/", 1)[-1], "/".join(parts))
    return found


def _translate(formula: str, origin: str, target: str) -> str:
    from openpyxl.formula.translate import Translator  # only when a shared formula is met

    return Translator("=" + formula, origin=origin).translate_formula(target)[1:]


def _formulas(xml: bytes, arrays: dict[tuple[int, int], tuple[int, int, bool]] | None = None
              ) -> dict[tuple[int, int], str]:
    """Every formula cell's formula; cells sharing one (Excel's fill-down) get it translated to their position.
    An array formula's anchor goes into `arrays` too: (last row, last column, dynamic?)."""
    found: dict[tuple[int, int], str] = {}
    shared: dict[str, tuple[str, str]] = {}
    for match in _FORMULA.finditer(xml):
        start = xml.rfind(b"<c ", 0, match.start())
        cell = _CELL_START.match(xml, start) if start >= 0 else None
        ref = attributes(cell.group(1)).get("r") if cell else None
        if not ref or not _REF.fullmatch(ref):
            continue
        f = attributes(match.group(1))
        text = html.unescape((match.group(2) or b"").decode("utf-8", "replace"))
        if f.get("t") == "shared":
            if text:
                shared[f.get("si", "")] = (text, ref)
            elif f.get("si", "") in shared:
                base, origin = shared[f["si"]]
                text = _translate(base, origin, ref)
        if text and f.get("t") == "array" and arrays is not None:
            first, _, last = f.get("ref", ref).partition(":")
            end = cell_position(last) if _REF.fullmatch(last or "") else cell_position(ref)
            arrays[cell_position(ref)] = (*end, "cm" in attributes(cell.group(1)))  # cm: Excel 365's dynamic array
        if text:
            found[cell_position(ref)] = text
    return found


def _set_width(stored: float) -> float:
    """A column's width as the file stores it (characters of 7 pixels, the 5 pixels of padding included) -> the
    width to give xlsxwriter's set_column for the same pixels: on the pixel grid, so reading back what was written
    gives the same width (and the same row heights) every time, whichever program saved it first."""
    pixels = int(stored * 7 + 0.5)
    return pixels / 12 if pixels < 12 else (pixels - 5) / 7  # xlsxwriter: under 1 character, 12 pixels a character


def _widths(xml: bytes) -> tuple[dict[int, tuple[float | None, bool]], tuple[int, float | None, bool] | None]:
    """Each column's (width, hidden), and "the rest of the columns" (first, width, hidden) when a range runs on
    to the sheet's end (a coordinator hiding everything right of the table)."""
    head = xml[:xml.find(b"<sheetData")] if b"<sheetData" in xml else b""
    found = {}
    rest = None
    for match in _COL.finditer(head):
        a = attributes(match.group(1))
        try:
            first, last = int(a["min"]), min(int(a["max"]), 16384)
        except (KeyError, ValueError):
            continue
        width = float(a["width"]) if a.get("width", "").replace(".", "", 1).isdigit() else None
        if width is not None:
            width = _set_width(width)
        hidden = a.get("hidden") in ("1", "true")
        if last - first > 256:  # "the rest of the columns": each column in use, and the range as a whole
            rest = (first - 1, width, hidden)
            last = first + 256
        for col in range(first - 1, last):
            found[col] = (width, hidden)
    return found, rest


def _comments(zf: zipfile.ZipFile, part: str, external: dict[str, str] | None = None) -> dict[tuple[int, int], str]:
    found = {}
    for kind, target in _rels(zf, part, external).values():
        if kind != "comments" or target not in zf.NameToInfo:
            continue
        for ref, body in _COMMENT.findall(zf.read(target)):
            text = "".join(html.unescape(t.decode("utf-8", "replace")) for t in _TEXT.findall(body))
            if text.strip():
                found[cell_position(ref.decode())] = text
    return found


@dataclass
class Extras:
    """What a sheet's XML holds beyond its values."""
    widths: tuple[dict[int, tuple[float | None, bool]], tuple[int, float | None, bool] | None]
    comments: dict[tuple[int, int], str]
    formulas: dict[tuple[int, int], str]
    arrays: dict[tuple[int, int], tuple[int, int, bool]]
    links: dict[tuple[int, int], str]
    part: str = ""
    stamp: tuple[int, int] = (0, 0)  # the part's CRC-32 and size: the same bytes when they are copied later


def _links(xml: bytes, external: dict[str, str]) -> dict[tuple[int, int], str]:
    found = {}
    tail = xml[xml.rfind(b"</sheetData>"):] if b"</sheetData>" in xml else b""
    for match in _HYPERLINK.finditer(tail):
        a = attributes(match.group(1))
        ref = a.get("ref", "").split(":")[0]
        if not _REF.fullmatch(ref):
            continue
        rel_id = a.get("id", "")  # r:id
        if rel_id in external:
            target = external[rel_id]
            if target.startswith("#"):
                target = "internal:" + target[1:]  # a place in this workbook, written as an address
            elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):
                target = "external:" + target  # a file beside the workbook ("附件/通知.docx")
            found[cell_position(ref)] = target
        elif a.get("location"):
            found[cell_position(ref)] = "internal:" + a["location"]
    return found


def sheet_extras(zf: zipfile.ZipFile, check: Callable[[bytes, str], None] | None = None) -> dict[str, Extras]:
    """Formulas, notes and column widths of every worksheet an .xlsx's workbook lists, by sheet name; `check`
    sees each sheet's XML first (the extent check: one decompression serves both)."""
    if "xl/workbook.xml" not in zf.NameToInfo:
        return {}
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = _rels(zf, "xl/workbook.xml")
    found = {}
    for name, rel_id in SHEET_ENTRY.findall(book):
        part = rels.get(rel_id, ("", ""))[1]
        if part not in zf.NameToInfo:
            continue
        xml = zf.read(part)
        if check:
            check(xml, html.unescape(name))
        arrays: dict[tuple[int, int], tuple[int, int, bool]] = {}
        formulas = _formulas(xml, arrays) if b"<f" in xml else {}
        external: dict[str, str] = {}
        comments = _comments(zf, part, external)
        links = _links(xml, external) if b"<hyperlink" in xml else {}
        info = zf.NameToInfo[part]
        found[html.unescape(name)] = Extras(_widths(xml), comments, formulas, arrays, links, part,
                                            (info.CRC, info.file_size))
    return found
