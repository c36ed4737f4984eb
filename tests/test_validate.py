"""validate on returns filled the way clerks fill them: every check fires at its cell, and nothing on good returns."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, cli_json, convert, run
from openpyxl import load_workbook

from xltasks.actions.split import split
from xltasks.actions.validate import validate
from xltasks.core.returns import COOP_SHEET, FIRST_ROW, HEADER_ROW, LEAD_SHEET, META_SHEET
from xltasks.core.schemas import validator

MASTERS = ROOT / "workbooks" / "masters"
YANTA = MASTERS / "yanta-master.xlsx"
ROUND = "2026年11月"
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """区民政局's return for the round, as issued (16 lead tasks, cooperating sheet included)."""
    out = tmp_path_factory.mktemp("issued")
    return split(YANTA, out, ROUND, units=["区民政局"], with_coop=True).files[0].path


def columns(ws) -> dict[str, str]:
    return {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}


def fill(blank: Path, target: Path, edit=None) -> Path:
    """Fill every input as a careful clerk would (all Yanta deadlines are past: 存在问题 is filled), then apply
    `edit(workbook)` to make the mistake under test."""
    wb = load_workbook(blank)
    ws = wb[LEAD_SHEET]
    col = columns(ws)
    ws["B3"], ws["E3"], ws["H3"] = "张三", "029-88888888", TODAY
    for r in range(FIRST_ROW, ws.max_row + 1):
        ws[f"{col['进展状态']}{r}"] = "推进中"
        ws[f"{col['完成进度(%)']}{r}"] = 50
        ws[f"{col['进展情况']}{r}"] = "已完成选址和方案设计。"
        ws[f"{col['存在问题']}{r}"] = "建设资金尚未全部到位。"
        ws[f"{col['下步计划']}{r}"] = "争取专项资金。"
    coop = wb[COOP_SHEET]
    for r in range(FIRST_ROW, coop.max_row + 1):
        coop[f"{columns(coop)['配合工作情况']}{r}"] = "提供了相关数据。"
    if edit:
        edit(wb)
    wb.save(target)
    return target


def check(path: Path, **kw):
    result = validate([path], kw.pop("master", YANTA), kw.pop("round_name", ROUND), today=TODAY, **kw)
    return result.files[0]


def codes(report, severity=("error", "warning")) -> list[tuple[str | None, str]]:
    return [(f.cell, f.code) for f in report.findings if f.severity in severity]


def test_a_correct_return_passes_with_and_without_the_master(blank, tmp_path):
    good = fill(blank, tmp_path / "good.xlsx")
    report = check(good)
    assert report.findings == [] and report.valid
    assert (report.unit, report.round) == ("区民政局", ROUND)
    assert check(good, master=None, round_name=None).findings == []


def test_an_untouched_return_lists_what_is_still_to_fill(blank):
    report = check(blank)
    assert not report.valid and report.findings[0].code == "workbook.unfilled"  # said first, then what to fill
    assert ("B3", "cell.required") in codes(report) and ("G6", "cell.required") in codes(report)
    assert ("J6", "rule.overdue-needs-problems") in codes(report)
    assert "第6行「进展状态」（G6）必须填写。" in [f.message for f in report.findings]


def _set(sheet: str, **cells):
    def edit(wb):
        for ref, value in cells.items():
            wb[sheet][ref] = value
    return edit


@pytest.mark.parametrize("cells, expected", [
    ({"G6": "完成了"}, [("G6", "cell.not-in-list")]),
    ({"H6": "八成"}, [("H6", "cell.not-a-number")]),
    ({"H6": 150}, [("H6", "cell.out-of-range")]),
    ({"G6": "已完成", "H6": 80, "L6": TODAY}, [("H6", "rule.contradiction")]),
    ({"G6": "已完成", "H6": 100}, [("L6", "rule.contradiction")]),
    ({"G6": "未启动", "H6": 10}, [("H6", "rule.contradiction")]),
    ({"J6": None}, [("J6", "rule.overdue-needs-problems")]),
    ({"L6": "明年"}, [("L6", "cell.not-a-date")]),
    ({"L6": TODAY + dt.timedelta(days=3)}, [("L6", "cell.future-date")]),
    ({"I6": "好" * 1001}, [("I6", "cell.too-long")]),
    ({"G6": "已完成", "H6": 100, "L6": dt.date(1999, 12, 1)}, [("L6", "cell.too-early")]),
    ({"I6": None}, [("I6", "cell.required")]),
    ({"E3": "电话"}, [("E3", "cell.bad-format")]),
    ({"B3": None, "H3": "昨天"}, [("B3", "cell.required"), ("H3", "cell.not-a-date")]),
    ({"M6": "=1+1"}, [("M6", "cell.formula")]),
    ({"E3": "+86 13800000000"}, []),
    ({"A30": "注：以上进展由办公室汇总。"}, []),
    ({"A30": "注：补充", "G30": "推进中"}, [("A30", "row.unknown-task")]),
    ({"G30": "推进中"}, [("A30", "row.no-id")]),
])
def test_each_mistake_is_reported_at_its_cell(blank, tmp_path, cells, expected):
    report = check(fill(blank, tmp_path / "r.xlsx", _set(LEAD_SHEET, **cells)))
    assert codes(report) == expected


def test_what_clerks_really_type_is_normalised_and_recorded(blank, tmp_path):
    cells = {"H6": "80%", "H7": 0.8, "H8": "８０", "H9": " 80 ", "G10": "已完成", "H10": "100", "L10": "2022.6.30",
             "G11": "已完成", "H11": 1, "L11": "2022年6月30日", "I12": 12345}  # H11: "100%" in a percent cell
    report = check(fill(blank, tmp_path / "r.xlsx", _set(LEAD_SHEET, **cells)))
    assert report.valid, codes(report)
    notes = {f.cell: f.message for f in report.findings if f.code == "cell.normalised"}
    assert set(notes) == {"H6", "H7", "H8", "H9", "H10", "L10", "H11", "L11"}
    assert notes["H6"] == "第6行「完成进度(%)」（H6）的“80%”按“80”读取。"
    assert "2022-06-30" in notes["L10"]


def test_formula_like_text_is_a_warning_not_an_error(blank, tmp_path):
    report = check(fill(blank, tmp_path / "r.xlsx", lambda wb: _text(wb, "I6", "=不是公式")))
    assert report.valid and codes(report) == [("I6", "cell.formula-like")]


def _text(wb, ref: str, value: str) -> None:
    wb[LEAD_SHEET][ref] = value
    wb[LEAD_SHEET][ref].data_type = "s"


def _delete_row(wb):
    wb[LEAD_SHEET].delete_rows(8)


def _duplicate_row(wb):
    ws = wb[LEAD_SHEET]
    for c in range(1, ws.max_column + 1):
        ws.cell(row=ws.max_row + 1 if c == 1 else ws.max_row, column=c, value=ws.cell(row=6, column=c).value)


@pytest.mark.parametrize("edit, expected", [
    (_delete_row, [(None, "row.missing")]),
    (_duplicate_row, [("A22", "row.duplicate")]),
    (_set(LEAD_SHEET, C7="新建8个镇街综合养老服务中心。"), [("C7", "row.locked-changed")]),  # the cell changed
    (_set(LEAD_SHEET, A7="T00000000"), [("A7", "row.unknown-task"), (None, "row.missing")]),
    (_set(LEAD_SHEET, A7="T2B3B1B31"), [("A7", "row.other-unit"), (None, "row.missing")]),
])
def test_rows_deleted_duplicated_edited_or_foreign(blank, tmp_path, edit, expected):
    from xltasks.files.master.read import read_master

    if any(code == "row.other-unit" for _, code in expected):  # a task another unit leads, copied in
        other = next(t for t in read_master(YANTA).tasks if "区民政局" not in t.lead_units)
        edit = _set(LEAD_SHEET, A7=other.task_id)
    report = check(fill(blank, tmp_path / "r.xlsx", edit))
    assert codes(report) == expected
    if expected[0][1] == "row.locked-changed":
        assert "“任务内容”" in report.findings[0].message


def test_workbook_identity_sheets_and_columns(blank, tmp_path):
    def drop_meta(wb):
        del wb[META_SHEET]
    assert codes(check(fill(blank, tmp_path / "a.xlsx", drop_meta)))[0] == (None, "workbook.no-metadata")
    assert codes(check(fill(blank, tmp_path / "b.xlsx", _set(META_SHEET, B6="区财政局")))) == \
        [(None, "workbook.metadata-edited")]
    assert codes(check(fill(blank, tmp_path / "c.xlsx"), round_name="2026年10月")) == [(None, "workbook.wrong-round")]

    def rename_column(wb):
        wb[LEAD_SHEET]["I5"] = "工作进展"
    report = check(fill(blank, tmp_path / "d.xlsx", rename_column))
    assert codes(report) == [(None, "workbook.column-missing")] and "进展情况" in report.findings[0].message

    def rename_sheet(wb):
        wb[COOP_SHEET].title = "配合"
    assert codes(check(fill(blank, tmp_path / "e.xlsx", rename_sheet))) == [(None, "workbook.sheet-missing")]


def test_a_row_inserted_above_the_header_block_is_reported_not_misread(blank, tmp_path):
    report = check(fill(blank, tmp_path / "r.xlsx", lambda wb: wb[LEAD_SHEET].insert_rows(1)))
    assert ("B3", "workbook.header-moved") in codes(report)
    assert not any(f.code == "cell.bad-format" for f in report.findings)


@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_error_values_computed_by_libreoffice(blank, tmp_path, soffice, target):
    """An error value shows as #DIV/0! to the clerk; calamine reads it as empty, so it must not be reported as a
    cell left empty. In .ods too (from content.xml), with the formulas there."""
    saved = convert(soffice, fill(blank, tmp_path / "r.xlsx", _set(LEAD_SHEET, H6="=1/0", L7="=NA()", I8="=A1")),
                    target, tmp_path / "lo")
    report = check(saved)
    assert [(c, code) for c, code in codes(report) if code in ("cell.error-value", "cell.formula")] == [
        ("H6", "cell.error-value"), ("L7", "cell.error-value"), ("I8", "cell.formula")]
    assert "#DIV/0!" in next(f.message for f in report.findings if f.cell == "H6" and f.code == "cell.error-value")
    assert "#N/A" in next(f.message for f in report.findings if f.cell == "L7" and f.code == "cell.error-value")


def test_a_return_for_another_programme(blank, tmp_path):
    tongchuan = MASTERS / "tongchuan-master.xlsx"
    report = check(fill(blank, tmp_path / "r.xlsx"), master=tongchuan)
    assert codes(report) == [(None, "workbook.other-programme")]


@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_returns_resaved_by_libreoffice_are_read(blank, tmp_path, soffice, target):
    good = fill(blank, tmp_path / "good.xlsx")
    saved = convert(soffice, good, target, tmp_path / "lo")
    report = check(saved)
    assert report.valid and codes(report) == [], codes(report)
    infos = {f.code for f in report.findings if f.severity == "info"}
    assert ("file.converted" in infos) == (target != "xlsx")
    bad = fill(blank, tmp_path / "bad.xlsx", _set(LEAD_SHEET, G6="完成了", H7="八成"))
    report = check(convert(soffice, bad, target, tmp_path / "lo2"))
    assert codes(report) == [("G6", "cell.not-in-list"), ("H7", "cell.not-a-number")]


@pytest.mark.parametrize("kind", ["missing", "empty", "text-as-xlsx", "truncated", "zip-not-office", "encrypted",
                                  "zip-bomb", "xml-entities", "no-header"])
def test_hostile_and_broken_files_are_findings(kind, tmp_path):
    from test_bad_sources import make_bad

    path = make_bad(kind, tmp_path)
    report = check(path)
    assert not report.valid and report.findings and report.findings[0].severity == "error", kind
    assert all(f.message for f in report.findings)


def test_a_folder_with_lock_files_many_returns_and_the_cli(blank, tmp_path, capsys):
    folder = tmp_path / "returns"
    (folder / "sub").mkdir(parents=True)
    good = fill(blank, folder / "sub" / "民政局报送(1).xlsx")
    fill(blank, folder / "错的.xlsx", _set(LEAD_SHEET, G6="完成了"))
    shutil.copy(good, folder / "副本.xlsx")
    (folder / "~$错的.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("ignored")
    code, data = cli_json("validate", str(folder), "--master", str(YANTA), "--round", ROUND)
    assert code == 1
    assert list(validator("validate-result").iter_errors(data)) == []
    names = [(Path(f["path"]).name, f["valid"]) for f in data["files"]]
    assert names == [("民政局报送(1).xlsx", True), ("~$错的.xlsx", True), ("副本.xlsx", True), ("错的.xlsx", False)]
    assert data["files"][1]["findings"][0]["code"] == "file.skipped"
    assert data["summary"] == {"files": 4, "valid": 3, "invalid": 1, "errors": 1, "warnings": 0, "infos": 1}
    library = validate([folder], YANTA, ROUND, jobs=1).to_json()
    assert data == json.loads(json.dumps(library, ensure_ascii=False, default=str))
    code, out, _ = run(["validate", str(folder / "sub"), "--master", str(YANTA)], capsys)
    assert code == 0 and "通过1个" in out
    code, out, _ = run(["validate", str(folder / "错的.xlsx")], capsys)
    assert code == 1 and "第6行「进展状态」（G6）的值“完成了”不在可选项中" in out.replace("\n", "")
    code, _, err = run(["validate", str(folder), "--master", str(tmp_path / "无.xlsx")], capsys)
    assert code == 2 and "总台账" in err


def test_a_batch_on_worker_processes_gives_the_same_reports_in_order(blank, tmp_path):
    from xltasks.actions.validate import PROCESS_POOL_FROM

    good = fill(blank, tmp_path / "good.xlsx")
    bad = fill(blank, tmp_path / "bad.xlsx", _set(LEAD_SHEET, H9="八成"))
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(PROCESS_POOL_FROM + 8):
        shutil.copy(bad if i % 10 == 3 else good, batch / f"{i:03d}.xlsx")
    seen = []
    pooled = validate([batch], YANTA, ROUND, jobs=2, today=TODAY, progress=seen.append).to_json()
    single = validate([batch], YANTA, ROUND, jobs=1, today=TODAY).to_json()
    assert pooled == single and len(seen) == PROCESS_POOL_FROM + 8
    assert [Path(f["path"]).name for f in pooled["files"] if not f["valid"]] == ["003.xlsx", "013.xlsx", "023.xlsx",
                                                                                 "033.xlsx"]


def test_report_workbook_and_annotated_copies(blank, tmp_path, soffice):
    from xltasks.core.returns import HELP_SHEET

    folder = tmp_path / "in"
    folder.mkdir()
    bad = fill(blank, folder / "bad.xlsx", _set(LEAD_SHEET, G6="完成了", H7="八成", B3=None))
    fill(blank, folder / "good.xlsx")
    before = bad.read_bytes()
    code, data = cli_json("validate", str(folder), "--master", str(YANTA), "--report", str(tmp_path / "汇总.xlsx"),
                          "--annotate", str(tmp_path / "marked"))
    assert code == 1 and list(validator("validate-result").iter_errors(data)) == []
    copy = tmp_path / "marked" / "bad-校验意见.xlsx"
    assert data["annotated"] == [{"path": str(bad), "copy": str(copy)}]
    assert bad.read_bytes() == before, "the original is never touched"
    shutil.copy(tmp_path / "汇总.xlsx", folder / "汇总.xlsx")  # the report and the master saved among the returns
    shutil.copy(YANTA, folder / "总台账.xlsx")
    skipped = {Path(r.path).name: r.findings[0].message for r in validate([folder], YANTA, today=TODAY).files
               if r.findings and r.findings[0].code == "file.skipped"}
    assert set(skipped) == {"汇总.xlsx", "总台账.xlsx"}
    assert sorted(p.name for p in (tmp_path / "marked").iterdir()) == ["bad-校验意见.xlsx"]

    original, marked = load_workbook(bad), load_workbook(copy)
    assert marked.sheetnames == [LEAD_SHEET, COOP_SHEET, HELP_SHEET, "校验结果", META_SHEET]  # the issued one, filled
    for name in original.sheetnames:  # validations, protection and conditional formats kept as they were
        a, b = original[name], marked[name]
        assert [(str(d.sqref), d.type, d.formula1) for d in a.data_validations.dataValidation] == \
            [(str(d.sqref), d.type, d.formula1) for d in b.data_validations.dataValidation]
        assert (a.protection.sheet, a.protection.insertRows) == (b.protection.sheet, b.protection.insertRows)
        assert len(a.conditional_formatting) == len(b.conditional_formatting)
    assert marked.security.lockStructure and marked[META_SHEET].sheet_state == "veryHidden"
    ws = marked[LEAD_SHEET]
    assert [ws[ref].fill.fgColor.rgb for ref in ("G6", "H7", "B3")] == ["FFFFC7CE"] * 3
    assert ws["G8"].fill.fgColor.rgb == original[LEAD_SHEET]["G8"].fill.fgColor.rgb  # untouched cells unchanged
    assert (ws["G6"].border.left.style, ws["G6"].protection.locked) == ("thin", False)  # the rest of the format kept
    results = marked["校验结果"]
    assert [c.value for c in results[1]] == ["级别", "工作表", "单元格", "说明"]
    assert [(r[2].value, r[2].hyperlink.location) for r in results.iter_rows(min_row=2)] == [
        ("B3", f"'{LEAD_SHEET}'!B3"), ("G6", f"'{LEAD_SHEET}'!G6"), ("H7", f"'{LEAD_SHEET}'!H7")]
    # the copy goes back to the clerk, who may fix it and return it: it is checked as the return it is
    assert sorted(f.cell for f in check(copy).findings if f.severity == "error") == ["B3", "G6", "H7"]
    renamed = Path(shutil.copy(copy, tmp_path / "returned-again.xlsx"))
    assert codes(check(renamed)) == codes(check(bad))  # still the same return, checked the same way
    twice = tmp_path / "twice.xlsx"
    from xltasks.files.returns.annotate import annotate_copy

    annotate_copy(renamed, twice, check(renamed).findings[:1])  # a copy marked up again: its results replaced
    again = load_workbook(twice)
    assert again.sheetnames == marked.sheetnames and again["校验结果"].max_row == 2
    pdf = convert(soffice, copy, "pdf", tmp_path / "pdf")  # LibreOffice opens the copy
    assert pdf.stat().st_size > 10_000

    report = load_workbook(tmp_path / "汇总.xlsx")
    assert report.sheetnames == ["按单位", "按文件", "问题清单"]
    assert [c.value for c in report["按单位"][3]][:7] == ["区民政局", 2, 1, 1, 3, 0, "需退回修改"]
    rows = list(report["问题清单"].iter_rows(min_row=3, values_only=True))
    assert [(r[3], r[5]) for r in rows] == [("B3", "cell.required"), ("G6", "cell.not-in-list"),
                                            ("H7", "cell.not-a-number")]
    link = report["问题清单"]["B4"].hyperlink.target
    assert link == f"in/bad.xlsx#'{LEAD_SHEET}'!G6"


def test_annotate_skips_what_it_cannot_mark_up(blank, tmp_path, soffice):
    bad = fill(blank, tmp_path / "bad.xlsx", _set(LEAD_SHEET, G6="完成了"))
    xls = convert(soffice, bad, "xls", tmp_path / "lo")
    from xltasks.actions.validate import write_annotations

    result = validate([xls, tmp_path / "missing.xlsx"], YANTA, today=TODAY)
    assert write_annotations(result, tmp_path / "marked") == [(xls, None)]
    (tmp_path / "a").mkdir()
    twin = Path(shutil.copy(bad, tmp_path / "a" / "bad.xlsx"))
    pairs = write_annotations(validate([bad, twin], YANTA, today=TODAY), tmp_path / "marked")
    assert [(src, copy.name) for src, copy in pairs] == [(bad, "bad-校验意见.xlsx"), (twin, "bad-校验意见-2.xlsx")]


def test_foreign_workbooks_are_reports_not_crashes():
    from conftest import FOREIGN

    result = validate([FOREIGN], YANTA, ROUND, jobs=1, today=TODAY)
    assert len(result.files) > 40
    for report in result.files:
        errors = [f for f in report.findings if f.severity == "error"]
        assert not report.valid and len(errors) == 1, report.path
        assert errors[0].code in {"workbook.no-metadata", "source.corrupt", "source.encrypted",
                                           "source.unsupported", "source.too-large", "source.hostile"}, report.path
    kinds = {Path(r.path).suffix for r in result.files}
    assert {".xlsx", ".xls", ".xlsb", ".ods"} <= kinds


def test_a_file_that_kills_its_worker_is_a_finding_and_the_rest_are_checked(blank, tmp_path, monkeypatch):
    """Fault injection: a reader crash outside Python (as a hostile file can cause) kills a worker process."""
    import os

    import xltasks.actions.validate as validate_module

    real = validate_module.check_file

    def dies_on_one(path, *args):
        if path.name == "kills.xlsx":
            os._exit(134)
        return real(path, *args)

    monkeypatch.setattr(validate_module, "check_file", dies_on_one)
    good = fill(blank, tmp_path / "good.xlsx")
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(validate_module.PROCESS_POOL_FROM):
        shutil.copy(good, batch / f"{i:03d}.xlsx")
    shutil.copy(good, batch / "kills.xlsx")
    result = validate([batch], YANTA, ROUND, jobs=2, today=TODAY)
    assert len(result.files) == validate_module.PROCESS_POOL_FROM + 1
    assert [(Path(r.path).name, r.findings[0].code) for r in result.files if not r.valid] == [
        ("kills.xlsx", "source.corrupt")]


def test_arguments_that_cannot_work_exit_2_in_chinese(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    for args, words in ((["validate", str(tmp_path / "empty")], "没有找到报送表"),
                        (["validate", str(tmp_path / "无此文件夹")], "找不到"),
                        (["validate", str(tmp_path), "--jobs", "0"], "超出范围"),
                        (["validate", str(tmp_path), "--annotate", str(afile)], "这里需要文件夹")):
        code, _, err = run(args, capsys)
        assert code == 2 and words in err and "Invalid" not in err, args


def test_a_far_out_cell_is_refused_before_the_reader_allocates_it(blank, tmp_path):
    """One value at XFD1048576 would make the reader build a grid of 17 billion cells."""
    far = fill(blank, tmp_path / "far.xlsx", _set(LEAD_SHEET, XFD1048576="x"))
    assert codes(check(far)) == [(None, "source.too-large")]
    tall = fill(blank, tmp_path / "tall.xlsx", _set(LEAD_SHEET, A1048576="x"))
    assert codes(check(tall)) == [(None, "source.too-large")]
    from conftest import write_table

    from xltasks.actions.import_table import import_table
    from xltasks.core.config import parse_config
    from xltasks.core.findings import SourceError

    source = write_table(tmp_path / "table.xlsx", [["序号", "任务内容", "牵头单位"], ["1", "建设", "区民政局"]])
    wb = load_workbook(source)
    wb.active["XFD1048576"] = "x"
    wb.save(source)
    with pytest.raises(SourceError) as refused:
        import_table(source, None, parse_config(None))
    assert refused.value.finding.code == "source.too-large"


def test_a_completion_date_before_the_programme_began(tmp_path):
    """[programme] start in the office's config goes into the master at import; validate reads it from there."""
    from conftest import SOURCES

    from xltasks.actions.import_table import import_table
    from xltasks.core.config import ConfigError, parse_config

    config = parse_config("[programme]\nstart = 2020-06-01\n")
    master = tmp_path / "master.xlsx"
    import_table(SOURCES / "yanta-tasks.xlsx", master, config)
    issued = split(master, tmp_path / "issued", ROUND, units=["区民政局"], with_coop=True).files[0].path
    early = fill(issued, tmp_path / "early.xlsx", _set(LEAD_SHEET, G6="已完成", H6=100, L6=dt.date(2020, 3, 1),
                                                      G7="已完成", H7=100, L7=dt.date(2020, 7, 1)))
    report = validate([early], master, ROUND, today=TODAY).files[0]
    assert codes(report) == [("L6", "cell.too-early")]
    assert "早于项目开始日期2020-06-01" in report.findings[0].message
    assert codes(check(early, master=None)) == []  # without the master the programme's start is unknown
    with pytest.raises(ConfigError):
        parse_config('[programme]\nstart = "去年"\n')


def test_phone_numbers_as_clerks_type_them(blank, tmp_path):
    wide = check(fill(blank, tmp_path / "wide.xlsx", _set(LEAD_SHEET, E3="０２９－８８８８８８８８")))
    assert wide.valid and wide.header["phone"] == "029-88888888"  # full-width digits and dash, read as typed
    landline = check(fill(blank, tmp_path / "number.xlsx", _set(LEAD_SHEET, E3=2988888888)))
    assert [(f.cell, f.code, f.severity) for f in landline.findings if f.severity != "info"] == [
        ("E3", "cell.number-lost-zero", "warning")]
    mobile = check(fill(blank, tmp_path / "mobile.xlsx", _set(LEAD_SHEET, E3=13800138000)))
    assert [f.code for f in mobile.findings if f.severity != "info"] == []
    assert load_workbook(blank)[LEAD_SHEET]["E3"].number_format == "@"  # issued as text: Excel keeps the 0


def test_control_characters_pasted_into_a_cell_are_taken_out_and_said(blank, tmp_path):
    """openpyxl refuses them; another system's export or a hand-made file holds them raw in the XML."""
    import zipfile

    def paste(wb):
        wb[LEAD_SHEET][f"{columns(wb[LEAD_SHEET])['进展情况']}6"] = "粘贴的文字"

    path = fill(blank, tmp_path / "filled.xlsx", paste)
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    as_written = "".join(f"&#{ord(ch)};" for ch in "粘贴的文字").encode()  # openpyxl writes character references
    part = next(n for n, data in parts.items() if as_written in data)
    parts[part] = parts[part].replace(as_written, "粘贴\x01的\x1f文字".encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    report = check(path)
    assert [f.code for f in report.findings if f.severity != "info"] == ["cell.control-chars"]
    assert "粘贴的文字" in [row.get("progress_text") for row in report.rows["lead"].values()]


def test_inputs_merged_over_several_rows_are_named(blank, tmp_path):
    def merge_status(wb):
        ws = wb[LEAD_SHEET]
        col = columns(ws)["进展状态"]
        ws.protection.sheet = False  # the clerk unprotected the sheet first
        ws.merge_cells(f"{col}6:{col}8")

    report = check(fill(blank, tmp_path / "merged.xlsx", merge_status))
    merged = [(f.cell, f.code) for f in report.findings if f.severity == "error"]
    col = columns(load_workbook(blank)[LEAD_SHEET])["进展状态"]
    assert merged == [(f"{col}7", "cell.merged-input"), (f"{col}8", "cell.merged-input")]
    assert f"{col}6:{col}8" in report.findings[[f.code for f in report.findings].index("cell.merged-input")].message


def test_a_note_written_right_of_the_table_is_pointed_out(blank, tmp_path):
    def note_outside(wb):
        ws = wb[LEAD_SHEET]
        ws.cell(row=7, column=ws.max_column + 2, value="此项已与区财政局沟通")

    report = check(fill(blank, tmp_path / "outside.xlsx", note_outside))
    assert report.valid and [f.code for f in report.findings if f.severity == "warning"] == ["sheet.outside-table"]
