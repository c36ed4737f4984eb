"""An annotated copy of a failing return, to send back: bad cells filled by severity, and a 校验结果 sheet.

The copy is made at the zip/XML level, never by loading and re-saving the workbook: a library round trip drops
what it does not model (x14 data validations Excel writes, protection details, shapes). Only three parts change
(styles.xml gains two fills and the cell formats that use them; each flagged sheet's cells point at those formats;
the workbook, its relationships and the content types gain one sheet) and every other part is copied byte for byte.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

from xltasks.core.findings import Finding
from xltasks.core.returns import RESULT_SHEET
from xltasks.files.xlsx.safe_write import ILLEGAL_CHARACTERS_RE

FILL_COLORS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
SEVERITY_LABEL = {"error": "错误", "warning": "提示", "info": "信息"}
RESULT_PART = "xl/worksheets/xltasks-check.xml"
RESULT_REL = "rIdXltasksCheck"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"[^>]*/>')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_XF = re.compile(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", re.S)


def _esc(text: object) -> str:
    return html.escape(ILLEGAL_CHARACTERS_RE.sub("", str(text)), quote=True)


def _sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    book = files["xl/workbook.xml"].decode("utf-8")
    rels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {m[0] or m[3]: m[1] or m[2] for m in _REL.findall(rels)}
    parts = {}
    for name, rel_id in _SHEET.findall(book):
        target = targets.get(rel_id, "")
        parts[html.unescape(name)] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return parts


def _add_styles(styles: str, used: set[tuple[int, str]]) -> tuple[str, dict[tuple[int, str], int]]:
    """Two fills, and for each (original format, severity) a copy of the format with that fill."""
    fills = re.search(r"<fills\b[^>]*count=\"(\d+)\"[^>]*>", styles)
    first_fill = int(fills.group(1))
    new_fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{FILL_COLORS[s]}"/>'
                        f'<bgColor indexed="64"/></patternFill></fill>' for s in ("error", "warning"))
    styles = styles.replace("</fills>", new_fills + "</fills>", 1)
    styles = styles[:fills.start()] + fills.group(0).replace(f'count="{first_fill}"', f'count="{first_fill + 2}"') + \
        styles[fills.end():]
    block = re.search(r"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", styles, re.S)
    xfs = _XF.findall(block.group(2))
    mapping: dict[tuple[int, str], int] = {}
    added = []
    for index, severity in sorted(used):
        xf = xfs[index] if index < len(xfs) else xfs[0]
        fill_id = first_fill + (0 if severity == "error" else 1)
        xf = re.sub(r'\s(fillId|applyFill)="[^"]*"', "", xf)
        xf = xf.replace("<xf", f'<xf fillId="{fill_id}" applyFill="1"', 1)
        mapping[(index, severity)] = len(xfs) + len(added)
        added.append(xf)
    opening = re.sub(r'count="\d+"', f'count="{len(xfs) + len(added)}"', block.group(1))
    styles = styles[:block.start()] + opening + block.group(2) + "".join(added) + block.group(3) + styles[block.end():]
    return styles, mapping


def _cell_tag(ref: str) -> re.Pattern:
    return re.compile(rb'<c r="' + ref.encode() + rb'"(?P<attrs>[^>]*?)(?P<end>/?)>')


def _result_sheet(path: str, findings: list[Finding]) -> bytes:
    rows, links = [], []
    header = ["级别", "工作表", "单元格", "说明"]
    rows.append("".join(f'<c r="{col}1" t="inlineStr" s="0"><is><t>{_esc(text)}</t></is></c>'
                        for col, text in zip("ABCD", header)))
    for i, f in enumerate(findings, start=2):
        values = [SEVERITY_LABEL[f.severity], f.sheet or "", f.cell or "", f.message]
        rows.append("".join(f'<c r="{col}{i}" t="inlineStr"><is><t xml:space="preserve">{_esc(v)}</t></is></c>'
                            for col, v in zip("ABCD", values)))
        if f.sheet and f.cell:
            links.append(f'<hyperlink ref="C{i}" location="{_esc(chr(39) + f.sheet + chr(39) + "!" + f.cell)}" '
                         f'display="{_esc(f.cell)}"/>')
    body = "".join(f'<row r="{n}">{cells}</row>' for n, cells in enumerate(rows, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>'
            '<cols><col min="1" max="1" width="8" customWidth="1"/><col min="2" max="2" width="12" customWidth="1"/>'
            '<col min="3" max="3" width="9" customWidth="1"/><col min="4" max="4" width="90" customWidth="1"/></cols>'
            f'<sheetData>{body}</sheetData>'
            + (f'<hyperlinks>{"".join(links)}</hyperlinks>' if links else "") +
            '<pageMargins left="0.4" right="0.4" top="0.7" bottom="0.7" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>').encode("utf-8")


def _add_result_part(files: dict[str, bytes], parts: dict[str, str]) -> str:
    """Register a new 校验结果 sheet in the workbook, its relationships and content types; returns its part."""
    book = files["xl/workbook.xml"].decode("utf-8")
    ids = [int(i) for i in re.findall(r'sheetId="(\d+)"', book)]
    name, part, rel_id, n = RESULT_SHEET, RESULT_PART, RESULT_REL, 1
    while part in files or rel_id.encode() in files["xl/_rels/workbook.xml.rels"]:
        n += 1  # a part left by another tool under our name
        part, rel_id = RESULT_PART.replace(".xml", f"-{n}.xml"), f"{RESULT_REL}{n}"
    # The relationships namespace is declared on the element itself: openpyxl declares it per <sheet>, not on the root.
    book = book.replace("</sheets>", f'<sheet xmlns:r="{R_NS}" name="{name}" sheetId="{max(ids, default=0) + 1}" '
                                     f'r:id="{rel_id}"/></sheets>', 1)
    files["xl/workbook.xml"] = book.encode("utf-8")
    rels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    files["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        f'<Relationship Id="{rel_id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'worksheet" Target="/{part}"/></Relationships>'), 1).encode("utf-8")
    types = files["[Content_Types].xml"].decode("utf-8")
    files["[Content_Types].xml"] = types.replace("</Types>", (
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'), 1).encode("utf-8")
    return part


def annotate_copy(source: Path, target: Path, findings: list[Finding]) -> None:
    """Write to `target` a copy of the .xlsx `source` with its flagged cells filled and a 校验结果 sheet."""
    with zipfile.ZipFile(source) as zin:
        infos = zin.infolist()
        files = {info.filename: zin.read(info) for info in infos}
    parts = _sheet_parts(files)
    flagged: dict[str, dict[str, str]] = {}
    for f in findings:
        if f.sheet in parts and f.cell and f.severity in FILL_COLORS:
            current = flagged.setdefault(f.sheet, {}).get(f.cell)
            if current != "error":
                flagged[f.sheet][f.cell] = f.severity
    used: set[tuple[int, str]] = set()
    cell_styles: dict[tuple[str, str], int] = {}
    for sheet, cells in flagged.items():
        xml = files[parts[sheet]]
        for ref in cells:
            match = _cell_tag(ref).search(xml)
            if match:
                s = re.search(rb'\ss="(\d+)"', match.group("attrs"))
                cell_styles[(sheet, ref)] = int(s.group(1)) if s else 0
                used.add((cell_styles[(sheet, ref)], cells[ref]))
    styles, mapping = _add_styles(files["xl/styles.xml"].decode("utf-8"), used)
    files["xl/styles.xml"] = styles.encode("utf-8")
    for sheet, cells in flagged.items():
        xml = files[parts[sheet]]
        for ref, severity in cells.items():
            if (sheet, ref) not in cell_styles:
                continue  # the cell has no element (never styled): the 校验结果 sheet still lists it
            new = mapping[(cell_styles[(sheet, ref)], severity)]

            def restyle(match: re.Match, new: int = new) -> bytes:
                attrs = re.sub(rb'\ss="\d+"', b"", match.group("attrs"))
                return b'<c r="' + ref.encode() + b'"' + attrs + b' s="' + str(new).encode() + b'"' + \
                    match.group("end") + b">"
            xml = _cell_tag(ref).sub(restyle, xml, count=1)
        files[parts[sheet]] = xml
    result = _result_sheet(str(source), findings)
    if RESULT_SHEET in parts:  # issued with the return (or an earlier copy's): its content is replaced
        files[parts[RESULT_SHEET]] = result
        part = None
    else:
        part = _add_result_part(files, parts)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            zout.writestr(info, files[info.filename])
        if part:
            zout.writestr(part, result)
