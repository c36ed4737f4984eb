"""merge on real returns: the master's report columns, state fills, history, register, and never losing data."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, cli_json, convert, run, run_cli
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from xltasks.actions.merge import merge
from xltasks.actions.split import split
from xltasks.core.schemas import validator
from test_merge_plan import TWO_LEADS, answer
from xltasks.files.master.layout import TASK_COLUMNS

TONGCHUAN = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
ROUND = "2021年6月"


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    return {f.share.unit: f.path for f in
            split(TONGCHUAN, tmp_path_factory.mktemp("issued"), ROUND, with_coop=True).files}


@pytest.fixture
def setup(issued, tmp_path):
    master = Path(shutil.copy(TONGCHUAN, tmp_path / "总台账.xlsx"))
    returns = tmp_path / "returns"
    returns.mkdir()
    answer(issued["王益区政府"], returns / "王益.xlsx", "已完成", 100)
    answer(issued["市民政局"], returns / "民政局报送(1).xlsx", "推进中", 60, coop="提供名单")
    answer(issued["市住建局"], returns / "zj.xlsx", "已完成", 100)
    return master, returns


def wrong_answer(issued: Path, out: Path) -> Path:
    """A return with one mistake a clerk makes: 进展状态 "完成了", not one of the choices (row 6)."""
    answer(issued, out)
    wb = load_workbook(out)
    ws = wb["牵头任务"]
    ws[next(c.column_letter for c in ws[5] if c.value == "进展状态") + "6"] = "完成了"
    wb.save(out)
    return out


def task_rows(master: Path) -> dict[str, dict[str, object]]:
    ws = load_workbook(master)["任务清单"]
    headers = [c.value for c in ws[2]]
    return {row[0].value: {h: c for h, c in zip(headers, row)} for row in ws.iter_rows(min_row=3) if row[0].value}


def state_colors(master: Path) -> dict[str, tuple[str, str]]:
    """当前状态 label -> (the fill its conditional format gives, the range it covers): what a coordinator sees, and
    what recolours a state edited by hand."""
    ws = load_workbook(master)["任务清单"]
    return {rule.formula[0].strip('"'): (rule.dxf.fill.bgColor.rgb[-6:], str(ranges.sqref))
            for ranges in ws.conditional_formatting for rule in ranges.rules}


def test_merge_writes_states_fills_history_and_register(setup):
    master, returns = setup
    code, data = cli_json("merge", str(master), str(returns), "--round", ROUND)
    assert code == 0 and list(validator("merge-result").iter_errors(data)) == []
    assert data["as_of"] == "2021-06-30" and Path(data["backup"]).exists()
    assert {f["outcome"] for f in data["files"]} == {"merged"}
    assert "耀州区政府" in data["missing_units"]
    rows = task_rows(master)
    first = rows["T96C76C7B"]  # 市民政局, due 2020-11-30, 推进中: overdue on 2021-06-30
    colors = state_colors(master)
    assert first["当前状态"].value == "逾期未完成" and colors["逾期未完成"] == ("FFC7CE", f"X3:X{2 + len(rows)}")
    assert (first["进展状态"].value, first["完成进度(%)"].value, first["报送单位"].value) == ("推进中", 60, "市民政局")
    two = rows[TWO_LEADS]
    assert two["当前状态"].value == "未报送" and colors["未报送"][0] == "D9D9D9"
    assert two["配合单位报送"].value == "【市民政局】提供名单"  # the cooperating unit's contribution, attributed
    done = rows["T16B41F7A"]  # 市住建局
    assert (done["当前状态"].value, done["实际完成日期"].value.date()) == ("已完成", dt.date(2021, 5, 1))
    wb = load_workbook(master)
    history = [r for r in wb["历次进展"].iter_rows(min_row=3, values_only=True)]
    assert len(history) == 35 and {r[0] for r in history} == {ROUND}
    register = [r for r in wb["报送记录"].iter_rows(min_row=3, values_only=True)]
    assert sorted((r[2], r[3]) for r in register) == [("市住建局", "已汇总"), ("市民政局", "已汇总"), ("王益区政府", "已汇总")]
    assert all(len(r[8]) == 64 for r in register)
    summary = wb["汇总统计"]
    assert wb.sheetnames[0] == "汇总统计" and len(summary._charts) == 1
    assert [c.value for c in summary[2]][:9] == ["牵头单位", "已完成", "正常推进", "即将到期", "逾期未完成", "未报送", "报送有误",
                                                 "合计", "完成率"]
    by_unit = {r[0]: r[1:9] for r in summary.iter_rows(min_row=3, values_only=True) if r[0]}
    assert by_unit["市民政局"] == (0, 18, 0, 6, 0, 0, 24, 0)
    assert by_unit["合计"][6] == 35  # tasks, as 任务清单 has them; each unit's row counts the five-lead task once
    assert sum(row[6] for unit, row in by_unit.items() if unit not in ("合计",) and row[6]) == 39
    setup = summary.page_setup  # one page by one; 1 is the file format's default, which the writer leaves out
    assert summary.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToHeight or 1, setup.fitToWidth or 1) == (1, 1)
    reminder = Path(data["reminder_file"]).read_text(encoding="utf-8")
    # issued with --coop: the 10 units that only cooperate owe a return too and are chased with the 6 leads
    assert reminder.startswith("【催办】2021年6月任务进展报送表，以下16个单位尚未报送") and "2. 耀州区政府" in reminder
    assert "14. 铜川职业技术学院" in reminder


def test_merging_again_changes_nothing_but_the_run_time(setup):
    master, returns = setup
    merge(master, [returns], ROUND)
    first = load_workbook(master)
    merge(master, [returns], ROUND)
    second = load_workbook(master)
    for name in ("任务清单", "历次进展"):
        assert [[c.value for c in r] for r in first[name].iter_rows()] == [[c.value for c in r] for r in second[name].iter_rows()]
    strip = lambda ws: [[c.value for c in r][1:] for r in ws.iter_rows(min_row=3)]  # noqa: E731 - without the run time
    assert strip(first["报送记录"]) == strip(second["报送记录"])


def test_duplicates_other_rounds_and_errors(setup, issued, tmp_path):
    master, returns = setup
    answer(issued["市民政局"], returns / "副本.xlsx", "推进中", 70)  # same unit, same day: the file time decides
    other = split(TONGCHUAN, tmp_path / "old", "2021年5月", units=["市卫健委"]).files[0].path
    answer(other, returns / "旧.xlsx")
    wrong_answer(issued["市新区管委会"], returns / "错.xlsx")
    code, data = cli_json("merge", str(master), str(returns), "--round", ROUND)
    outcomes = {Path(f["path"]).name: f["outcome"] for f in data["files"]}
    assert outcomes == {"王益.xlsx": "merged", "民政局报送(1).xlsx": "superseded", "副本.xlsx": "merged",
                        "zj.xlsx": "merged", "旧.xlsx": "ignored", "错.xlsx": "rejected"}
    assert code == 1  # a rejected return is an input error
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 70
    two = next(t for t in data["tasks"] if t["task_id"] == TWO_LEADS)
    assert two["lead_states"]["市新区管委会"] == "rejected" and "市新区管委会" not in data["missing_units"]
    assert two["status"] == "not_reported"  # 耀州区政府 and 宜君县政府 sent nothing: the least advanced decides


def test_text_from_returns_stays_text(setup, issued):
    master, returns = setup
    hostile = answer(issued["市民政局"], returns / "民政局报送(1).xlsx", "推进中", 60)
    wb = load_workbook(hostile)
    ws = wb["牵头任务"]
    ref = next(c.column_letter for c in ws[5] if c.value == "进展情况") + "6"
    ws[ref] = "=HYPERLINK(\"http://x\",\"点我\")"
    ws[ref].data_type = "s"
    plan = next(c.column_letter for c in ws[5] if c.value == "下步计划") + "6"
    ws[plan] = "<r>资金 & 人员</r>"  # looks like rich-text XML: xlsxwriter alone would put it in as XML
    wb.save(hostile)
    merge(master, [returns], ROUND)
    row = task_rows(master)["T96C76C7B"]
    assert (row["进展情况"].value, row["进展情况"].data_type) == ("=HYPERLINK(\"http://x\",\"点我\")", "s")
    assert row["下步计划"].value == "<r>资金 & 人员</r>"
    with zipfile.ZipFile(master) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet2.xml")  # 任务清单 (after 汇总统计) holds no formula


def coordinator_edits(master: Path) -> None:
    """What a coordinator does to the master between merges: a column of their own (text and a formula), a note on
    a cell, a wider column, a line above the header, a sheet of their own."""
    from openpyxl.comments import Comment

    wb = load_workbook(master)
    ws = wb["任务清单"]
    ws.insert_rows(1)  # a line of their own above the title
    ws["A1"] = "内部资料 注意保存"
    mine = ws.max_column + 1  # their columns right of ours
    ws.cell(row=3, column=mine, value="督办意见")
    ws.cell(row=4, column=mine, value="请加快进度")
    ws.cell(row=3, column=mine + 1, value="是否逾期")
    for r in range(4, ws.max_row + 1):
        ws.cell(row=r, column=mine + 1, value=f'=IF(X{r}="逾期未完成","是","")')
    ws.cell(row=5, column=[c.value for c in ws[3]].index("协调员备注") + 1, value="周五前电话督办")
    ws.column_dimensions.group(get_column_letter(mine + 3), "XFD", hidden=True)  # nothing right of the table
    ws.cell(row=3, column=mine + 2, value="督办日期")
    ws.cell(row=4, column=mine + 2, value=dt.date(2026, 11, 20)).number_format = "yyyy/m/d"
    ws["F5"].comment = Comment("已与民政局电话核实", "协调员")
    ws.column_dimensions["F"].width = 60
    mine = wb.create_sheet("我的笔记")
    mine["A1"], mine["B2"] = "下周督查", 3
    wb.save(master)


def test_the_coordinators_columns_notes_widths_and_sheets_survive(setup):
    master, returns = setup
    coordinator_edits(master)
    merge(master, [returns], ROUND)
    merge(master, [returns], ROUND)  # and survive a second merge
    wb = load_workbook(master)
    ws = wb["任务清单"]
    assert ws["A1"].value == "内部资料 注意保存" and [c.value for c in ws[3]][:2] == ["任务编号", "所属部分"]
    mine = len(TASK_COLUMNS) + 1
    assert (ws.cell(row=3, column=mine).value, ws.cell(row=4, column=mine).value) == ("督办意见", "请加快进度")
    assert ws.cell(row=10, column=mine + 1).value == '=IF(X10="逾期未完成","是","")'
    assert ws.cell(row=4, column=mine + 2).value == dt.datetime(2026, 11, 20)  # still a date, not 46346
    assert ws["F5"].comment.text == "已与民政局电话核实"
    assert ws.cell(row=5, column=[c.value for c in ws[3]].index("协调员备注") + 1).value == "周五前电话督办"
    assert [c.value for c in ws[3]][:len(TASK_COLUMNS)] == [h for _, h, _ in TASK_COLUMNS]  # none added twice
    assert abs(ws.column_dimensions["F"].width - 60) < 0.1
    hidden = ws.column_dimensions[get_column_letter(mine + 3)]
    assert hidden.hidden and hidden.max == 16384
    assert (wb["我的笔记"]["A1"].value, wb["我的笔记"]["B2"].value) == ("下周督查", 3)
    rows = {row[0].value: row for row in ws.iter_rows(min_row=4) if row[0].value}
    assert rows["T96C76C7B"][23].value == "逾期未完成" and rows["T96C76C7B"][14].value == 60  # the merge still lands
    assert ws.freeze_panes == "B4" and ws.auto_filter.ref.startswith("A3:")  # the header where they moved it


def test_a_master_saved_by_libreoffice_merges(setup, soffice, tmp_path):
    master, returns = setup
    coordinator_edits(master)
    saved = convert(soffice, master, "xlsx", tmp_path / "lo")  # the coordinator opened and saved it elsewhere
    master.write_bytes(saved.read_bytes())
    code, data = cli_json("merge", str(master), str(returns), "--round", ROUND)
    assert code == 0, data
    ws = load_workbook(master)["任务清单"]
    mine = len(TASK_COLUMNS) + 1
    assert ws.cell(row=4, column=mine).value == "请加快进度" and ws["F5"].comment.text.strip() == "已与民政局电话核实"
    assert ws.cell(row=10, column=mine + 1).value == '=IF(X10="逾期未完成","是","")'
    rows = {row[0].value: row for row in ws.iter_rows(min_row=4) if row[0].value}
    assert rows["T16B41F7A"][23].value == "已完成"
    assert load_workbook(master)["_xltasks"].sheet_state == "veryHidden"  # LibreOffice had left it merely hidden
    # its column widths were put on our pixel grid when read: the next merge of the same files changes nothing
    assert cli_json("merge", str(master), str(returns), "--round", ROUND)[1]["unchanged"]


def test_narrow_and_odd_column_widths_stay_as_they_are(setup):
    """A coordinator's narrow column (under one character) or odd width comes back the same merge after merge."""
    master, returns = setup
    wb = load_workbook(master)
    ws = wb["任务清单"]
    ws.column_dimensions["C"].width, ws.column_dimensions["E"].width = 0.9, 23.37
    wb.save(master)
    widths = []
    for _ in range(3):
        merge(master, [returns], ROUND)
        dims = load_workbook(master)["任务清单"].column_dimensions
        widths.append((dims["C"].width, dims["E"].width))
    assert widths[0] == widths[1] == widths[2] and 0.5 < widths[0][0] < 1.2 and 23 < widths[0][1] < 24


def test_formulas_excel_shares_down_a_column_survive(setup):
    """Excel stores a filled-down formula once (t="shared") and the cells below refer to it: each must come back
    as its own formula."""
    master, returns = setup
    wb = load_workbook(master)
    wb["任务清单"].cell(row=2, column=len(TASK_COLUMNS) + 1, value="核对")
    wb.save(master)
    shared = ('<c r="AA3"><f t="shared" ref="AA3:AA5" si="0">B3&amp;"-"&amp;C3</f><v>x</v></c>'
              '</row>')
    with zipfile.ZipFile(master) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for r in (3, 4, 5):
        cell = shared.replace("</row>", "") if r == 3 else f'<c r="AA{r}"><f t="shared" si="0"/><v>x</v></c>'
        head, _, tail = sheet.partition(f'<row r="{r}"')
        body, _, rest = tail.partition("</row>")
        sheet = head + f'<row r="{r}"' + body + cell + "</row>" + rest
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    merge(master, [returns], ROUND)
    ws = load_workbook(master)["任务清单"]
    assert [ws[f"AA{r}"].value for r in (3, 4, 5)] == ['=B3&"-"&C3', '=B4&"-"&C4', '=B5&"-"&C5']


def test_a_lock_file_or_a_failure_leaves_the_master_byte_identical(setup, capsys, monkeypatch):
    master, returns = setup
    before = master.read_bytes()
    lock = master.with_name("~$" + master.name)
    lock.write_bytes(b"x")
    code, _, err = run(["merge", str(master), str(returns), "--round", ROUND], capsys)
    assert code == 2 and "锁文件" in err and master.read_bytes() == before
    lock.unlink()

    import xltasks.actions.merge as update

    def fails_half_way(master_path, target, *args, **kwargs):
        target.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(update, "update_master", fails_half_way)
    with pytest.raises(OSError):
        merge(master, [returns], ROUND)
    assert master.read_bytes() == before
    assert not [p for p in master.parent.iterdir() if p.name.startswith(".xltasks-")]


def test_the_reminder_names_the_last_contact_of_a_unit_that_reported_before(setup, issued, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)
    (returns / "zj.xlsx").unlink()  # 市住建局 reported last round, not this one
    later = split(master, tmp_path / "july", "2021年7月", units=["市住建局"]).files[0].path
    assert later.exists()
    result = merge(master, [returns], "2021年7月")
    assert "市住建局（上次填报人：李四，电话：0919-3188888）" in result.reminder
    matrix = load_workbook(master)["报送情况"]
    assert [c.value for c in matrix[2]] == ["单位", "2021年6月"]  # the July files were June's: ignored
    rows = {r[0]: r[1:] for r in matrix.iter_rows(min_row=3, values_only=True)}
    assert rows["市住建局"] == ("√",) and rows["耀州区政府"] == (None,)


def test_dry_run_writes_nothing(setup):
    master, returns = setup
    before = master.read_bytes()
    result = merge(master, [returns], ROUND, dry_run=True, as_of=dt.date(2020, 1, 1))
    assert master.read_bytes() == before and result.as_of == dt.date(2020, 1, 1)
    assert {t.status for t in result.plan} <= {"on_track", "due_soon", "done", "not_reported"}  # nothing overdue in 2020-01


def test_a_progress_text_copied_from_the_last_round_is_flagged_in_the_master(setup, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)
    july = split(master, tmp_path / "july", "2021年7月", units=["市民政局"]).files[0].path
    later = tmp_path / "july-returns"
    later.mkdir()
    answer(july, later / "民政局7月.xlsx", "推进中", 60)  # the same 进展情况 as in June
    for _ in range(2):  # merging July again flags the same, not more
        result = merge(master, [later], "2021年7月")
        rows = task_rows(master)
        assert rows["T96C76C7B"]["核查提示"].value == "进展情况与上期相同"
        assert next(t for t in result.plan if t.task_id == "T96C76C7B").flags == ["copied"]
        assert rows["T16B41F7A"]["核查提示"].value is None  # 市住建局 did not report in July
    history = [r for r in load_workbook(master)["历次进展"].iter_rows(min_row=3, values_only=True)]
    assert sorted({r[0] for r in history}) == ["2021年6月", "2021年7月"] and len(history) == 70


YANTA = ROOT / "workbooks" / "masters" / "yanta-master.xlsx"


def fill_tasks(issued: Path, out: Path, answers: dict[str, tuple[str, int]], default: tuple[str, int]) -> Path:
    """A return filled task by task: {task_id: (进展状态, 完成进度)}, the rest `default`."""
    from test_split import read_meta

    cells = read_meta(issued)["header_cells"]
    wb = load_workbook(issued)
    block = wb[cells["sheet"]]
    block[cells["reporter"]], block[cells["phone"]], block[cells["report_date"]] = "王五", "029-85551234", dt.date(2022, 12, 28)
    ws = wb["牵头任务"]
    col = {c.value: c.column_letter for c in ws[5] if c.value}
    for r in range(6, ws.max_row + 1):
        task_id = ws[f"{col['任务编号']}{r}"].value
        if not task_id:
            continue
        status, progress = answers.get(task_id, default)
        ws[f"{col['进展状态']}{r}"], ws[f"{col['完成进度(%)']}{r}"] = status, progress
        ws[f"{col['进展情况']}{r}"], ws[f"{col['存在问题']}{r}"] = f"{task_id}：{status}", "资金未全部到位"
        if status == "已完成":
            ws[f"{col['实际完成日期']}{r}"] = dt.date(2022, 10, 1)
    wb.save(out)
    return out


def test_yanta_states_at_the_end_of_a_round(tmp_path):
    """Yanta as of 2022-12-31 (the end of the round "2022年12月"): done, overdue (due 2021), due soon (due that
    day), on track (due 2023), an ongoing task never overdue, and a unit that sent nothing."""
    master = Path(shutil.copy(YANTA, tmp_path / "雁塔总台账.xlsx"))
    issued = {f.share.unit: f.path for f in split(master, tmp_path / "issued", "2022年12月").files}
    returns = tmp_path / "returns"
    returns.mkdir()
    fill_tasks(issued["区民政局"], returns / "民政.xlsx",
               {"T95A166F8": ("推进中", 40), "T3AD2EBE2": ("推进中", 80), "T4D87530C": ("推进中", 50),
                "T8F1C1DAB": ("已完成", 100)}, ("推进中", 70))
    fill_tasks(issued["区人社局"], returns / "人社.xlsx", {}, ("已完成", 100))
    result = merge(master, [returns], "2022年12月")
    assert result.as_of == dt.date(2022, 12, 31)
    states = {t.task_id: t.status for t in result.plan}
    assert (states["T8F1C1DAB"], states["T3AD2EBE2"], states["T2040279C"], states["T95A166F8"], states["T4D87530C"]) \
        == ("done", "overdue", "due_soon", "on_track", "on_track")
    assert {states[t] for t in ("T7D882A29", "T7186AA0C", "T9B3FC25E", "TF47D2909")} == {"done"}
    assert states["TB39EEC89"] == "not_reported" and "区卫生健康局" in result.reconciled.missing_units
    assert "区残联" not in result.reconciled.missing_units  # only cooperates, and the round was issued without --coop
    rows = task_rows(master)
    assert [rows[t]["当前状态"].value for t in ("T8F1C1DAB", "T3AD2EBE2", "T2040279C", "TB39EEC89")] == \
        ["已完成", "逾期未完成", "即将到期", "未报送"]
    early = merge(master, [returns], "2022年12月", as_of=dt.date(2022, 6, 30), dry_run=True)
    assert {t.task_id: t.status for t in early.plan}["T2040279C"] == "on_track"  # half a year before its due date


def test_a_master_saved_as_xls_is_refused_untouched(setup, soffice, tmp_path, capsys):
    master, returns = setup
    old = convert(soffice, master, "xls", tmp_path / "xls")  # a coordinator's "save as" to the old format
    before = old.read_bytes()
    code, _, err = run(["merge", str(old), str(returns), "--round", ROUND], capsys)
    assert code == 2 and "另存为" in err and ".xlsx" in err
    assert old.read_bytes() == before


def test_an_xlsm_master_keeps_its_macros(setup):
    """A master the coordinator saved with macros (.xlsm): the VBA project goes back in byte for byte."""
    master, returns = setup
    xlsm = master.with_suffix(".xlsm")
    project = bytes(range(256)) * 40  # the VBA project is carried as it is, never read
    with zipfile.ZipFile(master) as zin, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml").replace(
                    b"<Default Extension=\"xml\"", b"<Default Extension=\"bin\" ContentType=\"application/"
                    b"vnd.ms-office.vbaProject\"/><Default Extension=\"xml\"")
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", project)
    result = merge(xlsm, [returns], ROUND)
    assert result.merged_any
    with zipfile.ZipFile(xlsm) as zf:
        assert zf.read("xl/vbaProject.bin") == project
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert task_rows(xlsm)["T16B41F7A"]["当前状态"].value == "已完成"


def test_another_offices_colours_are_one_config_change(setup, tmp_path):
    master, returns = setup
    config = tmp_path / "蓝黄红.toml"
    config.write_text('[status.colors]\ndone = "BDD7EE"\non_track = "BDD7EE"\ndue_soon = "FFE699"\noverdue = "FF0000"\n',
                      encoding="utf-8")
    code, _ = cli_json("merge", str(master), str(returns), "--round", ROUND, "--config", str(config))
    assert code == 0
    colors = state_colors(master)
    assert (colors["已完成"][0], colors["逾期未完成"][0], colors["未报送"][0]) == ("BDD7EE", "FF0000", "D9D9D9")
    header = {c.value: c.fill.fgColor.rgb[-6:] for c in load_workbook(master)["汇总统计"][2] if c.value}
    assert header["已完成"] == "BDD7EE" and header["逾期未完成"] == "FF0000"


def test_merging_only_todays_files_keeps_the_units_merged_before(setup, issued, tmp_path):
    """Returns trickle in: merging just the new file must not undo the units merged yesterday."""
    master, returns = setup
    merge(master, [returns], ROUND)
    before = task_rows(master)
    today = tmp_path / "today"
    today.mkdir()
    answer(issued["市新区管委会"], today / "新区.xlsx", "推进中", 40)
    code, data = cli_json("merge", str(master), str(today / "新区.xlsx"), "--round", ROUND)
    assert code == 0 and data["written"]
    assert sorted(data["kept_units"]) == ["市住建局", "市民政局", "王益区政府"]
    assert "市民政局" not in data["missing_units"] and "市新区管委会" not in data["missing_units"]
    after = task_rows(master)
    for task_id in ("T96C76C7B", "T16B41F7A"):  # 市民政局's and 市住建局's tasks as merged yesterday
        assert [c.value for c in after[task_id].values()][13:24] == [c.value for c in before[task_id].values()][13:24]
    assert after[TWO_LEADS]["进展情况"].value.count("【") == 2  # 王益区政府 (kept) and 市新区管委会 (new)
    history = [r for r in load_workbook(master)["历次进展"].iter_rows(min_row=3, values_only=True)]
    assert len(history) == 35 and next(r for r in history if r[1] == "T96C76C7B")[5] == 60
    # a later return from a unit replaces its earlier one; an older one does not
    newer = tmp_path / "newer"
    newer.mkdir()
    later = answer(issued["市民政局"], newer / "民政局更正.xlsx", "推进中", 80, day=dt.date(2021, 6, 28))
    merge(master, [later], ROUND)
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 80
    result = merge(master, [returns / "民政局报送(1).xlsx"], ROUND)  # yesterday's file again: older, loses
    assert [f.outcome for f in result.reconciled.files] == ["superseded"] and "市民政局" in result.reconciled.kept_units
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 80


def test_a_round_written_another_way_is_the_same_round(setup):
    master, returns = setup
    code, data = cli_json("merge", str(master), str(returns), "--round", "2021年06月")
    assert code == 0 and {f["outcome"] for f in data["files"]} == {"merged"}


def test_nothing_for_this_round_leaves_the_master_untouched(setup, tmp_path, capsys):
    master, returns = setup
    before = master.read_bytes()
    code, data = cli_json("merge", str(master), str(returns), "--round", "2021年7月")  # every file is June's
    assert code == 1 and not data["written"] and {f["outcome"] for f in data["files"]} == {"ignored"}
    assert master.read_bytes() == before
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(["merge", str(master), str(empty), "--round", ROUND], capsys)
    assert code == 1 and "没有找到报送表" in err.replace("\n", "") and master.read_bytes() == before  # nothing merged
    code, _, err = run(["merge", str(master), str(returns), "--round", " "], capsys)
    assert code == 2 and "期次不能为空" in err and master.read_bytes() == before


def test_formulas_at_the_edges_arrays_times_and_a_copied_label_survive(setup):
    from openpyxl.comments import Comment
    from openpyxl.worksheet.formula import ArrayFormula

    master, returns = setup
    merge(master, [returns], ROUND)
    wb = load_workbook(master)
    ws = wb["任务清单"]
    ws["A40"] = "=COUNTA(A3:A37)"  # below the table, saved without a value
    mine = len(TASK_COLUMNS) + 1
    ws.cell(row=2, column=mine, value="当前状态")  # their own column under one of our labels
    ws.cell(row=3, column=mine, value="协调员判定：滞后")
    ws.cell(row=2, column=mine + 1, value="约谈时间")
    ws.cell(row=3, column=mine + 1, value=dt.time(9, 30))
    sheet = wb.create_sheet("统计")
    sheet["A1"] = "n"
    sheet["C5"] = '=IF(A1="y","是","")'  # its result is empty
    sheet["D5"] = "=A3*{2}"  # ends in an array constant's brace
    sheet["D6"] = ArrayFormula("D6", "=A3*{1,2}")
    sheet["B2"] = ArrayFormula("B2", '=SUM(IF(任务清单!X3:X37="逾期未完成",1,0))')
    history = wb["历次进展"]
    history.cell(row=2, column=12, value="协调员核实")
    history.cell(row=3, column=12, value="已核实")
    history["G3"].comment = Comment("与原件一致", "协调员")
    wb.save(master)
    for _ in range(2):
        merge(master, [returns], ROUND)
    wb = load_workbook(master)
    ws = wb["任务清单"]
    assert ws["A40"].value == "=COUNTA(A3:A37)"
    assert (ws.cell(row=3, column=mine).value, ws.cell(row=3, column=24).value) == ("协调员判定：滞后", "逾期未完成")
    assert ws.cell(row=3, column=mine + 1).value == dt.time(9, 30)
    assert wb["统计"]["C5"].value == '=IF(A1="y","是","")' and wb["统计"]["D5"].value == "=A3*{2}"
    assert wb["统计"]["D6"].value.text == "=A3*{1,2}"
    array = wb["统计"]["B2"].value
    assert isinstance(array, ArrayFormula) and array.text == '=SUM(IF(任务清单!X3:X37="逾期未完成",1,0))'
    history = wb["历次进展"]
    assert history.cell(row=2, column=12).value == "协调员核实"
    first = next(r for r in history.iter_rows(min_row=3) if r[1].value == "T96C76C7B")
    assert first[11].value == "已核实" and first[6].comment.text == "与原件一致"


def test_a_libreoffice_lock_file_also_refuses(setup, capsys):
    master, returns = setup
    before = master.read_bytes()
    master.with_name(f".~lock.{master.name}#").write_text("x", encoding="utf-8")
    code, _, err = run(["merge", str(master), str(returns), "--round", ROUND], capsys)
    assert code == 2 and "锁文件" in err and master.read_bytes() == before


def test_the_same_file_from_another_folder_is_one_register_line(setup, tmp_path):
    """The same files merged again from another folder are the same merge: one line each, where they were first
    received, and the master is not rewritten."""
    master, returns = setup
    merge(master, [returns], ROUND)
    copy = Path(shutil.copytree(returns, tmp_path / "副本"))
    assert merge(master, [copy], ROUND).unchanged
    register = [r for r in load_workbook(master)["报送记录"].iter_rows(min_row=3, values_only=True)]
    assert len(register) == 3 and all(str(r[7]).startswith(str(returns)) for r in register)


def test_named_ranges_and_hyperlinks_survive(setup):
    from openpyxl.workbook.defined_name import DefinedName

    master, returns = setup
    wb = load_workbook(master)
    notes = wb.create_sheet("督办台账")
    for r, score in enumerate((3, 4, 5), start=1):
        notes[f"A{r}"] = score
    notes["B1"] = "=SUM(分值区)"
    wb.defined_names["分值区"] = DefinedName("分值区", attr_text="督办台账!$A$1:$A$3")
    notes["C1"] = "政策原文"
    notes["C1"].hyperlink = "http://www.tongchuan.gov.cn/"
    notes["C2"] = "看任务清单"
    notes["C2"].hyperlink = "#任务清单!A3"
    wb.save(master)
    merge(master, [returns], ROUND)
    wb = load_workbook(master)
    assert wb.defined_names["分值区"].attr_text == "督办台账!$A$1:$A$3"
    notes = wb["督办台账"]
    assert notes["B1"].value == "=SUM(分值区)"
    assert (notes["C1"].value, notes["C1"].hyperlink.target) == ("政策原文", "http://www.tongchuan.gov.cn/")
    assert notes["C2"].hyperlink.location == "任务清单!A3"


def test_a_master_whose_sheets_together_are_too_wide_is_refused(setup, capsys):
    """Each sheet just under the limit (a cell at XFD300), thirty of them: a 50 KB file that would need gigabytes."""
    master, returns = setup
    wb = load_workbook(master)
    for i in range(30):
        wb.create_sheet(f"宽{i}").cell(row=300, column=16384, value=1)
    wb.save(master)
    before = master.read_bytes()
    code, _, err = run(["merge", str(master), str(returns), "--round", ROUND, "--dry-run"], capsys)
    assert code == 2 and "范围异常" in err and master.read_bytes() == before


def test_a_read_only_master_or_a_renamed_task_sheet_is_refused_untouched(setup, capsys):
    master, returns = setup
    before = master.read_bytes()
    master.chmod(0o444)
    try:
        code, _, err = run(["merge", str(master), str(returns), "--round", ROUND], capsys)
    finally:
        master.chmod(0o644)
    assert code == 2 and "只读" in err and master.read_bytes() == before
    wb = load_workbook(master)
    wb["任务清单"].title = "任务清单(1)"
    wb.save(master)
    code, _, err = run(["merge", str(master), str(returns), "--round", ROUND], capsys)
    err = err.replace("\n", "")  # the console wraps long lines
    assert code == 2 and "改回「任务清单」" in err and "xltasks import" not in err


def test_xls_content_under_an_xlsx_name_is_refused(setup, soffice, tmp_path, capsys):
    master, returns = setup
    disguised = tmp_path / "总台账改名.xlsx"
    disguised.write_bytes(convert(soffice, master, "xls", tmp_path / "xls").read_bytes())
    code, _, err = run(["merge", str(disguised), str(returns), "--round", ROUND], capsys)
    assert code == 2 and ".xls" in err and "另存为" in err.replace("\n", "")


def test_copies_of_the_master_backups_and_owner_files_are_never_returns(setup, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)
    shutil.copy(master, returns / "总台账-副本.xlsx")
    shutil.copy(next(master.parent.glob("*.备份-*.xlsx")), returns)
    (returns / "~$王益.xlsx").write_bytes(b"\x0bowner")
    result = merge(master, [returns], ROUND)
    outcomes = {Path(f.report.path).name: f.outcome for f in result.reconciled.files}
    assert {name: o for name, o in outcomes.items() if o != "merged"} == {
        "总台账-副本.xlsx": "ignored", **{n: "ignored" for n in outcomes if ".备份-" in n or n.startswith("~$")}}
    assert "" not in result.reconciled.chosen
    only_owner = tmp_path / "only"
    only_owner.mkdir()
    (only_owner / "~$民政局.xlsx").write_bytes(b"\x0bowner")
    before = master.read_bytes()
    code, data = cli_json("merge", str(master), str(only_owner), "--round", ROUND)
    assert code == 1 and not data["written"] and master.read_bytes() == before


def test_long_texts_with_emoji_keep_their_unit_across_runs(setup, issued, tmp_path):
    """The stored answers are split over cells by Excel's count (UTF-16), in which "👍" is two."""
    master, returns = setup
    first = tmp_path / "first"
    first.mkdir()
    path = answer(issued["市民政局"], first / "民政局.xlsx", "推进中", 60)
    wb = load_workbook(path)
    ws = wb["牵头任务"]
    col = next(c.column_letter for c in ws[5] if c.value == "进展情况")
    for r in range(6, ws.max_row + 1):
        ws[f"{col}{r}"] = "工作推进👍" * 166
    wb.save(path)
    merge(master, [first], ROUND)
    result = merge(master, [returns / "zj.xlsx"], ROUND)
    assert "市民政局" in result.reconciled.kept_units and not result.warnings
    assert task_rows(master)["T96C76C7B"]["进展情况"].value == "工作推进👍" * 166


def test_a_damaged_stored_return_is_reported_by_unit(setup):
    master, returns = setup
    merge(master, [returns], ROUND)
    wb = load_workbook(master)
    store = wb["_xltasks_answers"]
    row = next(r for r in store.iter_rows(min_row=2) if r[1].value == "市民政局")
    row[5].value = row[5].value[:-10]  # cut short by a hand edit
    wb.save(master)
    code, data = cli_json("merge", str(master), str(returns / "zj.xlsx"), "--round", ROUND)
    assert [(w["code"], "市民政局" in w["message"]) for w in data["warnings"]] == [("merge.store-unreadable", True)]
    assert "市民政局" in data["missing_units"]


def test_a_return_sent_back_stays_sent_back_and_is_chased(setup, issued, tmp_path):
    master, returns = setup
    bad = tmp_path / "bad"
    bad.mkdir()
    wrong_answer(issued["市卫健委"], bad / "卫健委.xlsx")
    first = merge(master, [bad], ROUND)
    assert "市卫健委" in first.reconciled.rejected_units and "市卫健委" not in first.reconciled.missing_units
    assert "有错误已退回" in first.reminder and "1. 市卫健委" in first.reminder.split("有错误已退回")[1]
    second = merge(master, [returns / "zj.xlsx"], ROUND)  # another unit's file only
    assert "市卫健委" in second.reconciled.rejected_units and "市卫健委" not in second.reconciled.missing_units
    task = next(t for t in second.plan if "市卫健委" in t.lead_states)
    assert task.lead_states["市卫健委"] == "rejected"


def test_a_correction_with_errors_keeps_the_earlier_return_and_says_so(setup, issued, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)
    fix = tmp_path / "fix"
    fix.mkdir()
    wrong_answer(issued["市住建局"], fix / "住建局更正.xlsx")
    result = merge(master, [fix], ROUND)
    assert [f.outcome for f in result.reconciled.files] == ["rejected"] and "市住建局" in result.reconciled.chosen
    assert "市住建局" not in result.reconciled.missing_units and "市住建局" not in result.reconciled.rejected_units
    assert "重新报送的表有错误，未采用（仍按此前报送的汇总）" in result.reminder and "1. 市住建局" in result.reminder


def test_quick_merges_never_overwrite_a_backup(setup):
    """Backups are named by the second; two merges within one must both keep the version they replaced."""
    from xltasks.files.xlsx.safe_write import write_atomically

    master, returns = setup
    original = master.read_bytes()
    for n in range(3):
        write_atomically(master, lambda temp, n=n: temp.write_bytes(b"version %d" % n), replace=True)
    kept = sorted(p.read_bytes() for p in master.parent.glob("总台账.备份-*.xlsx"))
    assert kept == sorted([original, b"version 0", b"version 1"])


def test_overdue_is_judged_as_of_the_round_not_the_day_of_merging(issued, tmp_path):
    """A June 2021 return merged years later: only tasks already due by 2021-06-30 need 存在问题."""
    from xltasks.actions.validate import validate

    path = answer(issued["市民政局"], tmp_path / "民政局.xlsx", "推进中", 60)
    wb = load_workbook(path)
    ws = wb["牵头任务"]
    col = next(c.column_letter for c in ws[5] if c.value == "存在问题")
    for r in range(6, ws.max_row + 1):
        ws[f"{col}{r}"] = None
    wb.save(path)
    report = validate([path], TONGCHUAN, ROUND, jobs=1, today=dt.date(2026, 11, 25)).files[0]
    overdue = {f.task_id for f in report.findings if f.code == "rule.overdue-needs-problems"}
    assert "T96C76C7B" in overdue and "T37AFFB9F" not in overdue  # due 2020-11-30 / 2021-12-31
    later = validate([path], TONGCHUAN, ROUND, jobs=1, today=dt.date(2026, 11, 25), as_of=dt.date(2022, 1, 31))
    assert "T37AFFB9F" in {f.task_id for f in later.files[0].findings if f.code == "rule.overdue-needs-problems"}


def test_a_late_return_for_last_month_updates_the_history_not_the_current_view(setup, issued, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)  # June
    july = {f.share.unit: f.path for f in split(master, tmp_path / "july", "2021年7月", units=["市民政局"]).files}
    later = tmp_path / "july-returns"
    later.mkdir()
    answer(july["市民政局"], later / "民政局7月.xlsx", "推进中", 90, day=dt.date(2021, 7, 28))
    july_missing = len(merge(master, [later], "2021年7月").reconciled.missing_units)  # July: lead units only
    late = tmp_path / "late"
    late.mkdir()
    answer(issued["市卫健委"], late / "卫健委6月.xlsx", "推进中", 20)  # June's return, arriving in August
    code, data = cli_json("merge", str(master), str(late), "--round", "2021年06月")
    assert code == 0 and data["shown_round"] == "2021年7月"
    rows = task_rows(master)
    assert rows["T96C76C7B"]["完成进度(%)"].value == 90  # the task sheet still shows July
    summary = load_workbook(master)["汇总统计"]
    assert summary["A1"].value.startswith("2021年7月")
    # July's summary still counts who owed July, not June's cooperating units too (June was issued with --coop)
    assert f"未报送单位（{july_missing}个）" in [c.value for row in summary.iter_rows() for c in row]
    history = [r for r in load_workbook(master)["历次进展"].iter_rows(min_row=3, values_only=True)]
    rounds = [r[0] for r in history]
    assert rounds == ["2021年6月"] * 35 + ["2021年7月"] * 35  # June's rows stay before July's
    june = {r[1]: r for r in history[:35]}
    assert any(r[8] == "市卫健委" and r[5] == 20 for r in june.values())  # the late return is in June's history
    july_flags = {t["task_id"]: t["flags"] for t in data["tasks"]}
    assert all(not flags for flags in july_flags.values())  # June is not compared with July
    # the same merges again change nothing: the late one, July's, and July's files copied to another folder
    assert cli_json("merge", str(master), str(late), "--round", "2021年06月")[1]["unchanged"]
    assert cli_json("merge", str(master), str(later), "--round", "2021年7月")[1]["unchanged"]
    copied = shutil.copytree(later, tmp_path / "别处" / "七月")
    assert cli_json("merge", str(master), str(copied), "--round", "2021年7月")[1]["unchanged"]


def test_a_config_with_clashing_labels_or_bad_toml_is_refused_in_chinese(setup, tmp_path, capsys):
    master, returns = setup
    clash = tmp_path / "clash.toml"
    clash.write_text('[status.labels]\ndone = "正常推进"\n', encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text('[status.labels\ndone = "已完成"\n', encoding="utf-8")
    for config, expected in ((clash, "不能重复"), (broken, "第1行")):
        code, _, err = run(["merge", str(master), str(returns), "--round", ROUND, "--config", str(config)], capsys)
        assert code == 2 and expected in err.replace("\n", "") and "Expected" not in err


def test_one_lead_of_several_is_named_even_when_alone(setup):
    master, returns = setup
    result = merge(master, [returns / "王益.xlsx"], ROUND, dry_run=True)
    two = next(t for t in result.plan if t.task_id == TWO_LEADS)
    assert two.answers["progress_text"].startswith("【王益区政府】")


def test_a_large_programme_summary_caps_its_lists_and_chart(tmp_path):
    from conftest import write_table

    rows = [["序号", "工作任务", "牵头单位", "完成时限"]]
    rows += [[i, f"第{i}项任务：完成第{i}项重点工作。", f"第{i:03d}单位", "2020年底前"] for i in range(1, 101)]
    source = write_table(tmp_path / "任务表.xlsx", rows)
    master = tmp_path / "总台账.xlsx"
    assert cli_json("import", str(source), "-o", str(master))[0] == 0
    issued = split(master, tmp_path / "issued", "2021年6月", units=["第001单位"]).files[0].path
    returns = tmp_path / "returns"
    returns.mkdir()
    fill_tasks(issued, returns / "1.xlsx", {}, ("已完成", 100))
    result = merge(master, [returns], "2021年6月")
    assert len(result.reconciled.missing_units) == 99
    summary = load_workbook(master)["汇总统计"]
    lists = [c.value for c in summary["K"] if c.value]
    assert "未报送单位（99个）" in lists and "……另有39个，见催办清单" in lists and len(lists) < 99
    assert summary.page_setup.fitToHeight == 0  # too long for one page: one page wide instead
    assert "任务最多的30个单位" in summary._charts[0].title.tx.rich.p[0].r[0].t


def test_a_marked_copy_fixed_by_the_clerk_is_checked_and_merged(setup, issued, tmp_path):
    master, returns = setup
    sent = tmp_path / "sent"
    sent.mkdir()
    wrong_answer(issued["市卫健委"], sent / "卫健委.xlsx")
    code, data = cli_json("validate", str(sent), "--master", str(master), "--round", ROUND,
                          "--annotate", str(tmp_path / "marked"))
    copy = Path(data["annotated"][0]["copy"])
    wb = load_workbook(copy)
    ws = wb["牵头任务"]
    ws[next(c.column_letter for c in ws[5] if c.value == "进展状态") + "6"] = "推进中"  # the clerk fixes it
    wb.save(copy)
    back = tmp_path / "back"
    back.mkdir()
    shutil.copy(copy, back / copy.name)
    code, data = cli_json("validate", str(back), "--master", str(master), "--round", ROUND)
    assert code == 0 and data["files"][0]["unit"] == "市卫健委" and data["files"][0]["valid"]
    result = merge(master, [back], ROUND)
    assert [f.outcome for f in result.reconciled.files] == ["merged"] and "市卫健委" in result.reconciled.chosen


def test_an_old_file_saved_again_does_not_undo_a_correction(setup, issued, tmp_path):
    """v1, then a corrected v2 with the same 填报日期, then v1 copied again (a newer file time): v2 stands."""
    import os

    master, returns = setup
    v1 = answer(issued["市民政局"], tmp_path / "v1.xlsx", "推进中", 60)
    v2 = answer(issued["市民政局"], tmp_path / "v2.xlsx", "推进中", 90)
    merge(master, [v1], ROUND)
    merge(master, [v2], ROUND)
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 90
    again = tmp_path / "again"
    again.mkdir()
    copy = Path(shutil.copy(v1, again / "民政局(1).xlsx"))
    os.utime(copy, (copy.stat().st_atime + 3600, copy.stat().st_mtime + 3600))
    result = merge(master, [again], ROUND)
    assert [f.outcome for f in result.reconciled.files] == ["superseded"]
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 90
    same_place = tmp_path / "same"  # the corrected file saved where the first one was, then the first again
    same_place.mkdir()
    shutil.copy(v1, same_place / "民政局.xlsx")
    merge(master, [same_place], ROUND)
    shutil.copy(v2, same_place / "民政局.xlsx")
    merge(master, [same_place], ROUND)
    shutil.copy(v1, same_place / "民政局.xlsx")
    result = merge(master, [same_place], ROUND)
    assert [f.outcome for f in result.reconciled.files] == ["superseded"]
    assert task_rows(master)["T96C76C7B"]["完成进度(%)"].value == 90


def test_registering_an_alias_keeps_what_the_unit_reported_under_its_old_name(tmp_path):
    """Import suggests 未来产业城 may be 未来产业城管委会; the coordinator says so in 单位名单 after a return came in."""
    master = Path(shutil.copy(YANTA, tmp_path / "雁塔总台账.xlsx"))
    issued = {f.share.unit: f.path for f in split(master, tmp_path / "issued", "2022年12月", with_coop=True).files}
    returns = tmp_path / "returns"
    returns.mkdir()
    answer(issued["未来产业城"], returns / "产业城.xlsx", coop="提供场地", day=dt.date(2022, 12, 28))
    late = answer(issued["未来产业城"], tmp_path / "产业城补报.xlsx", coop="再次提供场地", day=dt.date(2022, 12, 29))
    merge(master, [returns], "2022年12月")
    wb = load_workbook(master)
    units = wb["单位名单"]
    row = next(r for r in units.iter_rows(min_row=3) if r[0].value == "未来产业城管委会")
    row[2].value = "未来产业城"  # 别名
    wb.save(master)
    other = fill_tasks(issued["区人社局"], tmp_path / "人社.xlsx", {}, ("已完成", 100))
    result = merge(master, [other], "2022年12月")
    assert not result.warnings and "未来产业城管委会" in result.reconciled.kept_units
    assert any("【未来产业城管委会】提供场地" in (t["配合单位报送"].value or "") for t in task_rows(master).values())
    again = merge(master, [late], "2022年12月")  # a return issued to the old name still counts, under the new one
    assert [f.outcome for f in again.reconciled.files] == ["merged"] and again.reconciled.files[0].report.unit == \
        "未来产业城管委会"


def test_import_refuses_to_start_a_merged_master_over_and_our_own_files_as_sources(setup, issued, capsys):
    master, returns = setup
    merge(master, [returns], ROUND)
    before = master.read_bytes()
    source = ROOT / "workbooks" / "sources" / "tongchuan-tasks.docx"
    code, _, err = run(["import", str(source), "-o", str(master), "--force"], capsys)
    assert code == 2 and "已汇总过1期" in err.replace("\n", "") and master.read_bytes() == before
    for own, kind in ((master, "总台账"), (issued["市民政局"], "报送表")):
        code, _, err = run(["import", str(own), "-o", str(master.with_name("新.xlsx"))], capsys)
        assert code == 2 and f"xltasks 生成的{kind}" in err.replace("\n", "")


def test_returns_from_before_a_reimport_of_the_same_programme_still_count(tmp_path):
    """The master was imported again from the .docx of the same table: the task IDs are the same, so are the tasks."""
    from conftest import CONFIGS

    issued = split(YANTA, tmp_path / "issued", "2022年12月", units=["区人社局"]).files[0].path  # from the .xlsx
    returns = tmp_path / "returns"
    returns.mkdir()
    fill_tasks(issued, returns / "人社.xlsx", {}, ("已完成", 100))
    master = tmp_path / "重新导入.xlsx"
    code, _ = cli_json("import", str(ROOT / "workbooks" / "sources" / "yanta-tasks.docx"), "-o", str(master),
                       "--config", str(CONFIGS / "yanta.toml"))
    assert code == 0
    result = merge(master, [returns], "2022年12月")
    report = result.reconciled.files[0].report
    assert result.reconciled.files[0].outcome == "merged"
    assert [f.code for f in report.findings if f.severity != "info"] == ["workbook.reimported"]


def test_a_workbook_that_is_no_return_never_rewrites_the_master(setup):
    master, returns = setup
    merge(master, [returns], ROUND)
    before = master.read_bytes()
    stray = ROOT / "tests" / "data" / "foreign" / "frictionless--data_table.xlsx"
    code, data = cli_json("merge", str(master), str(stray), "--round", "2021年7月")
    assert code == 1 and not data["written"] and data["files"][0]["outcome"] == "ignored"  # no unit's return
    assert data["files"][0]["reason"] == "不是本系统下发的报送表，未汇总" and master.read_bytes() == before


def test_merging_the_same_files_again_leaves_the_master_and_its_backups_alone(setup):
    master, returns = setup
    merge(master, [returns], ROUND)
    after_first = master.read_bytes()
    backups = sorted(master.parent.glob("总台账.备份-*.xlsx"))
    for _ in range(6):  # more than the backups kept: the real one must not be rotated out
        code, data = cli_json("merge", str(master), str(returns), "--round", ROUND)
        assert code == 0 and data["unchanged"] and not data["written"] and list(validator("merge-result").iter_errors(data)) == []
    assert master.read_bytes() == after_first and sorted(master.parent.glob("总台账.备份-*.xlsx")) == backups


def test_a_large_programme_does_not_flood_the_terminal(tmp_path):
    """40 units, one return and 25 stray workbooks: the terminal names 30 missing units and 20 unmerged files, says
    how many more there are and where they all are; the 催办 list has every unit."""
    from conftest import write_table

    source = write_table(tmp_path / "任务表.xlsx", [["序号", "工作任务", "牵头单位", "完成时限"]] +
                         [[i, f"第{i}项重点工作按月推进", f"单位{i:02d}", "2026年12月底前"] for i in range(1, 41)])
    master = tmp_path / "总台账.xlsx"
    assert run_cli("import", str(source), "-o", str(master)).returncode == 0
    issued = split(master, tmp_path / "issued", "2026年11月", units=["单位01"]).files[0].path
    returns = tmp_path / "returns"
    returns.mkdir()
    answer(issued, returns / "单位01.xlsx", day=dt.date(2026, 11, 20))
    for i in range(25):
        write_table(returns / f"随手表{i:02d}.xlsx", [["姓名", "电话"], ["张三", "123"]])
    done = run_cli("merge", str(master), str(returns), "--round", "2026年11月")
    assert done.returncode == 0, done.stderr  # the stray workbooks are no unit's return: skipped, not sent back
    text = " ".join(done.stdout.split())  # rich wraps long lines
    assert "已汇总1个，退回0个，被替代0个，跳过25个" in text.replace(" ", "")
    assert "单位31等39个单位（完整名单见催办清单）" in text.replace(" ", "") and "单位32" not in text
    assert text.count("随手表") == 20 and "……另有5个文件未汇总，加 --json 可看全部。" in text
    reminder = (tmp_path / "总台账-2026年11月-催办.txt").read_text(encoding="utf-8")
    assert all(f"单位{i:02d}" in reminder for i in range(2, 41))
    dry = " ".join(run_cli("merge", str(master), str(returns), "--round", "2026年11月", "--dry-run").stdout.split())
    assert "等39个单位（加--json可看全部）" in dry.replace(" ", "")  # a dry run writes no 催办 list to point at


def test_only_stray_files_says_so_not_to_check_the_round(tmp_path, issued):
    master = Path(shutil.copy(TONGCHUAN, tmp_path / "总台账.xlsx"))
    returns = tmp_path / "returns"
    returns.mkdir()
    from conftest import write_table
    write_table(returns / "通讯录.xlsx", [["姓名", "电话"], ["张三", "123"]])
    done = run_cli("merge", str(master), str(returns), "--round", ROUND)
    assert done.returncode == 1 and "所给的文件中没有本项目的报送表" in done.stdout and "--round" not in done.stdout
    other = split(TONGCHUAN, tmp_path / "old", "2021年5月", units=["市卫健委"]).files[0].path
    answer(other, returns / "旧.xlsx")
    done = run_cli("merge", str(master), str(returns), "--round", ROUND)
    assert done.returncode == 1 and "请检查 --round 期次是否与报送表一致" in done.stdout


def test_document_properties_survive_merges(setup):
    """The title, author and company a coordinator set (File > Properties) and the creation date stay; import names
    the master after its programme."""
    master, returns = setup
    wb = load_workbook(master)
    assert wb.properties.title == "铜川市居家和社区养老服务改革试点工作颗粒化任务清单总台账"
    wb.properties.title, wb.properties.creator = "养老试点督办台账", "市民政局督查科"
    wb.properties.created = dt.datetime(2021, 3, 1, 9, 30)
    wb.properties.description = "本台账用于督办。" * 60  # 480 characters
    wb.save(master)
    with zipfile.ZipFile(master) as zf:  # the creation time as another program writes it: Beijing time
        parts = [(info, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            zf.writestr(info, data.replace(b"2021-03-01T09:30:00Z", b"2021-03-01T17:30:00+08:00"))
    merge(master, [returns], ROUND)
    props = load_workbook(master).properties
    assert (props.title, props.creator, props.created) == ("养老试点督办台账", "市民政局督查科", dt.datetime(2021, 3, 1, 9, 30))
    assert props.description == "本台账用于督办。" * 60


def test_a_long_history_moves_its_oldest_rounds_to_a_workbook_beside_the_master(setup, tmp_path, monkeypatch):
    """历次进展 past its limit (400,000 rows; 50 here) moves whole oldest rounds, with their notes, to a workbook
    beside the master; the last two rounds stay (核查提示 compares with the one before); the sheet's title names
    every such workbook, and a re-run changes nothing."""
    from openpyxl.comments import Comment

    from xltasks.files.master import history as master_history

    monkeypatch.setattr(master_history, "HISTORY_MAX_ROWS", 50)
    master, returns = setup
    assert merge(master, [returns], ROUND).history_archive is None  # 35 rows a round
    wb = load_workbook(master)
    wb["历次进展"]["G3"].comment = Comment("六月这条要核实", "督查科")
    wb.save(master)
    moved = {}
    for month in ("7", "8", "9"):
        issued = split(master, tmp_path / month, f"2021年{month}月", units=["市民政局"]).files[0].path
        folder = tmp_path / f"returns-{month}"
        folder.mkdir()
        answer(issued, folder / "民政局.xlsx", "推进中", 70, day=dt.date(2021, int(month), 25))
        moved[month] = merge(master, [folder], f"2021年{month}月").history_archive
    assert moved == {"7": None, "8": "总台账-历次进展-2021年6月至2021年6月.xlsx",
                     "9": "总台账-历次进展-2021年7月至2021年7月.xlsx"}
    june = load_workbook(tmp_path / moved["8"])["历次进展"]
    rows = list(june.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 35 and {r[0] for r in rows} == {"2021年6月"} and june["G3"].comment.text == "六月这条要核实"
    assert june["A1"].value == "历次进展（2021年6月至2021年6月，自总台账“总台账.xlsx”移出）"
    july = load_workbook(tmp_path / moved["9"])["历次进展"]
    assert {r[0] for r in july.iter_rows(min_row=3, values_only=True)} == {"2021年7月"}
    history = load_workbook(master)["历次进展"]
    assert sorted({r[0] for r in history.iter_rows(min_row=3, values_only=True)}) == ["2021年8月", "2021年9月"]
    assert history["A1"].value == f"历次进展（每期每项任务一行；更早的期次见“{moved['8']}”“{moved['9']}”）"
    assert not any(c.comment for row in history.iter_rows() for c in row)
    assert task_rows(master)["T96C76C7B"]["核查提示"].value == "进展情况与上期相同"
    code, data = cli_json("merge", str(master), str(tmp_path / "returns-9"), "--round", "2021年9月")
    assert code == 0 and data["history_archive"] is None and data["unchanged"]
    # a late return for June, which is archived: 历次进展 is left alone (no second copy of June beside the
    # archive), the register takes it, and sending it again changes nothing
    late = tmp_path / "late"
    late.mkdir()
    answer(split(master, tmp_path / "6", ROUND, units=["市卫健委"]).files[0].path, late / "卫健委.xlsx")
    code, data = cli_json("merge", str(master), str(late), "--round", ROUND)
    assert code == 0 and [w["code"] for w in data["warnings"]] == ["merge.round-archived"]
    assert moved["8"] in data["warnings"][0]["message"]
    wb = load_workbook(master)
    assert sorted({r[0] for r in wb["历次进展"].iter_rows(min_row=3, values_only=True)}) == ["2021年8月", "2021年9月"]
    assert any(r[2] == "市卫健委" for r in wb["报送记录"].iter_rows(min_row=3, values_only=True))
    assert merge(master, [late], ROUND).unchanged


def _civil_affairs_return(master: Path, tmp_path: Path, month: int, out: Path) -> Path:
    """市民政局's return for 2021年{month}月, issued from the master as it is now and filled in."""
    issued = split(master, tmp_path / f"{month}", f"2021年{month}月", units=["市民政局"]).files[0].path
    return answer(issued, out, "推进中", 70, day=dt.date(2021, month, 25))


def test_a_failed_write_leaves_no_history_archive_behind(setup, tmp_path, monkeypatch):
    from xltasks.files.master import history as master_history, update as master_update
    from xltasks.files.xlsx import book_write

    monkeypatch.setattr(master_history, "HISTORY_MAX_ROWS", 50)
    master, returns = setup
    merge(master, [returns], ROUND)
    for month in (7, 8):
        _civil_affairs_return(master, tmp_path, month, tmp_path / f"民政局{month}.xlsx")
    merge(master, [tmp_path / "民政局7.xlsx"], "2021年7月")
    before = master.read_bytes()
    real = book_write.write_book
    calls = []

    def full_disk(path, *args, **kwargs):  # the archive is written, then the master's temporary file fails
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(master_history, "write_book", full_disk)  # the archive
    monkeypatch.setattr(master_update, "write_book", full_disk)  # the master
    with pytest.raises(OSError):
        merge(master, [tmp_path / "民政局8.xlsx"], "2021年8月")
    assert master.read_bytes() == before and sorted(p.name for p in master.parent.iterdir() if "历次进展" in p.name) == []
    monkeypatch.setattr(master_history, "write_book", real)
    monkeypatch.setattr(master_update, "write_book", real)
    result = merge(master, [tmp_path / "民政局8.xlsx"], "2021年8月")
    assert result.history_archive == "总台账-历次进展-2021年6月至2021年6月.xlsx"
    assert sorted(p.name for p in master.parent.iterdir() if "历次进展" in p.name) == [result.history_archive]


def test_a_renamed_unit_list_still_gives_its_groups_and_aliases(setup):
    """A coordinator renames 单位名单 to 各单位及分组 and lists the members of 市级相关部门 there: the groups and
    aliases are still read (the sheet is found by its 单位名称 and 组成员 headers) and the sheet survives a merge."""
    from xltasks.files.master.read import read_master

    master, returns = setup
    wb = load_workbook(master)
    ws = wb["单位名单"]
    ws.title = "各单位及分组"
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "市级相关部门")
    row[3].value = "市财政局、市人社局"
    wb.save(master)
    book = read_master(master)
    assert book.groups["市级相关部门"] == ("市财政局", "市人社局")
    assert book.groups["各区县政府"] == ("王益区政府", "印台区政府", "耀州区政府", "宜君县政府")
    merge(master, [returns], ROUND)
    assert read_master(master).groups["市级相关部门"] == ("市财政局", "市人社局")
    assert "单位名单" not in load_workbook(master).sheetnames


def _set_leads(master: Path, old: str, new: str, only: int | None = None) -> list[str]:
    """The coordinator edits 牵头单位 in 任务清单 after the returns went out; the task IDs changed."""
    wb = load_workbook(master)
    ws = wb["任务清单"]
    col = next(c.column - 1 for c in ws[2] if c.value == "牵头单位")
    changed = [row[0].value for row in ws.iter_rows(min_row=3) if row[col].value == old][:only]
    for row in ws.iter_rows(min_row=3):
        if row[0].value in changed:
            row[col].value = new
    wb.save(master)
    return changed


def test_a_task_given_to_another_unit_after_split_is_not_merged_silently(tmp_path):
    master = Path(shutil.copy(YANTA, tmp_path / "雁塔总台账.xlsx"))
    issued = {f.share.unit: f.path for f in split(master, tmp_path / "issued", "2022年12月").files}
    returns = tmp_path / "returns"
    returns.mkdir()
    fill_tasks(issued["区人社局"], returns / "人社.xlsx", {}, ("已完成", 100))
    fill_tasks(issued["区民政局"], returns / "民政.xlsx", {}, ("推进中", 50))
    moved = _set_leads(master, "区民政局", "区卫生健康局", only=1)  # one task reassigned
    renamed = _set_leads(master, "区人社局", "区人力资源和社会保障局")  # the unit renamed, no alias registered
    code, data = cli_json("merge", str(master), str(returns), "--round", "2022年12月", "--as-of", "2022-12-31")
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert files["民政.xlsx"]["outcome"] == "merged"
    assert [(f["code"], f["task_id"], Path(f["path"]).name) for f in data["warnings"]] == [
        ("row.lead-changed", moved[0], "民政.xlsx")]
    tasks = {t["task_id"]: t for t in data["tasks"]}
    assert tasks[moved[0]]["status"] == "not_reported" and "区卫生健康局" in data["missing_units"]
    # every task of the file has gone elsewhere: rejected, with what to do, not "merged" with nothing in it
    assert code == 1 and files["人社.xlsx"]["outcome"] == "rejected"
    assert "总台账中已没有由“区人社局”负责的本表任务" in files["人社.xlsx"]["reason"]
    assert all(tasks[t]["status"] == "not_reported" for t in renamed)
    assert "区人力资源和社会保障局" in data["missing_units"]
    # the coordinator registers the old name as an alias: the same return merges
    wb = load_workbook(master)
    units = wb["单位名单"]
    units.append(["区人力资源和社会保障局", None, "区人社局"])
    wb.save(master)
    code, data = cli_json("merge", str(master), str(returns), "--round", "2022年12月", "--as-of", "2022-12-31")
    assert {Path(f["path"]).name: f["outcome"] for f in data["files"]}["人社.xlsx"] == "merged"
    assert all({t["task_id"]: t for t in data["tasks"]}[t]["status"] == "done" for t in renamed)


def test_blank_issued_returns_and_the_master_among_the_returns_change_nothing(setup, issued, tmp_path):
    """A coordinator merges the whole working folder: the master itself, its backups, the blank returns as issued,
    a stray workbook and the filled returns. Only the filled returns count; the blank ones' units are still
    chased (not told their return was sent back); re-runs are unchanged and register nothing new."""
    master, returns = setup
    folder = tmp_path / "本期"
    shutil.copytree(returns, folder)
    master = Path(shutil.move(master, folder / "总台账.xlsx"))
    for unit in ("耀州区政府", "市卫健委"):
        shutil.copy(issued[unit], folder / f"下发-{unit}.xlsx")
    shutil.copy(ROOT / "tests" / "data" / "foreign" / "frictionless--data_table.xlsx", folder)
    code, data = cli_json("merge", str(master), str(folder), "--round", ROUND)
    outcomes = {Path(f["path"]).name: f["outcome"] for f in data["files"]}
    assert code == 0 and "总台账.xlsx" not in outcomes
    assert outcomes == {"王益.xlsx": "merged", "民政局报送(1).xlsx": "merged", "zj.xlsx": "merged",
                        "下发-耀州区政府.xlsx": "ignored", "下发-市卫健委.xlsx": "ignored",
                        "frictionless--data_table.xlsx": "ignored"}
    assert {"耀州区政府", "市卫健委"} <= set(data["missing_units"])
    assert "有错误已退回" not in data["reminder"]
    assert all(t["status"] != "rejected" for t in data["tasks"])
    after = master.read_bytes()
    for _ in range(3):  # now the folder also holds a backup and the 催办 list
        code, data = cli_json("merge", str(master), str(folder), "--round", ROUND)
        assert code == 0 and data["unchanged"] and master.read_bytes() == after
    register = [r for r in load_workbook(master)["报送记录"].iter_rows(min_row=3, values_only=True)]
    assert sorted(Path(r[7]).name for r in register) == sorted(n for n in outcomes)
    assert len(list(folder.glob("总台账.备份-*.xlsx"))) == 1


def test_a_non_character_in_a_return_merges_the_same_way_twice(setup):
    """U+FFFE pasted into 进展情况 (openpyxl refuses to write it, so it goes into the sheet XML by hand): it is
    taken out like a control character, so the stored return reads back equal and the re-run is unchanged."""
    master, returns = setup
    path = returns / "王益.xlsx"
    wb = load_workbook(path)
    ws = wb["牵头任务"]
    col = next(c.column_letter for c in ws[5] if c.value == "进展情况")
    ws[f"{col}6"] = "PLACEHOLDER"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            zf.writestr(info, data.replace(b"PLACEHOLDER", "按计划\ufffe推进".encode()))
    first = merge(master, [returns], ROUND)
    assert [f.outcome for f in first.reconciled.files] == ["merged"] * 3
    wangyi = next(f.report for f in first.reconciled.files if f.report.path == str(path))
    assert any(f.code == "cell.control-chars" for f in wangyi.findings)
    after = master.read_bytes()
    again = merge(master, [returns], ROUND)
    assert again.unchanged and [f.outcome for f in again.reconciled.files] == ["merged"] * 3
    assert master.read_bytes() == after and "【王益区政府】按计划推进" in {t["进展情况"].value for t in task_rows(master).values()}


def test_a_return_whose_name_says_another_format_is_read_by_its_content(setup, soffice, tmp_path):
    """WPS and renamed mail attachments: an .xls under an .xlsx name, an .ods under an .xls name. The content
    decides how it is read; the file is merged like any other (with the note that it was converted)."""
    master, returns = setup
    out = tmp_path / "converted"
    (returns / "王益.xlsx").write_bytes(convert(soffice, returns / "王益.xlsx", "xls", out).read_bytes())
    ods = convert(soffice, returns / "zj.xlsx", "ods", out)
    (returns / "zj.xlsx").unlink()
    (returns / "zj.xls").write_bytes(ods.read_bytes())
    result = merge(master, [returns], ROUND)
    by_name = {Path(f.report.path).name: f for f in result.reconciled.files}
    assert {name: f.outcome for name, f in by_name.items()} == {
        "王益.xlsx": "merged", "zj.xls": "merged", "民政局报送(1).xlsx": "merged"}
    assert by_name["王益.xlsx"].report.findings[0].code == "file.converted"
    assert task_rows(master)["T16B41F7A"]["当前状态"].value == "已完成"  # 市住建局's answers, read from the .ods


def test_a_round_that_names_no_period_says_states_are_as_of_today(setup, issued):
    master, returns = setup
    other = split(TONGCHUAN, returns.parent / "p3", "第3期", units=["王益区政府"]).files[0].path
    answer(other, returns / "第3期.xlsx")
    code, data = cli_json("merge", str(master), str(returns / "第3期.xlsx"), "--round", "第3期", "--dry-run")
    assert data["as_of"] == dt.date.today().isoformat()
    assert [w["code"] for w in data["warnings"]] == ["merge.round-no-date"] and "--as-of" in data["warnings"][0]["message"]
    code, data = cli_json("merge", str(master), str(returns / "第3期.xlsx"), "--round", "第3期", "--as-of", "2021-09-30",
                          "--dry-run")
    assert data["as_of"] == "2021-09-30" and data["warnings"] == []


def test_yesterdays_and_todays_folders_merged_together_change_nothing(setup, issued, tmp_path):
    master, returns = setup
    today = tmp_path / "今天"
    today.mkdir()
    answer(issued["市卫健委"], today / "卫健委.xlsx")
    merge(master, [returns], ROUND)
    merge(master, [today], ROUND)
    after = master.read_bytes()
    again = merge(master, [today, returns], ROUND)  # the files in another order than they were merged
    assert again.unchanged and master.read_bytes() == after


def test_renamed_log_sheets_and_a_deleted_answer_store_are_said(setup, issued, tmp_path):
    """A coordinator renames 历次进展 and 报送记录 (they go on under the new names, which their formulas use; no
    second copy is started), and deletes the hidden store of merged returns (the units merged before are named,
    not silently dropped)."""
    master, returns = setup
    merge(master, [returns], ROUND)
    wb = load_workbook(master)
    wb["历次进展"].title = "进展台账"
    wb["报送记录"].title = "收文登记"
    wb.create_sheet("统计")["A1"] = "=COUNTA(进展台账!B:B)"
    wb.save(master)
    late = tmp_path / "late"
    late.mkdir()
    answer(issued["市卫健委"], late / "卫健委.xlsx")
    result = merge(master, [late], ROUND)
    assert result.warnings == []
    wb = load_workbook(master)
    assert "历次进展" not in wb.sheetnames and "报送记录" not in wb.sheetnames
    assert len(list(wb["进展台账"].iter_rows(min_row=3))) == 35 and len(list(wb["收文登记"].iter_rows(min_row=3))) == 4
    assert wb["统计"]["A1"].value == "=COUNTA(进展台账!B:B)" and merge(master, [late], ROUND).unchanged
    wb._sheets.remove(wb["_xltasks_answers"])
    wb.save(master)
    result = merge(master, [returns], ROUND)  # three of the four units again: 市卫健委 is named
    assert [(w.code, w.message.count("市卫健委")) for w in result.warnings] == [("merge.store-missing", 1)]
    assert "市卫健委" in result.reconciled.missing_units


def _part(book: Path, sheet: str) -> bytes:
    """The XML of one worksheet part, by the sheet's name."""
    import re

    with zipfile.ZipFile(book) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rel = re.search(rf'<sheet name="{sheet}" sheetId="[0-9]+" (?:state="[a-zA-Z]+" )?r:id="(rId[0-9]+)"', workbook)[1]
        target = re.search(rf'<Relationship Id="{rel}" Type="[^"]+" Target="([^"]+)"', rels)[1]
        return zf.read("xl/" + target.lstrip("/").removeprefix("xl/"))


@pytest.mark.parametrize("how", ["copied", "formats not found"])
def test_earlier_rounds_rows_are_copied_as_written_not_written_again(setup, tmp_path, monkeypatch, how):
    """历次进展 and 报送记录 rows of earlier rounds are copied from the old part (a merge no longer costs more each
    round): the result is byte for byte what writing them again gives, and when a copied row's cell format
    cannot be found in the new workbook, the sheet is written whole instead."""
    from xltasks.files.master import update as master_update
    from xltasks.files.xlsx import verbatim

    monkeypatch.setattr(verbatim, "MIN_ROWS", 1)
    monkeypatch.setattr(verbatim, "CHUNK", 300)  # rows and tags cut across chunks, as 100 MB of rows are
    master, returns = setup
    merge(master, [returns], ROUND)
    issued = split(master, tmp_path / "7", "2021年7月", units=["市民政局"]).files[0].path
    july = answer(issued, tmp_path / "民政局7月.xlsx", "推进中", 70, day=dt.date(2021, 7, 25))
    whole = Path(shutil.copy(master, tmp_path / "whole.xlsx"))
    copies = []
    real = master_update.unchanged_rows
    monkeypatch.setattr(master_update, "unchanged_rows", lambda *a: copies.append(real(*a)) or copies[-1])
    if how == "formats not found":
        monkeypatch.setattr(verbatim, "style_map", lambda old, new: {})
    merge(master, [july], "2021年7月")
    assert [c.rows if c else 0 for c in copies] == [35, 3, 3]  # June's rows, files and stored returns
    monkeypatch.setattr(master_update, "unchanged_rows", lambda *a: None)
    merge(whole, [july], "2021年7月")
    assert _part(master, "历次进展") == _part(whole, "历次进展")
    assert _part(master, "_xltasks_answers") == _part(whole, "_xltasks_answers")
    rows = list(load_workbook(master)["历次进展"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [ROUND] * 35 + ["2021年7月"] * 35


def test_a_master_saved_by_another_program_has_its_rows_written_not_copied(setup, soffice, tmp_path, monkeypatch):
    """LibreOffice keeps texts in a shared-string table: such rows cannot be copied into a new package."""
    from xltasks.files.master import update as master_update
    from xltasks.files.xlsx import verbatim

    monkeypatch.setattr(verbatim, "MIN_ROWS", 1)
    master, returns = setup
    merge(master, [returns], ROUND)
    resaved = convert(soffice, master, "xlsx", tmp_path / "lo")
    master = Path(shutil.copy(resaved, master))
    issued = split(master, tmp_path / "7", "2021年7月", units=["市民政局"]).files[0].path
    july = answer(issued, tmp_path / "民政局7月.xlsx", "推进中", 70, day=dt.date(2021, 7, 25))
    copies = []
    real = master_update.unchanged_rows
    monkeypatch.setattr(master_update, "unchanged_rows", lambda *a: copies.append(real(*a)) or copies[-1])
    merge(master, [july], "2021年7月")
    assert copies == [None, None, None]
    rows = list(load_workbook(master)["历次进展"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [ROUND] * 35 + ["2021年7月"] * 35 and rows[0][1] == "T96C76C7B"


def test_damaged_and_copied_returns_are_sent_back_foreign_workbooks_are_not(setup, issued, tmp_path):
    """A return that cannot be read, or whose content was copied into a new workbook, came from someone: it is
    rejected (exit 1) so the coordinator gets it again. Only a workbook with nothing of ours is skipped."""
    master, returns = setup
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "空文件.xlsx").write_bytes(b"")
    good = answer(issued["市卫健委"], tmp_path / "卫健委.xlsx")
    (folder / "下载中断.xlsx").write_bytes(good.read_bytes()[:5000])
    wb = load_workbook(good)
    copy = Workbook()
    copy.active.title = "牵头任务"
    for row in wb["牵头任务"].iter_rows(values_only=True):
        copy.active.append(row)
    copy.save(folder / "另存的新表.xlsx")
    shutil.copy(ROOT / "tests" / "data" / "foreign" / "frictionless--data_table.xlsx", folder / "通讯录.xlsx")
    code, data = cli_json("merge", str(master), str(returns), str(folder), "--round", ROUND)
    outcomes = {Path(f["path"]).name: f["outcome"] for f in data["files"] if Path(f["path"]).parent == folder}
    assert code == 1 and outcomes == {"空文件.xlsx": "rejected", "下载中断.xlsx": "rejected",
                                      "另存的新表.xlsx": "rejected", "通讯录.xlsx": "ignored"}


def test_a_blank_return_with_an_overdue_task_is_still_blank_but_a_typed_column_is_not(setup, issued, tmp_path):
    """市民政局's blank return: its overdue task asks for 存在问题, which a blank return does not make a mistake.
    A clerk who typed the progress into a column of their own did fill the return in: it goes back."""
    master, returns = setup
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(issued["市民政局"], folder / "民政局.xlsx")
    wb = load_workbook(issued["市卫健委"])
    ws = wb["牵头任务"]
    ws.insert_cols(ws.max_column + 1)
    for r in range(6, ws.max_row + 1):
        if ws.cell(r, 1).value:
            ws.cell(r, ws.max_column + 1, "已完成八成")
    wb.save(folder / "卫健委.xlsx")
    result = merge(master, [folder], ROUND)
    outcomes = {Path(f.report.path).name: f.outcome for f in result.reconciled.files}
    assert outcomes == {"民政局.xlsx": "ignored", "卫健委.xlsx": "rejected"}
    assert "市民政局" in result.reconciled.missing_units and "市卫健委" in result.reconciled.rejected_units


def test_a_task_reassigned_after_its_return_was_merged_is_said(setup, tmp_path):
    master, returns = setup
    merge(master, [returns], ROUND)
    wb = load_workbook(master)
    ws = wb["任务清单"]
    col = next(c.column for c in ws[2] if c.value == "牵头单位")
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "T96C76C7B")
    ws.cell(row[0].row, col).value = "市卫健委"
    wb.save(master)
    late = tmp_path / "late"
    late.mkdir()
    issued = split(master, tmp_path / "i", ROUND, units=["市住建局"]).files[0].path
    answer(issued, late / "住建局.xlsx", "已完成", 100, day=dt.date(2021, 6, 29))
    result = merge(master, [late], ROUND)
    gone = [w for w in result.warnings if w.code == "merge.stored-row-gone"]
    assert [(w.task_id, "已改由市卫健委牵头" in w.message, "市民政局" in w.message) for w in gone] == [
        ("T96C76C7B", True, True)]


def test_the_reminder_does_not_call_a_used_return_an_unused_correction(setup, issued, tmp_path):
    master, returns = setup
    wrong_answer(issued["市卫健委"], returns / "卫健委-第一次.xlsx")
    merge(master, [returns], ROUND)
    answer(issued["市卫健委"], returns / "卫健委-改正.xlsx", day=dt.date(2021, 6, 29))
    for _ in range(2):  # the whole folder again, with the good one now in it
        result = merge(master, [returns], ROUND)
        assert "未采用" not in result.reminder and "市卫健委" not in result.reminder


def test_a_master_named_through_a_link_is_written_where_it_lies(setup, tmp_path):
    master, returns = setup
    link = tmp_path / "捷径.xlsx"
    link.symlink_to(master)
    merge(link, [returns], ROUND)
    assert link.is_symlink() and task_rows(master)["T16B41F7A"]["当前状态"].value == "已完成"


def test_history_archives_and_warnings_name_their_files(setup, tmp_path, monkeypatch):
    """The master's folder merged as the returns folder: the 历次进展 archive beside it is ours, not a return;
    a warning about a return's row says which file it is about."""
    from xltasks.files.master import history as master_history

    monkeypatch.setattr(master_history, "HISTORY_MAX_ROWS", 50)
    master, returns = setup
    merge(master, [returns], ROUND)
    for month in (7, 8):
        _civil_affairs_return(master, tmp_path, month, returns / f"民政局{month}月.xlsx")
        merge(master, [returns], f"2021年{month}月")
    archive = next(master.parent.glob("*-历次进展-*.xlsx"))
    merge(master, [master.parent], "2021年8月")
    result = merge(master, [master.parent], "2021年8月")
    skipped = {Path(f.report.path).name: f.outcome for f in result.reconciled.files if f.report.path == str(archive)}
    assert skipped == {archive.name: "ignored"} and result.unchanged
    register = load_workbook(master)["报送记录"]
    assert not any("历次进展" in str(r[7]) for r in register.iter_rows(min_row=3, values_only=True))
    issued = split(master, tmp_path / "8b", "2021年8月", units=["市民政局"]).files[0].path  # before the change
    answer(issued, tmp_path / "民政局8月更正.xlsx", "推进中", 80, day=dt.date(2021, 8, 26))
    _set_leads(master, "市民政局", "市卫健委", only=1)
    shown = run_cli("merge", str(master), str(tmp_path / "民政局8月更正.xlsx"), "--round", "2021年8月")
    assert "民政局8月更正.xlsx：「牵头任务」第" in " ".join(shown.stdout.split()).replace(" ", "")


def test_a_cooperating_unit_made_a_lead_after_split_is_told_its_row_is_not_used(issued, tmp_path):
    """T9BBA24EA: 市财政局 cooperated when the returns went out; the coordinator then made it a lead. Its 配合任务
    row cannot stand for a lead's report: said, not dropped silently."""
    master = Path(shutil.copy(TONGCHUAN, tmp_path / "总台账.xlsx"))
    answer(issued["市财政局"], tmp_path / "财政局.xlsx", coop="已拨付资金")
    wb = load_workbook(master)
    ws = wb["任务清单"]
    headers = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "T9BBA24EA")
    row[headers.index("牵头单位")].value = "市卫健委、市财政局"
    row[headers.index("配合单位")].value = "市民政局、市医保局"
    wb.save(master)
    result = merge(master, [tmp_path / "财政局.xlsx"], ROUND)
    assert [(w.code, w.task_id) for w in result.warnings] == [("row.lead-changed", "T9BBA24EA")]
    assert "市卫健委、市财政局牵头" in result.warnings[0].message


def test_a_master_packed_at_another_deflate_level_is_still_unchanged(setup):
    """Masters written before the deflate level changed (or zipped again by a tool): the same parts, so a re-run
    with the same files leaves it alone."""
    master, returns = setup
    merge(master, [returns], ROUND)
    with zipfile.ZipFile(master) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(master, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for info, data in parts:
            zf.writestr(info, data, compresslevel=9)
    repacked = master.read_bytes()
    assert merge(master, [returns], ROUND).unchanged and master.read_bytes() == repacked
