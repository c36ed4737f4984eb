"""Rebuild the sample programmes' source tables (xlsx and docx, laid out as published) from their seed texts.

Run: python workbooks/build_samples.py. The seed texts (yanta-seed.txt, tongchuan-seed.txt) are text extractions
of the published attachments: each cell starts with a tab, a cell's further lines follow without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sources"
SECTION = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class Seed:
    before: list[str]  # free text above the table (title, roster)
    header: list[str]
    rows: list[list[str]]  # a section row has one cell


def _cells(text: str) -> tuple[list[str], list[str]]:
    before: list[str] = []
    cells: list[str] = []
    for line in text.splitlines():
        if line.startswith("\t"):
            cells.append(line[1:])
        elif cells:
            cells[-1] += "\n" + line
        else:
            before.append(line)
    return [b for b in before], [c.strip("\n").rstrip() for c in cells]


def read_seed(path: Path, width: int, header_width: int) -> Seed:
    before, cells = _cells(path.read_text(encoding="utf-8"))
    header, cells = cells[:header_width], cells[header_width:]
    rows = []
    while cells:
        if SECTION.match(cells[0]):
            rows.append([cells.pop(0)])
        else:
            rows.append(cells[:width])
            cells = cells[width:]
    return Seed([b.strip() for b in before], header, rows)


def _runs(values: list[str]) -> list[tuple[int, int]]:
    """(first, last) index runs where a value is followed by blanks (blank = merged from above)."""
    runs, start = [], None
    for i, value in enumerate(values + ["<end>"]):
        if value.strip() or i == len(values):
            if start is not None and i - 1 > start:
                runs.append((start, i - 1))
            start = i
    return runs


def _sections_split(rows: list[list[str]]) -> list[list[list[str]]]:
    """Row blocks between section rows, so that merges never cross a section row."""
    blocks, block = [], []
    for row in rows:
        if len(row) == 1:
            if block:
                blocks.append(block)
            block = []
        else:
            block.append(row)
    if block:
        blocks.append(block)
    return blocks


# ---- Xlsx ---------------------------------------------------------------------------------------------------

def _xlsx(seed: Seed, path: Path, sheet_title: str, widths: list[float], merge_cols: list[int],
          header_spans: dict[int, int], roster: list[str] | None = None, repeat_header_before: int | None = None):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    if roster:
        ws = wb.active
        ws.title = "附件1"
        for r, line in enumerate(roster, start=1):
            ws.cell(row=r, column=1, value=line)
        ws.column_dimensions["A"].width = 90
        ws = wb.create_sheet(sheet_title)
    else:
        ws = wb.active
        ws.title = sheet_title
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    attachment = next(b for b in seed.before if b.startswith("附件") and b != "附件1")
    title = [b for b in seed.before if b][-1]
    ws.cell(row=1, column=1, value=attachment).font = Font(name="黑体", size=12)
    ws.cell(row=2, column=1, value=title).font = Font(name="方正小标宋简体", size=16)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(widths))
    ws.cell(row=2, column=1).alignment = Alignment(horizontal="center")

    def header_row(r: int) -> None:
        col = 1
        for label in seed.header:
            ws.cell(row=r, column=col, value=label).font = Font(name="黑体", size=11)
            span = header_spans.get(col, 1)
            if span > 1:
                ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
            col += span
        for c in range(1, len(widths) + 1):
            ws.cell(row=r, column=c).border = border
            ws.cell(row=r, column=c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    header_row(3)
    r = 4
    first_row = {}
    for i, row in enumerate(seed.rows):
        if repeat_header_before is not None and i == repeat_header_before:
            header_row(r)  # a header pasted again where the printed table broke across pages
            r += 1
        first_row[i] = r
        if len(row) == 1:
            ws.cell(row=r, column=1, value=row[0]).font = Font(name="黑体", size=11)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(widths))
        else:
            for c, value in enumerate(row, start=1):
                ws.cell(row=r, column=c, value=value or None)
        for c in range(1, len(widths) + 1):
            ws.cell(row=r, column=c).border = border
            ws.cell(row=r, column=c).alignment = wrap
        r += 1
    # Merge each column's value down over the blank cells below it, within a section and not across a repeat.
    index = 0
    for block in _sections_split(seed.rows):
        start = seed.rows.index(block[0], index)
        index = start + len(block)
        for col in merge_cols:
            for a, b in _runs([row[col - 1] for row in block]):
                top, bottom = first_row[start + a], first_row[start + b]
                if repeat_header_before is not None and start + a < repeat_header_before <= start + b:
                    continue
                ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[chr(64 + c)].width = width
    ws.freeze_panes = "A4"
    wb.save(path)


# ---- Docx ---------------------------------------------------------------------------------------------------

def _docx(seed: Seed, path: Path, width: int, merge_cols: list[int], header_spans: dict[int, int],
          roster: list[str] | None = None):
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    if roster:
        for line in roster:
            document.add_paragraph(line)
    attachment = next(b for b in seed.before if b.startswith("附件") and b != "附件1")
    document.add_paragraph(attachment)
    document.add_paragraph([b for b in seed.before if b][-1])
    table = document.add_table(rows=1 + len(seed.rows), cols=width)
    table.style = "Table Grid"
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # Word repeats this row at the top of every page
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    col = 0
    for label in seed.header:
        span = header_spans.get(col + 1, 1)
        cell = header.cells[col]
        if span > 1:
            cell = cell.merge(header.cells[col + span - 1])
        cell.text = label
        col += span
    for i, row in enumerate(seed.rows, start=1):
        cells = table.rows[i].cells
        if len(row) == 1:
            merged = cells[0].merge(cells[width - 1])
            merged.text = row[0]
            continue
        for c, value in enumerate(row):
            cells[c].text = value
    index = 0
    for block in _sections_split(seed.rows):
        start = seed.rows.index(block[0], index)
        index = start + len(block)
        for col in merge_cols:
            for a, b in _runs([row[col - 1] for row in block]):
                top = table.cell(start + a + 1, col - 1)
                text = top.text
                merged = top.merge(table.cell(start + b + 1, col - 1))
                merged.text = text
    document.save(path)


# ---- The two programmes -------------------------------------------------------------------------------------

def build(out: Path = HERE) -> list[Path]:
    yanta = read_seed(out / "yanta-seed.txt", width=5, header_width=5)
    tongchuan = read_seed(out / "tongchuan-seed.txt", width=6, header_width=5)
    roster_end = tongchuan.before.index("附件2")
    roster = [line for line in tongchuan.before[:roster_end] if line.strip()]
    tongchuan.before = tongchuan.before[roster_end:]
    # The printed Tongchuan table breaks its page inside task 3: the second half repeats 序号 3 and its title.
    repeat_at = next(i for i, row in enumerate(tongchuan.rows) if row[0] == "3" and row[2].startswith("全市建成保障性"))
    paths = [out / "yanta-tasks.xlsx", out / "yanta-tasks.docx", out / "tongchuan-tasks.xlsx",
             out / "tongchuan-tasks.docx"]
    _xlsx(yanta, paths[0], "附件3", [16, 6, 60, 12, 30], merge_cols=[1], header_spans={})
    _docx(yanta, paths[1], 5, merge_cols=[1], header_spans={})
    _xlsx(tongchuan, paths[2], "附件2", [6, 16, 50, 14, 22, 12], merge_cols=[1, 2, 6], header_spans={2: 2},
          roster=roster, repeat_header_before=repeat_at)
    _docx(tongchuan, paths[3], 6, merge_cols=[1, 2, 6], header_spans={2: 2}, roster=roster)
    return paths


if __name__ == "__main__":
    for built in build():
        print(built)
