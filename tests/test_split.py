"""split on the sample masters: who gets which task, and what each return workbook holds and enforces."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, cli_json, run, run_cli
from openpyxl import load_workbook

from xltasks.actions.split import split
from xltasks.core.assignment import resolve
from xltasks.core.returns import (COOP_SHEET, FIRST_ROW, HELP_SHEET, LEAD_SHEET, META_SHEET, file_fingerprint,
                                  meta_from_rows, row_fingerprint)
from xltasks.core.schemas import validator
from xltasks.files.master.read import read_master

MASTERS = ROOT / "workbooks" / "masters"
YANTA, TONGCHUAN = MASTERS / "yanta-master.xlsx", MASTERS / "tongchuan-master.xlsx"
COUNTIES = ["王益区政府", "印台区政府", "耀州区政府", "宜君县政府"]
TWO_LEADS = "T679CB1D6"  # 落实新建住宅小区配建养老服务设施移交工作: 各区县政府 / 市新区管委会


@pytest.fixture(scope="module")
def yanta(tmp_path_factory):
    return split(YANTA, tmp_path_factory.mktemp("yanta"), "2026年11月", due=dt.date(2026, 11, 30))


@pytest.fixture(scope="module")
def tongchuan(tmp_path_factory):
    return split(TONGCHUAN, tmp_path_factory.mktemp("tongchuan"), "2026年11月", with_coop=True,
                 contact="市民政局养老服务科 0919-3188888")


def read_meta(path: Path) -> dict:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return meta_from_rows(book.get_sheet_by_name(META_SHEET).to_python())
    finally:
        book.close()


def test_every_task_goes_once_to_each_of_its_lead_units(yanta, tongchuan):
    for result, master in ((yanta, YANTA), (tongchuan, TONGCHUAN)):
        book = read_master(master)
        groups = result.groups
        files_by_unit = {f.share.unit: f for f in result.files}
        assert len(files_by_unit) == len(result.files), "one file per unit"
        for task in book.tasks:
            leads = [u for name in task.lead_units for u in resolve(name, groups)[0]]
            holders = sorted(f.share.unit for f in result.files if task.task_id in [t.task_id for t in f.share.lead])
            assert holders == sorted(leads), task.task_id
        assert result.unassigned == []
    assert len(yanta.files) == 15
    assert sum(len(f.share.lead) for f in yanta.files) == 47


def test_tongchuan_groups_and_two_leads_as_the_config_defines(tongchuan):
    data = tongchuan.to_json()
    assert list(validator("split-result").iter_errors(data)) == []
    by_unit = {f["unit"]: f for f in data["files"]}
    assert data["groups"] == {"各区县政府": COUNTIES}
    for county in COUNTIES:
        assert TWO_LEADS in by_unit[county]["tasks"]
        assert by_unit[county]["via_group"][TWO_LEADS] == "各区县政府"
    assert TWO_LEADS in by_unit["市新区管委会"]["tasks"]
    assert "各区县政府" not in by_unit  # expanded, not sent to the group itself
    # 市住建局 leads tasks that also list it as cooperating: it reports on them once, as lead.
    assert not set(by_unit["市住建局"]["tasks"]) & set(by_unit["市住建局"]["coop_tasks"])
    # Cooperating-only units get files with --coop; 市级有关部门 has no members and is reported, not sent.
    assert by_unit["市发展改革委"]["tasks"] == [] and by_unit["市发展改革委"]["coop_tasks"]
    assert [(w["code"], w["sheet"], w["cell"], w["message"].split("“")[1].split("”")[0]) for w in data["warnings"]] \
        == [("split.coop-group-skipped", "任务清单", "H3", "市级有关部门"),
            ("split.coop-group-skipped", "任务清单", "H15", "市级相关部门")]


def test_cli_json_equals_the_library_result_and_validates(tmp_path):
    code, data = cli_json("split", str(TONGCHUAN), "-o", str(tmp_path / "cli"), "--round", "2026年11月")
    assert code == 0
    assert list(validator("split-result").iter_errors(data)) == []
    library = split(TONGCHUAN, tmp_path / "lib", "2026年11月").to_json()
    strip = lambda d: {**d, "output": "", "master": "", "files": [{**f, "path": Path(f["path"]).name} for f in d["files"]]}
    assert strip(data) == strip(library)
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == sorted(Path(f["path"]).name for f in data["files"])


def test_units_option_takes_a_group_for_its_members(tmp_path):
    result = split(TONGCHUAN, tmp_path, "2026年11月", units=["各区县政府", "市民政局"])
    assert [f.share.unit for f in result.files] == COUNTIES + ["市民政局"]


def test_units_option_and_file_names(tmp_path):
    result = split(YANTA, tmp_path, "2026/11:第1期*", units=["区民政局、区人社局"])
    assert [f.share.unit for f in result.files] == ["区民政局", "区人社局"]
    assert [f.path.name for f in result.files] == ["2026_11_第1期-区民政局-报送表.xlsx", "2026_11_第1期-区人社局-报送表.xlsx"]
    assert read_meta(result.files[0].path)["round"] == "2026/11:第1期*"  # the round itself is kept as typed


def test_workbook_sheets_protection_and_locked_cells(tongchuan):
    path = next(f.path for f in tongchuan.files if f.share.unit == "市民政局")
    wb = load_workbook(path)
    assert wb.sheetnames == [LEAD_SHEET, COOP_SHEET, HELP_SHEET, "校验结果", META_SHEET]
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb.security.lockStructure
    results = wb["校验结果"]  # issued empty and unprotected: the 校验本表 button writes its findings here
    assert not results.protection.sheet and [c.value for c in results[3]] == ["级别", "工作表", "单元格", "栏目", "说明"]
    assert results.max_row == 3
    # cell formats may change on the task sheets (Excel refuses the button's fills otherwise); rows still may not
    assert not wb[LEAD_SHEET].protection.formatCells and wb[LEAD_SHEET].protection.insertRows
    ws = wb[LEAD_SHEET]
    headers = [c.value for c in ws[FIRST_ROW - 1]]
    assert headers[:2] == ["任务编号", "所属部分"] and headers[-7:] == [
        "进展状态", "完成进度(%)", "进展情况", "存在问题", "下步计划", "实际完成日期", "备注"]
    for sheet in (ws, wb[COOP_SHEET], wb[HELP_SHEET], wb[META_SHEET]):
        p = sheet.protection
        assert p.sheet and p.insertRows and p.deleteRows and not p.password
    first_input = headers.index("进展状态") + 1
    for row in ws.iter_rows(min_row=FIRST_ROW, max_row=ws.max_row):
        assert all(c.protection.locked for c in row[:first_input - 1])
        assert not any(c.protection.locked for c in row[first_input - 1:])
    cells = read_meta(path)["header_cells"]
    assert cells["sheet"] == LEAD_SHEET
    for key, label in (("unit", "填报单位"), ("round", "报送期次"), ("reporter", "填报人"), ("phone", "联系电话"),
                       ("report_date", "填报日期")):
        row, col = ws[cells[key]].row, ws[cells[key]].column
        assert ws.cell(row=row, column=col - 1).value == label or ws.cell(row=row, column=col - 2).value == label
        assert ws[cells[key]].protection.locked == (key in ("unit", "round")), key
    assert (ws[cells["unit"]].value, ws[cells["round"]].value) == ("市民政局", "2026年11月")
    assert all(ws[cells[k]].value is None for k in ("reporter", "phone", "report_date"))
    assert ws.oddHeader.center.text.startswith("市民政局")
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == f"${FIRST_ROW - 1}:${FIRST_ROW - 1}"
    assert ws.freeze_panes == f"{chr(ord('A') + headers.index('任务内容') + 1)}{FIRST_ROW}"


def _validations(ws) -> dict[str, tuple]:
    """Each validation's terms; "between", the default operator, is what a missing one means (as in Excel)."""
    operator = lambda dv: dv.operator or ("between" if dv.type not in ("list", "custom") else None)  # noqa: E731
    return {str(dv.sqref): (dv.type, operator(dv), dv.formula1, dv.formula2, bool(dv.prompt), bool(dv.error))
            for dv in ws.data_validations.dataValidation}


def test_data_validations_from_the_schema(tongchuan):
    path = next(f.path for f in tongchuan.files if f.share.unit == "市民政局")
    wb = load_workbook(path)
    ws = wb[LEAD_SHEET]
    last = FIRST_ROW + 23  # 24 lead tasks
    letters = {c.value: c.column_letter for c in ws[FIRST_ROW - 1]}
    dvs = _validations(ws)
    col = lambda header: f"{letters[header]}{FIRST_ROW}:{letters[header]}{last}"
    assert dvs[col("进展状态")] == ("list", None, '"未启动,推进中,已完成"', None, True, True)
    assert dvs[col("完成进度(%)")] == ("decimal", "between", "0", "100", True, True)
    assert dvs[col("进展情况")] == ("textLength", "lessThanOrEqual", "1000", None, True, True)
    assert dvs[col("存在问题")][:3] == ("textLength", "lessThanOrEqual", "500")
    assert dvs[col("备注")][:3] == ("textLength", "lessThanOrEqual", "200")
    assert dvs[col("实际完成日期")] == ("date", "between", "DATE(2000,1,1)", "TODAY()", True, True)
    phone = [v for k, v in dvs.items() if ":" not in k and v[0] == "custom"]
    assert len(phone) == 1 and "ISNUMBER" in phone[0][2]
    assert sum(1 for k, v in dvs.items() if ":" not in k and v[0] == "date") == 1  # 填报日期
    assert dvs[col("下步计划")][:3] == ("textLength", "lessThanOrEqual", "500")
    coop = _validations(wb[COOP_SHEET])
    coop_letters = {c.value: c.column_letter for c in wb[COOP_SHEET][FIRST_ROW - 1]}
    assert any(k.startswith(f"{coop_letters['配合工作情况']}{FIRST_ROW}:") and v[0] == "textLength"
               for k, v in coop.items())


def _rules(ws) -> list[tuple[str, str]]:
    return [(str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules]


def test_conditional_formats_mark_missing_and_contradictory_inputs(tongchuan):
    path = next(f.path for f in tongchuan.files if f.share.unit == "市民政局")
    ws = load_workbook(path)[LEAD_SHEET]
    letters = {c.value: c.column_letter for c in ws[FIRST_ROW - 1]}
    s, p, d, q, due = (letters[h] for h in ("进展状态", "完成进度(%)", "实际完成日期", "存在问题", "截止日期"))
    last = FIRST_ROW + 23
    rules = _rules(ws)
    rng = lambda letter: f"{letter}{FIRST_ROW}:{letter}{last}"
    f = FIRST_ROW
    assert (rng(s), f"LEN(TRIM({s}{f}))=0") in rules
    assert (rng(p), f"LEN(TRIM({p}{f}))=0") in rules
    assert (rng(letters["进展情况"]), f"LEN(TRIM({letters['进展情况']}{f}))=0") in rules
    assert (rng(p), f'AND(${s}{f}="已完成",${p}{f}<>100)') in rules
    assert (rng(d), f'AND(${s}{f}="已完成",LEN(TRIM(${d}{f}))=0)') in rules
    assert (rng(p), f'AND(${s}{f}="未启动",${p}{f}<>0)') in rules
    assert (rng(s), f'AND(${s}{f}="已完成",OR(${p}{f}<>100,LEN(TRIM(${d}{f}))=0))') in rules
    assert (rng(q), f'AND(ISNUMBER(${due}{f}),${due}{f}<TODAY(),${s}{f}<>"已完成",LEN(TRIM(${q}{f}))=0)') in rules
    # the header block's three inputs are marked while empty
    assert sum(1 for ref, formula in rules if ":" not in ref and formula.startswith("LEN(TRIM(")) == 3


def test_metadata_identifies_the_file_and_fingerprints_its_cells(yanta, tongchuan):
    import python_calamine

    for result in (yanta, tongchuan):
        for f in result.files:
            meta = read_meta(f.path)
            assert list(validator("return-meta").iter_errors(meta)) == [], f.path
            assert (meta["unit"], meta["round"]) == (f.share.unit, "2026年11月")
            assert [t["task_id"] for t in meta["tasks"] if t["role"] == "lead"] == [t.task_id for t in f.share.lead]
            assert [t["task_id"] for t in meta["tasks"] if t["role"] == "coop"] == [t.task_id for t in f.share.coop]
            assert meta["fingerprint"] == file_fingerprint(meta)
            book = python_calamine.CalamineWorkbook.from_path(str(f.path))
            for role in ("lead", "coop"):
                if not meta["sheets"][role]:
                    continue
                rows = book.get_sheet_by_name(meta["sheets"][role]).to_python()
                headers = meta["columns"][role].split("|")
                assert rows[meta["first_row"] - 2][:len(headers)] == headers
                n_context = headers.index("进展状态" if role == "lead" else "配合工作情况")
                for t in (t for t in meta["tasks"] if t["role"] == role):
                    cells = rows[t["row"] - 1]
                    assert cells[0] == t["task_id"]
                    assert row_fingerprint(cells[:n_context]) == t["fingerprint"]
            book.close()
    one = read_meta(yanta.files[0].path)
    assert one["due"] == "2026-11-30" and one["programme_id"] == read_master(YANTA).programme_id


def test_fingerprint_changes_with_the_task_text():
    row = ["T1", "", "1", "", "建设养老服务中心", "2022年", dt.date(2022, 12, 31), "", "区民政局"]
    same = ["T1", None, 1.0, None, " 建设养老服务\n中心 ", "2022年", dt.datetime(2022, 12, 31), None, "区民政局"]
    assert row_fingerprint(row) == row_fingerprint(same)  # as calamine or LibreOffice give the cells back
    assert row_fingerprint(row) != row_fingerprint(row[:4] + ["建设养老中心"] + row[5:])
    assert row_fingerprint(row) != row_fingerprint(row[:5] + ["2023年"] + row[6:])


def test_help_sheet_tells_the_clerk_what_to_do(tongchuan):
    path = next(f.path for f in tongchuan.files if f.share.unit == "王益区政府")
    ws = load_workbook(path)[HELP_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for expected in ("王益区政府", "2026年11月", "市民政局养老服务科 0919-3188888", "各区县政府成员单位",
                     "没有设置密码", "完成进度(%)", "已完成填100"):
        assert expected in text, expected


def test_refusals_exit_2_in_chinese_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(["split", str(YANTA), "-o", str(out), "--round", "2026年11月", "--units", "区民政厅"], capsys)
    assert code == 2 and "区民政厅" in err and "区民政局" in err
    assert not any(out.glob("*.xlsx"))
    code, _, err = run(["split", str(YANTA), "-o", str(out), "--round", "  "], capsys)
    assert code == 2 and "期次" in err
    source = ROOT / "workbooks" / "sources" / "yanta-tasks.xlsx"
    code, data = cli_json("split", str(source), "-o", str(out), "--round", "1")
    assert code == 2 and data["error"]["code"] == "master.not-xltasks"
    first = split(YANTA, out, "2026年11月", units=["区民政局"]).files[0].path
    code, data = cli_json("split", str(first), "-o", str(out), "--round", "1")
    assert code == 2 and "报送表" in data["error"]["message"]
    before = first.read_bytes()
    code, _, err = run(["split", str(YANTA), "-o", str(out), "--round", "2026年11月"], capsys)
    assert code == 2 and "--force" in err and first.read_bytes() == before
    assert len(list(out.glob("*.xlsx"))) == 1, "nothing written when one target exists"
    lock = out / ("~$" + first.name)
    lock.write_bytes(b"x")
    code, _, err = run(["split", str(YANTA), "-o", str(out), "--round", "2026年11月", "--force"], capsys)
    assert code == 2 and "锁文件" in err and len(list(out.glob("20*-报送表.xlsx"))) == 1
    lock.unlink()
    code, _, _ = run(["split", str(YANTA), "-o", str(out), "--round", "2026年11月", "--force"], capsys)
    assert code == 0 and len(list(out.glob("20*-报送表.xlsx"))) == 15 and not list(out.glob("*.备份-*"))
    kept = list((out / "备份").glob("*.备份-*"))  # not among the returns to be sent: in a 备份 subfolder
    assert len(kept) == 1 and kept[0].read_bytes() == before and zipfile.is_zipfile(kept[0])


def test_help_in_chinese_and_english():
    done = run_cli("split", "--help")
    assert done.returncode == 0 and "报送表" in done.stdout and "return workbook" in done.stdout


def test_foreign_workbooks_as_master_exit_2(tmp_path, capsys):
    from conftest import FOREIGN

    tried = 0
    for path in sorted(FOREIGN.iterdir()):
        if path.suffix.lower() not in (".xlsx", ".xls", ".xlsb", ".ods", ".xlsm"):
            continue
        code, out, _ = run(["split", str(path), "-o", str(tmp_path / "x"), "--round", "1", "--json"], capsys)
        assert code == 2 and json.loads(out)["error"]["message"], path.name
        tried += 1
    assert tried > 20 and not list((tmp_path / "x").glob("*.xlsx"))


def _task(task_id: str, leads: tuple[str, ...], coops: tuple[str, ...] = ()):
    from xltasks.core.assignment import MasterTask

    return MasterTask(task_id, "", "1", "", f"任务{task_id}", leads, coops, "2022年", dt.date(2022, 12, 31), 3,
                      lead_cell="G3", coop_cell="H3")


def test_assignment_rules_without_files():
    from xltasks.core.assignment import assign

    tasks = [_task("T1", ("各街道办事处",), ("区财政局",)), _task("T2", ("区民政局", "区财政局"), ("区民政局", "区有关部门")),
             _task("T3", ())]
    shares, findings = assign(tasks, {}, with_coop=True)
    got = {s.unit: ([t.task_id for t in s.lead], [t.task_id for t in s.coop]) for s in shares}
    assert got == {"各街道办事处": (["T1"], []), "区民政局": (["T2"], []), "区财政局": (["T2"], ["T1"])}
    assert [(f.code, f.cell) for f in findings] == [
        ("split.group-no-members", "G3"), ("split.no-lead", "G3"), ("split.coop-group-skipped", "H3")]
    shares, _ = assign(tasks, {"各街道办事处": ("小寨路街道", "大雁塔街道")}, with_coop=False)
    assert [(s.unit, s.via_group) for s in shares][:2] == [("小寨路街道", {"T1": "各街道办事处"}),
                                                           ("大雁塔街道", {"T1": "各街道办事处"})]


def test_the_coordinators_edits_in_the_master_are_what_split_uses(tmp_path):
    """Columns moved, a lead unit changed, a group's members listed in 单位名单, a row without an ID added."""
    wb = load_workbook(TONGCHUAN)
    ws = wb["任务清单"]
    headers = [c.value for c in ws[2]]
    ws.cell(row=3, column=headers.index("牵头单位") + 1, value="市卫健委、市民政局")
    ws.insert_cols(1)  # a coordinator's own column in front
    ws.cell(row=2, column=1, value="督办人")
    last = ws.max_row
    ws.cell(row=last + 1, column=headers.index("任务内容") + 2, value="临时增加的任务")
    ws.cell(row=last + 2, column=headers.index("任务内容") + 2, value="另一项临时任务")
    ws.cell(row=last + 2, column=headers.index("任务编号") + 2, value="新增1")
    units = wb["单位名单"]
    names = [c.value for c in units["A"]]
    units.cell(row=names.index("市级有关部门") + 1, column=4, value="市财政局、市发展改革委")
    edited = tmp_path / "edited-master.xlsx"
    wb.save(edited)
    result = split(edited, tmp_path / "out", "2026年12月", with_coop=True).to_json()
    by_unit = {f["unit"]: f for f in result["files"]}
    assert "T96C76C7B" in by_unit["市卫健委"]["tasks"] and "T96C76C7B" in by_unit["市民政局"]["tasks"]
    assert by_unit["市财政局"]["via_group"]["T96C76C7B"] == "市级有关部门"
    assert [(w["code"], w["cell"]) for w in result["warnings"]][:2] == [
        ("master.row-no-id", f"B{last + 1}"), ("master.row-bad-id", f"B{last + 2}")]
    assert "split.coop-group-skipped" in {w["code"] for w in result["warnings"]}  # 市级相关部门 still has none


def test_file_names_are_safe_on_windows_for_any_round_and_unit():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xltasks.core.returns import return_file_name

    @settings(max_examples=300, deadline=None)
    @given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80))
    def check(round_name, unit):
        name = return_file_name(round_name, unit)
        assert not set(name) & set('\\\\/:*?"<>|') and all(ord(ch) >= 32 for ch in name)
        assert name.endswith("-报送表.xlsx") and not name.startswith(".") and len(name) <= 2 * 40 + 12

    check()


def _edited_master(tmp_path: Path, edit, name: str = "edited.xlsx") -> Path:
    """The Tongchuan master after `edit(workbook)`, as a coordinator (or a hostile file) might leave it."""
    wb = load_workbook(TONGCHUAN)
    edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def _set(sheet: str, ref: str, value):
    return lambda wb: wb[sheet].__setitem__(ref, value)


@pytest.mark.parametrize("edit, code", [
    (_set("任务清单", "G2", "牵头"), "master.missing-column"),
    (_set("任务清单", "A2", "编号"), "master.missing-column"),
    (lambda wb: wb["任务清单"].delete_rows(3, 100), "master.no-tasks"),
    (_set("任务清单", "A4", "T96C76C7B"), "master.duplicate-id"),
    (_set("_xltasks", "B5", "edited"), "master.not-xltasks"),
])
def test_a_broken_master_is_refused_with_its_reason(tmp_path, capsys, edit, code):
    master = _edited_master(tmp_path, edit)
    exit_code, out, _ = run(["split", str(master), "-o", str(tmp_path / "out"), "--round", "R", "--json"], capsys)
    error = json.loads(out)["error"]
    assert (exit_code, error["code"]) == (2, code) and "内部出错" not in error["message"]
    assert not list((tmp_path / "out").glob("*.xlsx"))


def test_control_characters_from_the_master_are_dropped_before_fingerprinting(tmp_path):
    def edit(wb):
        wb["任务清单"]["F3"] = "建立跟踪_x000B_指导制度"  # calamine decodes it to \x0b, which no cell may hold
        wb["任务清单"]["G4"] = "市住建_x0002_局"
    result = split(_edited_master(tmp_path, edit), tmp_path / "out", "2026年\x0111月", with_coop=True)
    import python_calamine

    for f in result.files:
        meta = read_meta(f.path)
        assert meta["fingerprint"] == file_fingerprint(meta) and meta["round"] == "2026年11月"
        book = python_calamine.CalamineWorkbook.from_path(str(f.path))
        for t in meta["tasks"]:
            headers = meta["columns"][t["role"]].split("|")
            n = headers.index("进展状态" if t["role"] == "lead" else "配合工作情况")
            assert row_fingerprint(book.get_sheet_by_name(t["sheet"]).to_python()[t["row"] - 1][:n]) == t["fingerprint"]
        book.close()


def test_options_that_cannot_work_are_refused(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for args, words in ((["-o", str(blocker / "sub")], "无法创建输出文件夹"), (["--units", "、"], "--units"),
                        (["--due", "0001-01-01"], "2000年"), (["--due", "2026-02-30"], "不是日期")):
        code, _, err = run(["split", str(TONGCHUAN), "-o", str(tmp_path / "o"), "--round", "R", *args], capsys)
        assert code == 2 and words in err and "内部出错" not in err, args


def test_config_groups_nest_and_config_aliases_name_units(tmp_path):
    from xltasks.core.config import parse_config

    config = parse_config('[units.aliases]\n"住建" = "市住建局"\n'
                          '[units.groups]\n"全市各单位" = ["各区县政府", "市财政局"]\n'
                          '"各区县政府" = ["王益区政府", "印台区政府"]\n')
    result = split(TONGCHUAN, tmp_path, "R", config, units=["住建", "全市各单位"], with_coop=True)
    assert [f.share.unit for f in result.files] == ["市住建局", "王益区政府", "印台区政府", "市财政局"]
    assert "耀州区政府" not in {f.share.unit for f in split(TONGCHUAN, tmp_path / "all", "R", config).files}


def test_names_equal_but_for_case_get_distinct_files(tmp_path):
    def edit(wb):
        wb["任务清单"]["G3"] = "ABC局"
        wb["任务清单"]["G4"] = "abc局"
    result = split(_edited_master(tmp_path, edit), tmp_path / "out", "R")
    names = [f.path.name for f in result.files if f.share.unit.lower() == "abc局"]
    assert names == ["R-ABC局-报送表.xlsx", "R-abc局-2-报送表.xlsx"]


def test_the_help_sheet_lists_only_the_columns_the_workbook_has(tmp_path):
    files = {f.share.unit: f.path for f in split(ROOT / "workbooks" / "masters" / "yanta-master.xlsx", tmp_path,
                                                 "2026年11月", with_coop=True).files}

    def listed(path):
        ws = load_workbook(path)["填报说明"]
        return {row[0] for row in ws.iter_rows(values_only=True) if row[0]}

    coop_only, lead_only = listed(files["区残联"]), listed(files["区统计局"])
    assert "配合工作情况" in coop_only and "进展状态" not in coop_only
    assert "进展状态" in lead_only


def test_many_units_are_written_on_worker_processes_the_same_as_on_one(tmp_path):
    """From 32 units split uses both cores: the same files, the same cells and metadata (but the issue time)."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from merge_scale import write_source

    from xltasks.actions.import_table import import_table
    from xltasks.core.config import parse_config
    from xltasks.files.returns.read import read_return

    source = write_source(tmp_path / "source.xlsx", 40, 2)
    import_table(source, tmp_path / "master.xlsx", parse_config(None))
    seen = []
    one = split(tmp_path / "master.xlsx", tmp_path / "one", "2026年11月", jobs=1)
    two = split(tmp_path / "master.xlsx", tmp_path / "two", "2026年11月", jobs=2, progress=seen.append)
    assert len(one.files) == len(two.files) == 40 and len(seen) == 40
    assert [f.path.name for f in one.files] == [f.path.name for f in two.files]
    for a, b in zip(one.files, two.files):
        x, y = read_return(a.path).sheets, read_return(b.path).sheets
        assert x[LEAD_SHEET] == y[LEAD_SHEET]
        drop = lambda rows: [r for r in rows if r[0] not in ("created", "fingerprint")]  # noqa: E731
        assert drop(x[META_SHEET]) == drop(y[META_SHEET])
