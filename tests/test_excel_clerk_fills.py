"""A clerk's own fill colours on an open return survive 校验本表 and 清除标记: only what the check painted (its record
in 校验结果 A2) is taken off. Real returns from split, run through both xlwings clients' payloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from conftest import CONFIGS, ROOT
from xlwings_harness import run_button
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.actions.validate import validate
from xltasks.core.config import parse_config
from xltasks.core.returns import LEAD_SHEET, RESULT_HINT, RESULT_SHEET
from xltasks.excel.clerk import clear_marks_book, validate_return_book
from xltasks.excel.marks import CELL_CHARS, Fill, record_text, recorded_cells
from xltasks.files.returns.write import INPUT_COLOR, LOCKED_COLOR

TODAY = dt.date(2026, 11, 28)
CLIENTS = ("VBA", "Office.js")
OWN = "00B0F0"  # the clerk's highlight: a colour no mark uses
ISSUED = {INPUT_COLOR.lstrip("#").upper(), LOCKED_COLOR.lstrip("#").upper()}


@pytest.fixture(scope="module")
def lead(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("issued")
    files = split(ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx", out, "2026年11月",
                  parse_config((CONFIGS / "tongchuan.toml").read_text("utf-8")), with_coop=True).files
    return next(f.path for f in files if LEAD_SHEET in load_workbook(f.path, read_only=True).sheetnames)


def fill_of(path: Path, sheet: str, ref: str) -> str | None:
    cell = load_workbook(path)[sheet][ref]
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


def highlight(path: Path, refs: list[str]) -> None:
    """The clerk colours task-row cells of their own (Excel lets them: format cells is allowed)."""
    wb = load_workbook(path)
    for ref in refs:
        wb[LEAD_SHEET][ref].fill = PatternFill("solid", fgColor="FF" + OWN)
    wb.save(path)


def set_cell(path: Path, sheet: str, ref: str, value: object) -> None:
    wb = load_workbook(path)
    wb[sheet][ref] = value
    wb.save(path)


def record(path: Path) -> str:
    return load_workbook(path)[RESULT_SHEET]["A2"].value


def the_mistake(path: Path):
    return next(f for f in validate([path], today=TODAY).files[0].findings if f.severity == "error")


def own_cells(path: Path) -> list[str]:
    """A locked context cell and an input cell of task rows the mistake is not on."""
    ws = load_workbook(path)[LEAD_SHEET]
    notes = next(c.column_letter for c in ws[5] if c.value == "备注")
    return ["D8", f"{notes}9"]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_clerks_own_colours_survive_check_fix_check_and_clear(lead, tmp_path, client):
    path = fill_demo_return(lead, tmp_path / "r.xlsx", TODAY, seed=1, mistake=True)
    bad = the_mistake(path)
    mine = own_cells(path)
    assert bad.cell not in mine
    highlight(path, mine)
    issued_fill = fill_of(path, bad.sheet, bad.cell)
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert fill_of(path, bad.sheet, bad.cell) == "FFC7CE"
    assert [fill_of(path, LEAD_SHEET, ref) for ref in mine] == [OWN, OWN]
    assert record(path) == f"已标色单元格：「{bad.sheet}」{bad.cell}（「清除标记」按此恢复原色）"
    set_cell(path, bad.sheet, bad.cell, 80)  # fixed as told
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert done.alerts == ["校验通过，可以报送。"]
    assert fill_of(path, bad.sheet, bad.cell) == issued_fill and issued_fill in ISSUED
    assert [fill_of(path, LEAD_SHEET, ref) for ref in mine] == [OWN, OWN] and record(path) == RESULT_HINT
    set_cell(path, bad.sheet, bad.cell, "八成")  # wrong again, then the marks cleared by hand
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert fill_of(path, bad.sheet, bad.cell) == "FFC7CE"
    done = run_button(path, clear_marks_book, client)
    assert done.alerts == ["已清除1处标记。"] and record(path) == RESULT_HINT
    assert fill_of(path, bad.sheet, bad.cell) == issued_fill
    assert [fill_of(path, LEAD_SHEET, ref) for ref in mine] == [OWN, OWN]


@pytest.mark.parametrize("client", CLIENTS)
def test_marks_come_off_by_the_record_when_the_list_was_deleted(lead, tmp_path, client):
    """The clerk deleted the rows of 校验结果 that listed the marks: the record above them still names them."""
    path = fill_demo_return(lead, tmp_path / "r.xlsx", TODAY, seed=1, mistake=True)
    bad = the_mistake(path)
    issued_fill = fill_of(path, bad.sheet, bad.cell)
    highlight(path, own_cells(path))
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    wb = load_workbook(path)
    wb[RESULT_SHEET].delete_rows(4, 500)
    wb[bad.sheet][bad.cell] = 80
    wb.save(path)
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert fill_of(path, bad.sheet, bad.cell) == issued_fill
    assert [fill_of(path, LEAD_SHEET, ref) for ref in own_cells(path)] == [OWN, OWN]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_blank_return_many_marks_few_actions_and_own_colours_kept(lead, tmp_path, client):
    path = fill_demo_return(lead, tmp_path / "r.xlsx", TODAY, seed=1)
    wb = load_workbook(path)
    ws = wb[LEAD_SHEET]
    for row in ws.iter_rows(min_row=6):  # every input emptied: whole required columns get marked
        for cell in row:
            if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb[-6:] == INPUT_COLOR.lstrip("#").upper():
                cell.value = None
    wb.save(path)
    highlight(path, ["D8"])
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert done.alerts[0].startswith("共") and done.counts["setRangeColor"] < 30
    assert recorded_cells(record(path), {(LEAD_SHEET, "D8"): "x"}) is not None  # a record of ours
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)  # marks again: the same again
    assert done.counts["setRangeColor"] < 30 and fill_of(path, LEAD_SHEET, "D8") == OWN
    done = run_button(path, clear_marks_book, client)
    assert done.alerts[0].startswith("已清除") and fill_of(path, LEAD_SHEET, "D8") == OWN
    assert done.counts["setRangeColor"] < 30
    assert not any(c.fill.fill_type == "solid" and c.fill.fgColor.rgb[-6:] in ("FFC7CE", "FFEB9C")
                   for row in load_workbook(path)[LEAD_SHEET].iter_rows() for c in row)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_return_checked_before_records_were_kept(lead, tmp_path, client):
    """A2 still shows the hint (an earlier version painted the marks and kept no record): the cells its list
    names come off; a record the clerk typed over takes every issued fill back, so no mark stays."""
    path = fill_demo_return(lead, tmp_path / "r.xlsx", TODAY, seed=1, mistake=True)
    bad = the_mistake(path)
    issued_fill = fill_of(path, bad.sheet, bad.cell)
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    set_cell(path, RESULT_SHEET, "A2", RESULT_HINT)  # as the earlier version left it: mark and list, no record
    highlight(path, own_cells(path))
    set_cell(path, bad.sheet, bad.cell, 80)
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert fill_of(path, bad.sheet, bad.cell) == issued_fill
    assert [fill_of(path, LEAD_SHEET, ref) for ref in own_cells(path)] == [OWN, OWN]
    set_cell(path, bad.sheet, bad.cell, "八成")
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    set_cell(path, RESULT_SHEET, "A2", "我的备注")  # the record typed over
    done = run_button(path, clear_marks_book, client)
    assert "标色记录已被改动" in done.alerts[0] and record(path) == RESULT_HINT
    assert fill_of(path, bad.sheet, bad.cell) == issued_fill
    assert fill_of(path, LEAD_SHEET, "D8") in ISSUED  # the cost of a lost record: the clerk's colour too


def test_a_record_stays_within_a_cell_and_an_edited_one_costs_nothing():
    """Scattered marks past Excel's 32,767 characters are recorded as one range a sheet; a range typed into the
    record reaches no cell outside the issued ones."""
    issued = {(LEAD_SHEET, f"{col}{row}"): "#FFF2CC" for row in range(6, 4006) for col in "JKLMNOP"}
    scattered = [Fill(LEAD_SHEET, row, col, row, col, "#FFC7CE") for row in range(6, 4006) for col in (10, 12, 14)]
    text = record_text(scattered)
    assert len(text) <= CELL_CHARS and text == "已标色单元格：「牵头任务」J6:N4005（「清除标记」按此恢复原色）"
    assert recorded_cells(text, issued) >= {(LEAD_SHEET, f"{c}{r}") for r in range(6, 4006) for c in "JLN"}
    few = record_text(scattered[:3])
    assert few == "已标色单元格：「牵头任务」J6、L6、N6（「清除标记」按此恢复原色）"
    assert recorded_cells(few, issued) == {(LEAD_SHEET, "J6"), (LEAD_SHEET, "L6"), (LEAD_SHEET, "N6")}
    typed = "已标色单元格：「牵头任务」" + "、".join(["A1:XFD1048576"] * 2000) + "（「清除标记」按此恢复原色）"
    assert recorded_cells(typed, issued) == set(issued)
    for edited in ("已标色单元格：「牵头任务」J6", "已标色单元格：「别的表」J6（「清除标记」按此恢复原色）",
                   "已标色单元格：「牵头任务」J0（「清除标记」按此恢复原色）", None, ""):
        assert recorded_cells(edited, issued) is None


def test_a_clerks_colour_in_the_marks_own_shade_is_named_when_export_refuses(lead, tmp_path):
    """Excel's 差 cell style is the marks' light red: 清除标记 leaves it (the check never painted it), so the refusal
    says which cell and that a colour of one's own can simply be changed."""
    from xltasks.excel.clerk import export_return_book

    path = fill_demo_return(lead, tmp_path / "r.xlsx", TODAY, seed=3)
    wb = load_workbook(path)
    wb[LEAD_SHEET]["D8"].fill = PatternFill("solid", fgColor="FFFFC7CE")
    wb.save(path)
    run_button(path, clear_marks_book)
    assert fill_of(path, LEAD_SHEET, "D8") == "FFC7CE"
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY))
    assert "「牵头任务」D8" in done.alerts[0] and "换一种颜色" in done.alerts[0]
    highlight(path, ["D8"])
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY))
    assert done.alerts[0].startswith("已导出")
