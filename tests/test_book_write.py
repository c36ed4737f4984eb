"""The master's cells are written as sheet XML by us (files/xlsx/cell_xml.py), spliced into xlsxwriter's package:
byte for byte what xlsxwriter itself writes, except text shaped like rich-text XML, which only we escape."""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import subprocess
import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from xltasks.files.xlsx.book_read import SheetData
from xltasks.files.xlsx.book_write import write_book
from xltasks.files.xlsx.cell_xml import Cells, splice
from xltasks.files.xlsx.safe_write import cell_text

TEXTS = ["推进中", "资金 & 人员 <到位>", "  前后有空格 ", "两行\n文字", "回车\r换行", "控制\x01字符", "字面 _x0041_ 转义",
         "非字符\ufffe", "表情😀", "超长" * 20000, "", "=SUM(A1:A3)", "+86", "-", "@某人", "\t制表"]
NUMBERS = [0, 1, -7, 0.1, 1e-7, 1e20, -0.0, 123456789012345678, 80.5, float("nan"), float("inf")]
DATES = [dt.date(2026, 11, 30), dt.datetime(2026, 11, 30, 8, 15, 30), dt.datetime(1900, 2, 28),
         dt.datetime(1900, 3, 1, 12), dt.time(9, 30), dt.date(2000, 1, 1)]


def _packages(rows, heights):
    """The same cells written by xlsxwriter and by Cells + splice; each: {part name: bytes}."""
    out = []
    for ours in (False, True):
        package = io.BytesIO()
        book = xlsxwriter.Workbook(package, {"constant_memory": True, "strings_to_formulas": False,
                                             "strings_to_numbers": False, "strings_to_urls": False})
        formats = [None, book.add_format({"border": 1, "text_wrap": True}), book.add_format({"num_format": "0%"}),
                   book.add_format({"num_format": "yyyy-mm-dd", "bg_color": "#FFF9E5"})]
        ws = book.add_worksheet("表")
        cells = Cells()
        for r, row in enumerate(rows):
            parts = []
            for c, (kind, value, f) in enumerate(row):
                fmt = formats[f]
                if not ours:
                    if kind == "number" and not math.isfinite(value):
                        continue  # left out, as our writer leaves it out
                    if kind == "string":  # what the master writer gave xlsxwriter: text made safe, "" as blank
                        value = cell_text(value)
                        kind = "string" if value else "blank"
                    getattr(ws, "write_" + kind)(r, c, *((value,) if kind != "blank" else (None,)), fmt)
                elif kind == "datetime":
                    parts.append(cells.date(r, c, value, fmt))
                else:
                    parts.append(getattr(cells, kind)(r, c, *((value,) if kind != "blank" else ()), fmt))
            if heights[r] is not None:
                ws.set_row(r, heights[r])
            if ours:
                cells.row(r, parts, heights[r])
        book.close()
        target = io.BytesIO()
        if ours:
            splice(package, target, {0: cells})
        else:
            target = package
        with zipfile.ZipFile(target) as z:
            out.append({n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"})
    return out


def test_cells_are_written_byte_for_byte_as_xlsxwriter_writes_them():
    rows = []
    for i, text in enumerate(TEXTS):
        rows.append([("string", text, i % 4), ("number", NUMBERS[i % len(NUMBERS)], 2),
                     ("datetime", DATES[i % len(DATES)], 3), ("boolean", i % 2 == 0, 1), ("blank", None, 1)])
    rows.append([("number", n, 0) for n in NUMBERS])
    rows.append([("blank", None, 1), ("blank", None, 0), ("string", "末行", 1)])
    heights = [None, 28, 15, 15.5, 40.25, 300, None, 12] * 3
    reference, ours = _packages(rows, heights[:len(rows)])
    assert reference.keys() == ours.keys()
    for name in reference:
        assert ours[name] == reference[name], name
    sheet = ours["xl/worksheets/sheet1.xml"].decode()
    assert 'ht="27.75" customHeight="1"' in sheet and "_x005F_x0041_" in sheet and "资金 &amp; 人员 &lt;到位&gt;" in sheet


def test_empty_rows_keep_their_height_and_an_empty_sheet_is_as_xlsxwriter_writes_it():
    """xlsxwriter in constant-memory mode drops the height of an empty row it is given between others; ours keeps
    it, and is otherwise the same."""
    reference, ours = _packages([[], [("string", "中", 1)], [], [("blank", None, 0)], [("blank", None, 1)]],
                                [40, None, 30, 20, None])
    kept = '<row r="3" ht="30" customHeight="1"/><row r="4" ht="20.25" customHeight="1"/>'
    assert ours["xl/worksheets/sheet1.xml"].decode() == reference["xl/worksheets/sheet1.xml"].decode().replace(
        '</row><row r="5">', "</row>" + kept + '<row r="5">')
    reference, ours = _packages([], [])
    assert ours == reference


def test_rich_text_lookalikes_formulas_links_and_notes(tmp_path):
    """Text like "<r>..</r>" stays text (xlsxwriter alone would write it as XML and break the file), with or
    without a link; formulas and array formulas, which xlsxwriter writes, land in their rows with a stored result
    made safe; a linked cell keeps its value and type; a note in row 1 of a sheet whose first row has no cell does
    not stop the writer; nothing is written past Excel's last column."""
    rich = "<r>资金 & 人员</r>"
    sheet = SheetData("协调员表", [[None, None], ["链接", rich, None, 5], [1, 2, "a\x01b\ufffe"], [3, 4, True],
                                  ["<r><t>x</t></r>", 5], ["宽", *range(16_390)]],
                      comments={(0, 0): "首行批注", (3, 1): "批注"},
                      formulas={(2, 2): 'A3&CHAR(1)&"b"', (3, 2): "SUM(A3:B4)>0", (0, 1): "B5*2"},
                      arrays={(3, 2): (3, 2, False)},
                      links={(1, 0): "https://example.org/进展?a=1&b=2", (1, 1): "https://example.org",
                             (1, 2): "mailto:<r></c></r>", (1, 3): "internal:'协调员表'!A1"})
    target = tmp_path / "book.xlsx"
    write_book(target, [(sheet, None)], {})
    values = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert values[1][:4] == ["链接", rich, "", 5] and values[4][0] == "<r><t>x</t></r>"
    assert values[2][2] == "ab" and len(values[5]) == 16_384
    book = load_workbook(target)
    ws = book["协调员表"]
    assert ws["C3"].value == '=A3&CHAR(1)&"b"' and ws["B1"].value == "=B5*2"
    assert ws["C4"].value.text == "=SUM(A3:B4)>0" and ws["C4"].value.ref == "C4"
    assert ws["A2"].hyperlink.target == "https://example.org/进展?a=1&b=2" and ws["A2"].value == "链接"
    assert ws["B2"].hyperlink.target == "https://example.org" and ws["B2"].value == rich
    assert ws["C2"].hyperlink.target.startswith("mailto:%3cr%3e")  # xlsxwriter quotes it; the cell is empty (above)
    assert ws["D2"].hyperlink.location == "'协调员表'!A1" and ws["D2"].value == 5
    assert ws["A1"].comment.text == "首行批注" and ws["B4"].comment.text == "批注"
    assert ws.dimensions == "A1:XFD6"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_reads_the_spliced_cells(tmp_path):
    sheet = SheetData("表", [["<r>甲 & 乙</r>", "  空格 ", 0.8], [dt.date(2026, 6, 30), True, "_x0041_"]],
                      formulas={(1, 3): "C1*100"})
    write_book(tmp_path / "book.xlsx", [(sheet, None)], {})
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path), str(tmp_path / "book.xlsx")], check=True, capture_output=True,
                   timeout=120)
    lines = (tmp_path / "book.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == '<r>甲 & 乙</r>,  空格 ,0.8,'
    assert lines[1].split(",")[1:] == ["TRUE", "_x0041_", "80"]


def test_copied_rows_renumber_cell_formats_in_tags_never_in_text():
    from xltasks.files.xlsx.verbatim import restyle

    row = '<row r="3"><c r="A3" s="9" t="inlineStr"><is><t>按文件 s="9" 执行</t></is></c><c r="B3" s="9"/></row>'
    assert restyle(row.encode(), {b"9": b"6"}).decode() == row.replace('A3" s="9"', 'A3" s="6"').replace(
        'B3" s="9"', 'B3" s="6"')


def test_rows_are_copied_only_from_the_bytes_their_values_were_read_from(tmp_path, monkeypatch):
    """Another run rewrote the master after this one read it: its rows are no longer the ones compared, so they
    are not copied (before the write starts, or, when it changed later, the sheet is written whole)."""
    from xltasks.files.xlsx import verbatim
    from xltasks.files.xlsx.book_read import read_book
    from xltasks.files.xlsx.verbatim import VerbatimMismatch, unchanged_rows

    monkeypatch.setattr(verbatim, "MIN_ROWS", 1)
    path = tmp_path / "台账.xlsx"
    rows = [["记录"], ["期次", "内容"], *[["6月", f"第{i}行"] for i in range(20)]]
    write_book(path, [(SheetData("记录", [list(r) for r in rows]), None)], {})
    old = read_book(path)[0]
    new = SheetData("记录", [list(r) for r in rows] + [["7月", "新的一行"]])
    copy = unchanged_rows(old, new, 2)
    assert copy is not None and copy.rows == 20
    write_book(path, [(SheetData("记录", [list(r) for r in rows[:5]]), None)], {})  # another run, meanwhile
    assert unchanged_rows(old, new, 2) is None
    with pytest.raises(VerbatimMismatch):
        copy.copy_to(io.BytesIO())
    out = tmp_path / "新.xlsx"
    new.verbatim = copy
    write_book(out, [(new, None)], {})  # falls back to writing every row from the values
    values = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("记录").to_python()
    assert len(values) == 23 and values[21] == ["6月", "第19行"] and values[22] == ["7月", "新的一行"]
