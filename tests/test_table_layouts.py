"""Header and layout variants met in practice, built as real xlsx files (openpyxl) and read back."""

import datetime as dt

from conftest import write_table
from xltasks.actions.import_table import read_programme
from xltasks.core.config import parse_config

DEFAULT = parse_config(None)


def codes(programme):
    return [(f.cell, f.code) for f in programme.findings]


def test_header_below_title_rows_with_synonyms(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["附件1"], ["某县2023年重点工作任务清单"], [],
        ["编号", "工作任务", "责任单位", "协办单位", "时间节点"],
        [1, "任务甲", "县民政局", "县财政局、县人社局", "2023年6月"],
        [2, "任务乙", "县财政局", "无", dt.datetime(2023, 9, 30)],
    ])
    p = read_programme(path, DEFAULT)
    assert p.title == "某县2023年重点工作任务清单"
    assert [(t.number, t.content, t.lead_units, t.coop_units, t.deadline.due) for t in p.tasks] == [
        ("1", "任务甲", ["县民政局"], ["县财政局", "县人社局"], dt.date(2023, 6, 30)),
        ("2", "任务乙", ["县财政局"], [], dt.date(2023, 9, 30)),
    ]
    assert [t.cell for t in p.tasks] == ["B5", "B6"]


def test_two_row_header_with_responsibility_over_lead_and_coop(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["序号", "具体任务", "责任分工", None, "完成时间"],
        [None, None, "牵头部门", "配合部门", None],
        [1, "任务甲", "市住建局", "市民政局", "2022年"],
    ], merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"])
    p = read_programme(path, DEFAULT)
    assert [(t.content, t.lead_units, t.coop_units, t.deadline.due) for t in p.tasks] == [
        ("任务甲", ["市住建局"], ["市民政局"], dt.date(2022, 12, 31))]


def test_header_spanning_title_and_detail_with_sub_labels(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["序号", "颗粒化任务清单", None, "牵头单位", "配合单位", "完成时限"],
        [None, "任务名称", "具体内容", None, None, None],
        [1, "名称甲", "内容甲", "市民政局", "/", "持续推进"],
    ], merges=["B1:C1", "A1:A2", "D1:D2", "E1:E2", "F1:F2"])
    p = read_programme(path, DEFAULT)
    assert [(t.title, t.content, t.deadline.kind) for t in p.tasks] == [("名称甲", "内容甲", "ongoing")]


def test_repeated_header_and_section_rows_do_not_create_tasks(tmp_path):
    header = ["序号", "任务内容", "牵头单位", "配合单位", "完成时限"]
    path = write_table(tmp_path / "t.xlsx", [
        header,
        ["一、第一部分"],
        [1, "任务甲", "市民政局", None, "2022年"],
        header,
        ["（二）第二部分"],
        [2, "任务乙", "市财政局", None, "2022年"],
    ], merges=["A2:E2"])
    p = read_programme(path, DEFAULT)
    assert [(t.section, t.content) for t in p.tasks] == [("一、第一部分", "任务甲"), ("（二）第二部分", "任务乙")]


def test_content_merged_over_two_lead_rows_is_one_task_with_two_leads(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["序号", "任务内容", "牵头单位", "配合单位", "完成时限"],
        [1, "共同任务", "市民政局", "市财政局", "2022年"],
        [None, None, "市卫健委", None, None],
    ], merges=["A2:A3", "B2:B3", "E2:E3"])
    p = read_programme(path, DEFAULT)
    assert [(t.content, t.lead_units, t.coop_units) for t in p.tasks] == [
        ("共同任务", ["市民政局", "市卫健委"], ["市财政局"])]


def test_anomalies_are_warnings_with_their_cell(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["序号", "任务内容", "牵头单位", "配合单位", "完成时限"],
        [1, "无牵头的任务", None, None, "2022年"],
        [2, "没有时限的任务", "市民政局", None, None],
        [3, "时限写错的任务", "市民政局", None, "尽快"],
        [4, None, "市民政局", None, "2022年"],
        [5, "无牵头的任务", "市财政局", "市财政局", "2022年"],
    ])
    p = read_programme(path, DEFAULT)
    assert codes(p) == [
        ("C2", "import.lead-missing"), ("E3", "import.deadline-missing"), ("E4", "import.deadline-unparsed"),
        ("B5", "import.content-missing"), ("B6", "import.lead-in-coop"), ("B6", "import.duplicate-task"),
    ]
    assert len(p.tasks) == 4
    assert p.tasks[2].deadline.text == "尽快"
    assert p.tasks[0].task_id != p.tasks[3].task_id and p.tasks[3].task_id.endswith("-2")


def test_config_aliases_known_units_and_headers(tmp_path):
    path = write_table(tmp_path / "t.xlsx", [
        ["No.", "事项", "主办", "协办", "期限"],
        [1, "任务甲", "未来产业城", "区民政局、区财攻局", "2022年"],
    ])
    config = parse_config('''
[headers]
number = ["No."]
content = ["事项"]
lead = ["主办"]
coop = ["协办"]
deadline = ["期限"]
[units]
known = ["未来产业城管委会", "区民政局", "区财政局"]
[units.aliases]
"未来产业城" = "未来产业城管委会"
''')
    p = read_programme(path, config)
    assert p.tasks[0].lead_units == ["未来产业城管委会"]
    assert [(f.code, f.field) for f in p.findings] == [("import.unit-alias", "牵头单位"),
                                                      ("import.unit-unknown", "单位")]
    assert "区财攻局" in p.findings[1].message
    assert [u.aliases for u in p.units if u.name == "未来产业城管委会"] == [["未来产业城"]]
