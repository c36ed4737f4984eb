"""Both seed programmes, from xlsx and docx as published, give the tasks, units and warnings the seeds list."""

import datetime as dt

import pytest

from conftest import CONFIGS, SOURCES
from xltasks.actions.import_table import read_programme
from xltasks.core.config import parse_config

DEFAULT = parse_config(None)
YANTA_LEADS = ["区民政局", "区卫生健康局", "区人社局", "区医疗保障局", "资源规划雁塔分局", "区住建局", "区财政局",
               "区发改委", "区教育局", "区科工局", "区委编办", "区商务局", "区文旅局", "区统计局", "区税务局"]


def codes_at(programme, code):
    return [(f.sheet, f.cell) for f in programme.findings if f.code == code]


@pytest.fixture(scope="module", params=["xlsx", "docx"])
def yanta(request):
    return read_programme(SOURCES / f"yanta-tasks.{request.param}", DEFAULT)


@pytest.fixture(scope="module", params=["xlsx", "docx"])
def tongchuan(request):
    config = parse_config((CONFIGS / "tongchuan.toml").read_text(encoding="utf-8"))
    return read_programme(SOURCES / f"tongchuan-tasks.{request.param}", config)


def test_yanta_47_tasks_under_15_lead_units(yanta):
    assert len(yanta.tasks) == 47
    assert yanta.lead_units == YANTA_LEADS
    assert yanta.title == "西安市雁塔区级各部门重点任务分解表"
    counts = {u: sum(1 for t in yanta.tasks if u in t.lead_units) for u in YANTA_LEADS}
    assert counts["区民政局"] == 16 and counts["区卫生健康局"] == 6 and counts["区税务局"] == 1


def test_yanta_broken_names_rejoined_and_none_marker(yanta):
    health = [t for t in yanta.tasks if t.lead_units == ["区卫生健康局"]]
    assert [t.number for t in health] == ["1", "2", "3", "4", "5", "6"]
    fifth = next(t for t in yanta.tasks if t.content.startswith("社区养老服务站社会力量运营率"))
    assert fifth.coop_units == []  # "/" means none
    assert all("\n" not in u for t in yanta.tasks for u in t.lead_units + t.coop_units)


def test_yanta_stray_text_in_task_7_is_reported_and_kept(yanta):
    task = next(t for t in yanta.tasks if t.content.startswith("全区创建1个智慧健康养老示范基地"))
    stray = [f for f in yanta.findings if f.code == "import.stray-text"]
    assert [(f.cell, f.task_id) for f in stray] == [(task.cell, task.task_id)]
    assert task.content.endswith("2022年\n区卫生健康局、区民政局")  # kept as published, not "fixed"
    assert "2022年 / 区卫生健康局、区民政局" in stray[0].message
    assert task.number == "7" and task.lead_units == ["区民政局"]


def test_yanta_lead_in_own_coop_and_near_duplicate_units(yanta):
    task = next(t for t in yanta.tasks if t.content.startswith("推动解决因未办理不动产登记"))
    assert codes_at(yanta, "import.lead-in-coop") == [(task.sheet, task.cell)]
    assert "区住建局" in task.coop_units
    near = [f.message for f in yanta.findings if f.code == "import.unit-near-duplicate"]
    assert len(near) == 1 and "未来产业城" in near[0] and "未来产业城管委会" in near[0]


def test_yanta_xlsx_and_docx_give_the_same_ids():
    a = read_programme(SOURCES / "yanta-tasks.xlsx", DEFAULT)
    b = read_programme(SOURCES / "yanta-tasks.docx", DEFAULT)
    assert [t.task_id for t in a.tasks] == [t.task_id for t in b.tasks]
    assert [(t.lead_units, t.coop_units, t.deadline) for t in a.tasks] == \
        [(t.lead_units, t.coop_units, t.deadline) for t in b.tasks]


def test_tongchuan_35_subtasks_27_numbered_9_sections(tongchuan):
    assert len(tongchuan.tasks) == 35
    assert tongchuan.numbered_tasks == 27
    assert len(tongchuan.sections) == 9
    assert tongchuan.sections[0] == "一、健全完善居家和社区养老服务工作机制和政策体系"
    assert sorted({t.number for t in tongchuan.tasks}, key=int) == [str(n) for n in range(1, 28)]
    assert [t.sub for t in tongchuan.tasks if t.number == "3"] == [1, 2, 3, 4]  # page-break repeat of 3 kept in 3
    assert [t.sub for t in tongchuan.tasks if t.number == "2"] == [1, 2, 3, 4]


def test_tongchuan_title_column_and_inherited_titles(tongchuan):
    second = [t for t in tongchuan.tasks if t.number == "2"]
    assert {t.title for t in second} == {"完善养老服务政策体系"}  # "完善养老服务\n政策体系" rejoined, inherited
    assert tongchuan.tasks[0].content.startswith("市、区县两级政府成立")


def test_tongchuan_no_blank_deadline_after_inheritance(tongchuan):
    assert all(t.deadline.kind in ("date", "ongoing") for t in tongchuan.tasks)
    third = [t for t in tongchuan.tasks if t.number == "3"]
    assert {t.deadline.kind for t in third} == {"ongoing"}
    assert [t.deadline_inherited for t in third] == [False, True, True, True]
    by_content = {t.content[:8]: t for t in tongchuan.tasks}
    assert by_content["支持农村养老综合"].deadline.due == dt.date(2021, 12, 31)  # 23's second row inherits
    assert by_content["市、区县两级政府"].deadline.due == dt.date(2020, 11, 30)


def test_tongchuan_two_leads_in_one_cell_and_groups(tongchuan):
    task = next(t for t in tongchuan.tasks if t.content.startswith("全市新建住宅小区按照标准配建"))
    assert task.lead_units == ["各区县政府", "市新区管委会"]
    units = {u.name: u for u in tongchuan.units}
    assert units["各区县政府"].is_group and units["各区县政府"].members == ("王益区政府", "印台区政府", "耀州区政府", "宜君县政府")
    assert units["市级有关部门"].is_group and not units["市民政局"].is_group
    assert codes_at(tongchuan, "import.multiple-leads") == [(task.sheet, task.cell)]


def test_tongchuan_lead_also_cooperating(tongchuan):
    task = next(t for t in tongchuan.tasks if t.content.startswith("出台《新建居住小区养老服务设施移交办法》"))
    assert task.lead_units == ["市住建局"] and "市住建局" in task.coop_units
    assert codes_at(tongchuan, "import.lead-in-coop") == [(task.sheet, task.cell)]


def test_tongchuan_roster_from_attachment_1(tongchuan):
    assert tongchuan.office == "市民政局"
    assert len(tongchuan.roster) == 18
    assert (tongchuan.roster[0].role, tongchuan.roster[0].name, tongchuan.roster[0].unit) == ("组长", "李智远", "")
    units = {u.name: u for u in tongchuan.units}
    assert [(m.name, m.post) for m in units["市民政局"].roster] == [("宋军明", "市民政局局长")]
    assert [m.name for m in units["市卫健委"].roster] == ["段林荣"]
    assert [m.name for m in units["铜川职业技术学院"].roster] == ["杨建波"]
    assert "市消防救援支队" in units  # on the roster only, no task


def test_tongchuan_xlsx_and_docx_agree():
    config = parse_config((CONFIGS / "tongchuan.toml").read_text(encoding="utf-8"))
    a = read_programme(SOURCES / "tongchuan-tasks.xlsx", config)
    b = read_programme(SOURCES / "tongchuan-tasks.docx", config)
    assert [t.task_id for t in a.tasks] == [t.task_id for t in b.tasks]
    assert [(t.section, t.number, t.sub, t.title, t.lead_units, t.coop_units, t.deadline) for t in a.tasks] == \
        [(t.section, t.number, t.sub, t.title, t.lead_units, t.coop_units, t.deadline) for t in b.tasks]


def test_ids_are_stable_on_reimport_and_unique():
    first = read_programme(SOURCES / "tongchuan-tasks.xlsx", DEFAULT)
    again = read_programme(SOURCES / "tongchuan-tasks.xlsx", DEFAULT)
    ids = [t.task_id for t in first.tasks]
    assert ids == [t.task_id for t in again.tasks]
    assert len(set(ids)) == len(ids)
