"""The command line contract and the master workbook it writes, checked on the sample programmes."""

import datetime as dt
import os

import pytest
from openpyxl import load_workbook

from conftest import CONFIGS, SOURCES, cli_json, run, run_cli
from xltasks.actions.import_table import import_table
from xltasks.core.config import parse_config
from xltasks.core.schemas import validator
from xltasks.files.master.write import TASK_COLUMNS


def test_every_command_has_chinese_and_english_help():
    from xltasks.cli.app import cli

    assert {"import", "split", "demo"} <= set(cli.commands)
    for command in [[]] + [[name] for name in cli.commands]:
        done = run_cli(*command, "--help")
        assert done.returncode == 0
        assert "任务" in done.stdout or "报送" in done.stdout, command
        assert any(word in done.stdout.lower() for word in ("import", "split", "validate", "run the main job")), command


def test_json_equals_the_library_result_and_validates(tmp_path):
    master = tmp_path / "master.xlsx"
    code, data = cli_json("import", str(SOURCES / "yanta-tasks.docx"), "-o", str(master))
    assert code == 0
    assert list(validator("import-result").iter_errors(data)) == []
    library = import_table(SOURCES / "yanta-tasks.docx", tmp_path / "again.xlsx", parse_config(None)).to_json()
    assert {**data, "master": None} == {**library, "master": None}
    assert data["tasks"] == 47 and len(data["lead_units"]) == 15


def test_errors_in_json_validate_against_the_error_schema(tmp_path):
    code, data = cli_json("import", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "m.xlsx"))
    assert code == 2 and data["error"]["code"] == "source.missing"
    assert list(validator("error-result").iter_errors(data)) == []


def test_bad_arguments_exit_2_in_chinese(capsys, tmp_path):
    code, out, err = run(["import"], capsys)
    assert code == 2 and "缺少参数" in err and "Traceback" not in err
    code, out, err = run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(tmp_path / "m.csv")], capsys)
    assert code == 2 and ".xlsx" in err
    code, out, err = run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(tmp_path / "m.xlsx"),
                          "--config", str(tmp_path / "none.toml")], capsys)
    assert code == 2 and "配置文件" in err
    (tmp_path / "bad.toml").write_text("[status]\nwarning_days = \"三十\"\n", encoding="utf-8")
    code, out, err = run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(tmp_path / "m.xlsx"),
                          "--config", str(tmp_path / "bad.toml")], capsys)
    assert code == 2 and "warning_days" in err


def test_existing_master_is_kept_unless_forced_then_backed_up(tmp_path, capsys):
    master = tmp_path / "master.xlsx"
    assert run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(master)], capsys)[0] == 0
    before = master.read_bytes()
    code, out, err = run(["import", str(SOURCES / "tongchuan-tasks.xlsx"), "-o", str(master)], capsys)
    assert code == 2 and "已存在" in err and master.read_bytes() == before
    code, out, err = run(["import", str(SOURCES / "tongchuan-tasks.xlsx"), "-o", str(master), "--force"], capsys)
    assert code == 0
    backups = [p for p in tmp_path.iterdir() if ".备份-" in p.name]
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert load_workbook(master)["任务清单"].max_row == 2 + 35


def test_master_open_in_excel_is_left_untouched(tmp_path, capsys):
    master = tmp_path / "master.xlsx"
    assert run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(master)], capsys)[0] == 0
    before = master.read_bytes()
    (tmp_path / "~$master.xlsx").write_bytes(b"owner")
    code, out, err = run(["import", str(SOURCES / "yanta-tasks.xlsx"), "-o", str(master), "--force"], capsys)
    assert code == 2 and "正在被打开" in err
    assert master.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.xlsx", "~$master.xlsx"]  # no temp left


@pytest.fixture(scope="module")
def tongchuan_master(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "master.xlsx"
    config = parse_config((CONFIGS / "tongchuan.toml").read_text(encoding="utf-8"))
    import_table(SOURCES / "tongchuan-tasks.docx", path, config)
    return path


def test_master_sheets_headers_and_rows(tongchuan_master):
    wb = load_workbook(tongchuan_master)
    assert wb.sheetnames == ["任务清单", "单位名单", "领导小组", "导入提示", "使用说明", "_xltasks"]
    ws = wb["任务清单"]
    assert [c.value for c in ws[2]] == [h for _, h, _ in TASK_COLUMNS]
    for header in ("进展状态", "完成进度(%)", "进展情况", "存在问题", "下步计划", "实际完成日期", "单位备注", "当前状态", "协调员备注"):
        assert header in [c.value for c in ws[2]]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 35
    first = dict(zip([h for _, h, _ in TASK_COLUMNS], rows[0]))
    assert first["序号"] == "1" and first["牵头单位"] == "市民政局" and first["完成时限"] == "2020年11月"
    assert first["截止日期"].date().isoformat() == "2020-11-30" and first["来源位置"] == "表1!C3"
    assert first["进展状态"] is None and first["当前状态"] is None
    assert wb["_xltasks"].sheet_state == "veryHidden"
    assert dict(wb["_xltasks"].iter_rows(values_only=True))["format"] == "xltasks-master/1"
    units = {r[0]: r for r in wb["单位名单"].iter_rows(min_row=3, values_only=True)}
    assert units["各区县政府"][1] == "单位组" and "耀州区政府" in units["各区县政府"][3]
    assert "宋军明" in units["市民政局"][7] and units["市民政局"][8] == "领导小组办公室所在单位"
    findings = list(wb["导入提示"].iter_rows(min_row=3, values_only=True))
    assert any(r[1] == "import.lead-in-coop" and r[2] == "表1!C6" for r in findings)


def test_master_layout_freeze_wrap_print(tongchuan_master):
    ws = load_workbook(tongchuan_master)["任务清单"]
    assert ws.freeze_panes == "B3"
    assert ws.print_title_rows == "$1:$2"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 2 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["F3"].alignment.wrap_text and ws.column_dimensions["F"].width >= 30
    assert ws.auto_filter.ref == "A2:Z37"


def test_demo_runs_the_whole_cycle_on_both_samples(tmp_path):
    code, data = cli_json("demo", "-o", str(tmp_path / "demo"))
    assert code == 0 and list(validator("demo-result").iter_errors(data)) == []
    assert [(p["tasks"], len(p["lead_units"])) for p in data["programmes"]] == [(47, 15), (35, 6)]
    names = {p.name for p in (tmp_path / "demo").iterdir() if ".备份-" not in p.name}
    month = f"{dt.date.today().year}年{dt.date.today().month}月"
    assert names == {f"{programme}{suffix}" for programme in ("雁塔区重点任务", "铜川市养老服务改革试点")
                     for suffix in ("-总台账.xlsx", "-报送表", "-报送表-演示回收", f"-总台账-{month}-催办.txt")}
    for merged in data["merges"]:  # two thirds filled, one of them with "八成" for a progress: rejected
        outcomes = [f["outcome"] for f in merged["files"]]
        assert outcomes.count("rejected") == 1 and outcomes.count("merged") == len(outcomes) - 1 and merged["missing_units"]
    wb = load_workbook(tmp_path / "demo" / "雁塔区重点任务-总台账.xlsx")
    assert wb.sheetnames[0] == "汇总统计" and {"历次进展", "报送记录", "报送情况"} <= set(wb.sheetnames)
    states = {row[23] for row in wb["任务清单"].iter_rows(min_row=3, values_only=True)}
    assert {"已完成", "报送有误", "未报送"} <= states
    assert [len(s["files"]) for s in data["splits"]] == [
        len(list((tmp_path / "demo" / folder).glob("*.xlsx"))) for folder in ("雁塔区重点任务-报送表", "铜川市养老服务改革试点-报送表")]
    assert all(s["unassigned"] == [] for s in data["splits"])
    assert any("王益区政府" == f["unit"] for f in data["splits"][1]["files"])  # the config's group, expanded


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    root = SOURCES.parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install . && xltasks demo' in readme
    assert 'pip install -e ".[test]" && pytest' in readme and 'pip install -e ".[test]" && pytest' in ci
    assert os.access(root / ".ci" / "run", os.X_OK)


def test_columns_a_programme_lacks_are_hidden_not_removed(tmp_path):
    master = tmp_path / "m.xlsx"
    import_table(SOURCES / "yanta-tasks.xlsx", master, parse_config(None))
    ws = load_workbook(master)["任务清单"]
    hidden = {ws.cell(row=2, column=c).value for c in range(1, ws.max_column + 1)
              if ws.column_dimensions[ws.cell(row=2, column=c).column_letter].hidden}
    assert hidden == {"所属部分", "子项", "任务名称", "原表备注"}
    assert [c.value for c in ws[2]] == [h for _, h, _ in TASK_COLUMNS]


def test_unknown_command_and_option_are_explained_in_chinese(capsys):
    code, out, err = run(["imprt"], capsys)
    assert code == 2 and "没有子命令“imprt”" in err and "Did you mean" not in err
    code, out, err = run(["import", "--bogus"], capsys)
    assert code == 2 and "没有选项 --bogus" in err
