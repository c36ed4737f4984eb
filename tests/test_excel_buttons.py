"""The Excel buttons on real workbooks through both xlwings clients' payloads, answers applied back as Excel would."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from conftest import CONFIGS, ROOT, convert
from xlwings_harness import ExcelRefused, actions_of, apply, book_from, payload, run_button
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.actions.validate import validate
from xltasks.core.config import parse_config
from xltasks.core.returns import LEAD_SHEET, RESULT_SHEET
from xltasks.excel import buttons
from xltasks.excel.clerk import clear_marks_book, export_return_book, validate_return_book
from xltasks.excel.coordinator import NEEDED_SHEETS

TODAY = dt.date(2026, 11, 28)
CLIENTS = ("VBA", "Office.js", "Office.js-1.11")  # the last: Excel before ExcelApi 1.12 sends dates as serials
MASTERS = {"tongchuan": ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx",
           "yanta": ROOT / "workbooks" / "masters" / "yanta-master.xlsx"}


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("issued")
    return {name: [f.path for f in split(master, out / name, "2026年11月",
                                         parse_config((CONFIGS / f"{name}.toml").read_text("utf-8")),
                                         with_coop=True).files]
            for name, master in MASTERS.items()}


def lead_return(issued, programme: str) -> Path:
    return next(p for p in issued[programme] if LEAD_SHEET in load_workbook(p, read_only=True).sheetnames)


def looks(path: Path) -> dict:
    """Every non-empty cell's value and every cell's fill colour, per sheet: what a clerk would see changed."""
    wb = load_workbook(path)
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                fill = c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" else None
                if c.value not in (None, "") or fill:
                    seen[(ws.title, c.coordinate)] = (c.value, fill)
    return seen


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("programme", ["tongchuan", "yanta"])
def test_check_marks_lists_and_clears_exactly(issued, tmp_path, client, programme):
    path = fill_demo_return(lead_return(issued, programme), tmp_path / "r.xlsx", TODAY, seed=1, mistake=True)
    before = looks(path)
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)
    expected = [f for f in validate([path], today=TODAY).files[0].findings if f.severity == "error"]
    assert [f.code for f in expected] == ["cell.not-a-number"]
    assert done.alerts == ["共1处需修改，已标红；详见「校验结果」表。"] and done.active == RESULT_SHEET
    wb = load_workbook(path)
    bad = expected[0]
    assert wb[bad.sheet][bad.cell].fill.fgColor.rgb[-6:] == "FFC7CE"
    listed = [[c.value for c in row] for row in wb[RESULT_SHEET].iter_rows(min_row=4) if row[0].value]
    assert listed == [["错误", bad.sheet, bad.cell, bad.field, bad.message]]
    # the clerk fixes the cell as told; the workbook then passes the terminal's check too
    wb[bad.sheet][bad.cell] = 80
    wb.save(path)
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert done.alerts == ["校验通过，可以报送。"]
    assert validate([path], today=TODAY).files[0].valid
    after_fix = looks(path)
    assert after_fix[(bad.sheet, bad.cell)][1] == before[(bad.sheet, bad.cell)][1]  # the red came off by itself
    done = run_button(path, clear_marks_book, client)
    assert done.alerts == ["没有需要清除的标记。"]


@pytest.mark.parametrize("client", CLIENTS)
def test_clear_marks_gives_back_the_workbook_as_before(issued, tmp_path, client):
    path = Path(shutil.copy(lead_return(issued, "tongchuan"), tmp_path / "blank.xlsx"))  # nothing filled: many marks
    apply(path, [], path)  # the same openpyxl round trip the buttons' answers go through
    before = looks(path)
    done = run_button(path, lambda b: validate_return_book(b, TODAY), client)
    assert done.alerts[0].startswith("共") and done.counts["setRangeColor"] < 30  # rectangles, not one per cell
    assert looks(path) != before
    done = run_button(path, clear_marks_book, client)
    assert done.alerts[0].startswith("已清除") and looks(path) == before
    run_button(path, lambda b: validate_return_book(b, TODAY), client)
    wb = load_workbook(path)
    wb[RESULT_SHEET].delete_rows(4, 500)  # the clerk deleted the list (or sorted it): the marks still come off
    wb.save(path)
    run_button(path, clear_marks_book, client)
    assert looks(path) == before


def test_a_return_resaved_by_libreoffice_is_checked_and_marked(issued, tmp_path, soffice):
    (tmp_path / "in").mkdir()
    filled = fill_demo_return(lead_return(issued, "yanta"), tmp_path / "in" / "r.xlsx", TODAY, 2, mistake=True)
    resaved = convert(soffice, filled, "xlsx", tmp_path / "lo")
    done = run_button(resaved, lambda b: validate_return_book(b, TODAY), "VBA")
    assert done.alerts == ["共1处需修改，已标红；详见「校验结果」表。"]


def test_excel_refuses_what_the_buttons_must_not_do(issued, tmp_path):
    """The harness is Excel's stand-in: a fill on a sheet without format permission or a new sheet in a locked
    workbook fails, as in Excel; returns issued before the 校验结果 sheet get their findings in the message."""
    path = Path(shutil.copy(lead_return(issued, "tongchuan"), tmp_path / "r.xlsx"))
    wb = load_workbook(path)
    wb[LEAD_SHEET].protection.formatCells = True
    wb.save(path)
    book = book_from(payload(path))
    book.sheets[LEAD_SHEET].range("A6").color = "#FF0000"
    with pytest.raises(ExcelRefused):
        apply(path, actions_of(book), tmp_path / "x.xlsx")
    book = book_from(payload(path))
    book.sheets.add("新表")
    with pytest.raises(ExcelRefused):
        apply(path, actions_of(book), tmp_path / "x.xlsx")
    del wb[RESULT_SHEET]  # an older return: no 校验结果 sheet, no format permission
    wb.save(path)
    done = run_button(path, lambda b: validate_return_book(b, TODAY), "VBA")
    assert done.counts == {"alert": 1} and done.alerts[0].startswith("共") and "\n1. " in done.alerts[0]
    assert len(done.alerts[0]) <= 1024 and done.alerts[0].endswith("条。")  # VBA's MsgBox shows 1,024 characters


def test_foreign_workbooks_and_the_wrong_workbook_get_one_message_and_no_change(issued, tmp_path):
    """Someone else's tables, the master under a clerk's button and a return under a coordinator's: one alert
    that says what the button is for, and not a single cell written."""
    clerk = (validate_return_book, clear_marks_book, lambda b: export_return_book(b, tmp_path))
    coordinator = (buttons.xl_split_round, buttons.xl_validate_folder, buttons.xl_merge_folder,
                   buttons.xl_refresh_stats)
    foreign = sorted((ROOT / "tests" / "data" / "foreign").glob("*.xlsx"))
    for source in [*foreign, MASTERS["yanta"], lead_return(issued, "yanta")]:
        path = Path(shutil.copy(source, tmp_path / source.name))
        wrong = clerk if source == MASTERS["yanta"] else coordinator if source not in foreign else (*clerk, *coordinator)
        for button in wrong:
            book = book_from(payload(path, name=str(path)))
            if button in coordinator:
                book.set_mock_caller()
                button()
            else:
                button(book)
            actions = actions_of(book)
            assert [a["func"] for a in actions] == ["alert"], (source.name, actions)
            text = actions[0]["args"][0]
            if source == MASTERS["yanta"] and button is validate_return_book:
                assert text.startswith("「校验本表」只用于 xltasks 下发的报送表")
            if source in foreign and button in coordinator or source.name.endswith("报送表.xlsx") and \
                    button in coordinator:
                assert text.startswith("「汇总」组的按钮只用于 xltasks 生成的总台账"), text


@pytest.mark.parametrize("client", CLIENTS)
def test_export_saves_a_clean_return_under_the_expected_name(issued, tmp_path, client):
    source = lead_return(issued, "tongchuan")
    path = fill_demo_return(source, tmp_path / "我的填报.xlsx", TODAY, seed=3, mistake=True)
    errors = sum(f.severity == "error" for f in validate([path], today=TODAY).files[0].findings)
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY), client)
    assert errors and done.alerts[0].startswith(f"还有{errors}处需修改")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["我的填报.xlsx"]
    path = fill_demo_return(source, path, TODAY, seed=3)
    wb = load_workbook(path)
    note = next(c.column_letter for c in wb[LEAD_SHEET][5] if c.value == "备注")
    wb[LEAD_SHEET][f"{note}6"] = "610102199001011234"  # an ID card number typed as text: VBA sends it as a number
    wb.save(path)
    saved = path.read_bytes()
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY), client)
    target = tmp_path / source.name  # 期次-单位-报送表.xlsx, as split named it
    assert done.alerts == [f"已导出：{target}\n请把这个文件按通知报送。"]
    assert target.read_bytes() == saved and validate([target], today=TODAY).files[0].valid


@pytest.mark.parametrize("client", CLIENTS)
def test_the_clerks_runpython_buttons_with_a_mock_caller(issued, tmp_path, client):
    path = fill_demo_return(lead_return(issued, "yanta"), tmp_path / "r.xlsx", TODAY, seed=1, mistake=True)
    for button, expected in ((buttons.xl_validate_return, "共"), (buttons.xl_export_return, "还有"),
                             (buttons.xl_clear_marks, "已清除1处标记")):
        book = book_from(payload(path, client, name=str(path)))
        book.set_mock_caller()
        button()
        assert apply(path, actions_of(book)).alerts[0].startswith(expected), button.__name__


def test_export_refuses_unsaved_changes_and_saved_marks(issued, tmp_path):
    source = lead_return(issued, "tongchuan")
    path = fill_demo_return(source, tmp_path / "r.xlsx", TODAY, seed=3)
    text_col = next(c.column_letter for c in load_workbook(path)[LEAD_SHEET][5] if c.value == "进展情况")
    book = book_from(typed_not_saved(payload(path), LEAD_SHEET, f"{text_col}6"))
    export_return_book(book, tmp_path, TODAY)
    assert "未保存" in actions_of(book)[-1]["args"][0]
    wb = load_workbook(path)
    wb[RESULT_SHEET]["A4"], wb[RESULT_SHEET]["E4"] = "错误", "旧的校验结果"
    wb.save(path)
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY), "VBA")
    assert "清除标记" in done.alerts[0] and not (tmp_path / source.name).exists()
    wb[RESULT_SHEET].delete_rows(4)  # the list deleted by hand, a red cell saved in the file
    wb[LEAD_SHEET]["J7"].fill = PatternFill("solid", fgColor="FFFFC7CE")
    wb.save(path)
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY), "VBA")
    assert "清除标记" in done.alerts[0] and not (tmp_path / source.name).exists()


def test_a_return_saved_as_xls_is_exported_as_xls(issued, tmp_path, soffice):
    filled = fill_demo_return(lead_return(issued, "yanta"), tmp_path / "r.xlsx", TODAY, seed=3)
    old = convert(soffice, filled, "xls", tmp_path / "old")
    book = book_from(payload(filled, "VBA", name=old.name))  # the .xls open in Excel shows what the .xlsx holds
    export_return_book(book, old.parent, TODAY)
    target = old.parent / lead_return(issued, "yanta").with_suffix(".xls").name
    assert actions_of(book)[-1]["args"][0].startswith(f"已导出：{target}") and target.read_bytes() == old.read_bytes()


def typed_not_saved(body: bytes, sheet: str, ref: str) -> bytes:
    """The request a workbook sends after the user typed into `ref` of `sheet` without saving."""
    data = json.loads(body)
    values = next(s for s in data["sheets"] if s["name"] == sheet)["values"]
    row, col = int(ref[1:]) - 1, ord(ref[0]) - 65
    values[row][col] = "改了没存"
    return json.dumps(data).encode("utf-8")


def click(master: Path, button, client: str = "VBA"):
    """A coordinator's click on the open master, as RunPython would make it (the mock caller is the JSON book)."""
    book = book_from(payload(master, client, include=list(NEEDED_SHEETS), name=str(master)))
    book.set_mock_caller()
    button()
    return apply(master, actions_of(book))


@pytest.mark.parametrize("programme,client", [("tongchuan", "VBA"), ("yanta", "Office.js")])
def test_the_coordinators_round_from_the_ribbon(tmp_path, programme, client):
    master = Path(shutil.copy(MASTERS[programme], tmp_path / "总台账.xlsx"))
    shutil.copy(CONFIGS / f"{programme}.toml", tmp_path / "office.toml")
    done = click(master, buttons.xl_split_round, client)
    assert "写入按钮设置" in done.alerts[0] and not (tmp_path / "下发表").exists()
    rows = {r[0].value: r[1].value for r in load_workbook(master)["使用说明"].iter_rows() if r[0].value}
    assert rows["报送表文件夹"] == "报送表" and rows["本期期次"] == f"{dt.date.today().year}年{dt.date.today().month}月"
    wb = load_workbook(master)
    ws = wb["使用说明"]
    row = next(r for r in ws.iter_rows() if r[0].value == "本期期次")
    row[1].value = dt.datetime(2026, 11, 1)  # what Excel keeps of "2026年11月" or "2026-11" typed into the cell
    wb.save(master)
    done = click(master, buttons.xl_split_round, client)
    issued = sorted((tmp_path / "下发表").glob("*.xlsx"))
    assert done.alerts[0].startswith(f"已生成{len(issued)}份报送表（2026年11月）") and issued
    before = [p.read_bytes() for p in issued]
    done = click(master, buttons.xl_split_round, client)  # a second click never replaces what went out
    assert "不会覆盖" in done.alerts[0] and [p.read_bytes() for p in issued] == before
    inbox = tmp_path / "报送表"
    inbox.mkdir()
    for i, path in enumerate(issued[:4]):
        name = "=SUM(1,2).xlsx" if i == 3 else path.name  # a file name Excel would take for a formula
        fill_demo_return(path, inbox / name, TODAY, i, mistake=(i == 0))
    done = click(master, buttons.xl_validate_folder, client)
    result = validate([inbox], master, "2026年11月")
    s = result.summary()
    assert done.alerts[0].startswith(f"共{s['files']}份，通过{s['valid']}份，有误{s['invalid']}份。")
    summary = [[c.value for c in r] for r in load_workbook(master)["校验汇总"].iter_rows()]
    assert summary[0][:4] == ["文件", "单位", "期次", "结果"] and len(summary) == 1 + s["files"]
    assert "=SUM(1,2).xlsx" in [row[0] for row in summary]  # written as text, not run
    # no sheet of the master is activated: VBA would count a coordinator's chart sheets, xlwings does not
    assert (tmp_path / "总台账-2026年11月-校验报告.xlsx").is_file() and "activateSheet" not in done.counts
    before = master.read_bytes()
    done = click(master, buttons.xl_merge_folder, client)
    assert done.alerts[0].startswith("汇总") and "总台账已写入" in done.alerts[0] and master.read_bytes() != before
    merged = master.read_bytes()
    done = click(master, buttons.xl_merge_folder, client)
    assert "没有改动" in done.alerts[0]
    done = click(master, buttons.xl_refresh_stats, client)
    assert done.alerts[0].startswith(f"已按{dt.date.today().isoformat()}刷新统计")
    assert merged


def test_a_master_with_unsaved_changes_is_not_used(tmp_path):
    master = Path(shutil.copy(MASTERS["yanta"], tmp_path / "总台账.xlsx"))
    click(master, buttons.xl_split_round)  # the settings rows
    book = book_from(typed_not_saved(payload(master, include=list(NEEDED_SHEETS), name=str(master)), "使用说明", "B5"))
    book.set_mock_caller()
    buttons.xl_merge_folder()
    assert "未保存" in actions_of(book)[-1]["args"][0]


def test_old_office_js_sends_dates_as_serial_numbers(tmp_path):
    """Excel before ExcelApi 1.12 sends a date cell as its serial: the master is still seen as saved."""
    master = Path(shutil.copy(MASTERS["tongchuan"], tmp_path / "总台账.xlsx"))
    click(master, buttons.xl_split_round)  # the settings rows
    wb = load_workbook(master)
    wb["使用说明"].append(["下次报送截止", dt.datetime(2026, 12, 5)])  # a date among the rows the request carries
    wb.save(master)
    data = json.loads(payload(master, "Office.js", include=list(NEEDED_SHEETS), name=str(master)))
    serials = 0
    for sheet in data["sheets"]:
        for row in sheet["values"]:
            for i, value in enumerate(row):
                if isinstance(value, str) and value.endswith("T00:00:00.000Z"):
                    row[i] = float((dt.date.fromisoformat(value[:10]) - dt.date(1899, 12, 30)).days)
                    serials += 1
    assert serials
    book = book_from(json.dumps(data).encode("utf-8"))
    book.set_mock_caller()
    buttons.xl_split_round()
    assert actions_of(book)[-1]["args"][0].startswith("已生成")


@pytest.mark.parametrize("key,value", [("first_row", "x"), ("row", "六"), ("row", 3_000_000), ("header_cells.sheet", None)])
def test_an_edited_metadata_sheet_is_reported_never_trusted(issued, tmp_path, key, value):
    """The very hidden sheet edited by hand: the checks say so, and no mark lands outside the sheet's rows."""
    path = Path(shutil.copy(lead_return(issued, "tongchuan"), tmp_path / "r.xlsx"))
    data = json.loads(payload(path, "Office.js"))
    meta = next(s for s in data["sheets"] if s["name"] == "_xltasks")["values"]
    for row in meta:
        if key == "row" and row[0] == "" and row[3] == LEAD_SHEET:
            row[4] = value
            break
        if row[0] == key:
            row[0 if value is None else 1] = "x" + key if value is None else value
    book = book_from(json.dumps(data).encode("utf-8"))
    validate_return_book(book, TODAY)
    actions = actions_of(book)
    assert actions[-1]["func"] == "alert" and actions[-1]["args"][0].startswith("共")
    lead_rows = len(next(s for s in data["sheets"] if s["name"] == LEAD_SHEET)["values"])
    assert all(a["start_row"] + a["row_count"] <= lead_rows for a in actions if a["func"] == "setRangeColor")
    clear_marks_book(book)


def test_a_round_excel_turned_into_a_number_is_refused(tmp_path):
    master = Path(shutil.copy(MASTERS["yanta"], tmp_path / "总台账.xlsx"))
    click(master, buttons.xl_split_round)
    wb = load_workbook(master)
    next(r for r in wb["使用说明"].iter_rows() if r[0].value == "本期期次")[1].value = 2026.1  # "2026.10" typed
    wb.save(master)
    done = click(master, buttons.xl_split_round)
    assert "当成了数字（2026.1）" in done.alerts[0] and not (tmp_path / "下发表").exists()


def test_someone_elses_results_sheet_is_left_alone(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = RESULT_SHEET  # a common name: another system's check output
    for r in range(1, 20):
        ws.append([f"第{r}行", "别人的内容"])
    path = tmp_path / "别人的表.xlsx"
    wb.save(path)
    done = run_button(path, clear_marks_book)
    assert done.counts == {"alert": 1} and load_workbook(path)[RESULT_SHEET].max_row == 19


def test_a_huge_cell_gives_a_message_excel_can_hold(issued, tmp_path):
    path = fill_demo_return(lead_return(issued, "tongchuan"), tmp_path / "r.xlsx", TODAY, seed=1)
    wb = load_workbook(path)
    progress = next(c.column_letter for c in wb[LEAD_SHEET][5] if c.value == "完成进度(%)")
    wb[LEAD_SHEET][f"{progress}6"] = "八" * 32_767
    wb.save(path)
    run_button(path, lambda b: validate_return_book(b, TODAY))
    listed = [r[4].value for r in load_workbook(path)[RESULT_SHEET].iter_rows(min_row=4) if r[0].value]
    assert listed and max(map(len, listed)) <= 1002


def test_export_checks_the_saved_file_as_the_coordinator_will(issued, tmp_path):
    """Merged input cells (a clerk unprotected the sheet) are not sent by any client: the saved file shows them."""
    source = lead_return(issued, "tongchuan")
    path = fill_demo_return(source, tmp_path / "r.xlsx", TODAY, seed=3)
    wb = load_workbook(path)
    ws = wb[LEAD_SHEET]
    note = next(c.column_letter for c in ws[5] if c.value == "备注")
    ws.protection.sheet = False
    ws.merge_cells(f"{note}6:{note}7")
    wb.save(path)
    done = run_button(path, lambda b: export_return_book(b, tmp_path, TODAY))
    assert "暂不能导出" in done.alerts[0] and not (tmp_path / source.name).exists()


def test_a_settings_row_written_twice_is_refused(tmp_path):
    master = Path(shutil.copy(MASTERS["yanta"], tmp_path / "总台账.xlsx"))
    click(master, buttons.xl_split_round)
    wb = load_workbook(master)
    wb["使用说明"].append(["本期期次", "2026年10月"])
    wb.save(master)
    done = click(master, buttons.xl_split_round)
    assert "写了两次" in done.alerts[0] and not (tmp_path / "下发表").exists()
