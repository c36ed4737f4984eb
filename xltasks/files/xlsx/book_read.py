"""Read a whole workbook so it can be written again: every sheet's values from A1 (python-calamine), and from the
sheet XML what values alone would lose: formulas, notes (comments), column widths and hidden columns.

The merge rewrites the master instead of loading and re-saving it with openpyxl (which costs 10x more at 10,000
tasks, see benchmarks/merge_scale.py). What a coordinator adds by hand must come through that rewrite: their own
columns and sheets (values and formulas), their notes, their column widths. Cell formatting they apply by hand
does not; the README says so.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"[^>]*/>')
_REL = re.compile(r'<Relationship\b([^>]*)/?>')
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_FORMULA = re.compile(rb"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_CELL_START = re.compile(rb"<c\b([^>]*)>")
_COL = re.compile(rb"<col\b([^>]*)/?>")
_COMMENT = re.compile(rb'<comment\b[^>]*?\bref="([A-Z]+[0-9]+)"[^>]*>(.*?)</comment>', re.S)
_TEXT = re.compile(rb"<t\b[^>]*>(.*?)</t>|<t\b[^>]*/>", re.S)
_REF = re.compile(r"([A-Z]+)([0-9]+)")
_HYPERLINK = re.compile(rb"<hyperlink\b([^>]*)/?>")
_DEFINED_NAME = re.compile(r"<definedName\b([^>]*)>(.*?)</definedName>", re.S)


@dataclass
class SheetData:
    """A sheet as values (rows from A1, row 0 = Excel row 1), with what must be carried besides them."""
    name: str
    rows: list[list[object]]
    state: str = "visible"  # visible | hidden | veryHidden
    widths: dict[int, tuple[float | None, bool]] = field(default_factory=dict)  # column -> (width, hidden)
    rest: tuple[int, float | None, bool] | None = None  # from this column on: (first, width, hidden)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> text
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> formula without "="
    arrays: dict[tuple[int, int], tuple[int, int, bool]] = field(default_factory=dict)  # anchor -> end, dynamic
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> URL, or "internal:Sheet!A1"
    origin: tuple[str, str, int, int] | None = None  # (workbook, sheet part, its CRC-32 and size) it was read from
    verbatim: object = None  # rows to copy from `origin` as they are (files.verbatim.Verbatim), set by the writer's caller


def cell_position(ref: str) -> tuple[int, int]:
    """"C5" -> (4, 2), zero-based."""
    letters, digits = _REF.fullmatch(ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _attrs(text: str | bytes) -> dict[str, str]:
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
        a = _attrs(match.group(1))
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
        ref = _attrs(cell.group(1)).get("r") if cell else None
        if not ref or not _REF.fullmatch(ref):
            continue
        f = _attrs(match.group(1))
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
            arrays[cell_position(ref)] = (*end, "cm" in _attrs(cell.group(1)))  # cm: Excel 365's dynamic array
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
        a = _attrs(match.group(1))
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
        a = _attrs(match.group(1))
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


def defined_names(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, formula) of the workbook's defined names, a sheet's own ones as "Sheet!name"; Excel's built-in ones
    (print titles, filters) are left out: the writer sets its own."""
    if "xl/workbook.xml" not in zf.NameToInfo:
        return []
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    sheets = [html.unescape(name) for name, _ in _SHEET.findall(book)]
    names = []
    for attrs, text in _DEFINED_NAME.findall(book):
        a = _attrs(attrs)
        name, formula = a.get("name", ""), html.unescape(text).strip()
        if not name or name.startswith("_xlnm.") or not formula or "#REF!" in formula:
            continue
        local = a.get("localSheetId")
        if local is not None and local.isdigit() and int(local) < len(sheets):
            name = "'" + sheets[int(local)].replace("'", "''") + "'!" + name
        names.append((name, formula))
    return names


_CORE = {"{http://purl.org/dc/elements/1.1/}title": "title", "{http://purl.org/dc/elements/1.1/}subject": "subject",
         "{http://purl.org/dc/elements/1.1/}creator": "author", "{http://purl.org/dc/elements/1.1/}description":
         "comments", "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords": "keywords",
         "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}category": "category",
         "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}contentStatus": "status"}
_APP = {"Company": "company", "Manager": "manager"}


PROPERTY_CHARS = 8_000  # a long 备注 (comments) is kept; a hostile megabyte is not


def doc_properties(zf: zipfile.ZipFile) -> dict[str, object]:
    """The workbook's document properties (title, author, company, when it was created ...), in xlsxwriter's
    set_properties terms, so a rewrite keeps them; what is missing or unreadable is left out."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    found: dict[str, object] = {}
    for part, fields in (("docProps/core.xml", _CORE), ("docProps/app.xml", _APP)):
        if part not in zf.NameToInfo or zf.NameToInfo[part].file_size > 1 << 20:
            continue
        try:
            root = ElementTree.fromstring(zf.read(part))
        except (ElementTree.ParseError, DefusedXmlException, ValueError, zipfile.BadZipFile):
            continue
        for element in root:
            tag = element.tag.split("}")[-1] if part.endswith("app.xml") else element.tag
            text = (element.text or "").strip()
            if tag in fields and text:
                found[fields[tag]] = text[:PROPERTY_CHARS]
            elif tag == "{http://purl.org/dc/terms/}created" and text:
                try:
                    created = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                    if created.tzinfo is not None:  # xlsxwriter writes it as UTC ("Z"): 09:30+08:00 is 01:30Z
                        created = created.astimezone(dt.timezone.utc)
                    found["created"] = created.replace(tzinfo=None)
                except ValueError:
                    pass
    return found


def sheet_extras(zf: zipfile.ZipFile, check: Callable[[bytes, str], None] | None = None) -> dict[str, Extras]:
    """Formulas, notes and column widths of every worksheet an .xlsx's workbook lists, by sheet name; `check`
    sees each sheet's XML first (the extent check: one decompression serves both)."""
    if "xl/workbook.xml" not in zf.NameToInfo:
        return {}
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = _rels(zf, "xl/workbook.xml")
    found = {}
    for name, rel_id in _SHEET.findall(book):
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


def read_book(path: Path, extras: dict[str, Extras] | None = None) -> list[SheetData]:
    """Every worksheet of an .xlsx in workbook order, with `extras` (from sheet_extras; read here if not given).
    The caller has sniffed the file and checked its extent."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        sheets = {}
        for meta in workbook.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            visible = python_calamine.SheetVisibleEnum
            state = ("hidden" if meta.visible == visible.Hidden else
                     "veryHidden" if meta.visible == visible.VeryHidden else "visible")
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets[meta.name] = SheetData(meta.name, [list(r) for r in rows], state)
    finally:
        workbook.close()
    if extras is None:
        try:
            with zipfile.ZipFile(path) as zf:
                extras = sheet_extras(zf)
        except zipfile.BadZipFile:
            extras = {}  # .xls/.ods: values only
    for name, extra in extras.items():
        if name in sheets:
            sheet = sheets[name]
            (sheet.widths, sheet.rest), sheet.comments, sheet.formulas, sheet.arrays, sheet.links = \
                extra.widths, extra.comments, extra.formulas, extra.arrays, extra.links
            sheet.origin = (str(path), extra.part, *extra.stamp) if extra.part else None
    return list(sheets.values())

