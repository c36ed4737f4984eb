"""What a merge will write, planned from real returns: states on fixed dates, several leads, cooperating units."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import ROOT
from openpyxl import load_workbook

from xltasks.actions.split import split
from xltasks.actions.validate import expectation, validate
from xltasks.core.merge_plan import plan_merge
from xltasks.core.reconcile import reconcile
from xltasks.core.returns import COOP_SHEET, FIRST_ROW, HEADER_ROW, LEAD_SHEET

TONGCHUAN = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
TWO_LEADS = "T679CB1D6"  # 各区县政府 (four counties) / 市新区管委会, an ongoing task
ROUND = "2021年6月"


def answer(path: Path, out: Path, status: str = "推进中", progress: int = 50, coop: str = "",
           day: dt.date = dt.date(2021, 6, 25)) -> Path:
    from test_split import read_meta

    cells = read_meta(path)["header_cells"]
    wb = load_workbook(path)
    block = wb[cells["sheet"]]
    block[cells["reporter"]], block[cells["phone"]] = "李四", "0919-3188888"
    block[cells["report_date"]] = day
    for name in wb.sheetnames:
        ws = wb[name]
        if name not in (LEAD_SHEET, COOP_SHEET):
            continue
        col = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
        for r in range(FIRST_ROW, ws.max_row + 1):
            if name == LEAD_SHEET:
                ws[f"{col['进展状态']}{r}"], ws[f"{col['完成进度(%)']}{r}"] = status, progress
                ws[f"{col['进展情况']}{r}"], ws[f"{col['存在问题']}{r}"] = f"{status}的情况", "无"
                if status == "已完成":
                    ws[f"{col['实际完成日期']}{r}"] = dt.date(2021, 5, 1)
            else:
                ws[f"{col['配合工作情况']}{r}"] = coop or "无"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    issued = {f.share.unit: f.path for f in
              split(TONGCHUAN, tmp_path_factory.mktemp("issued"), ROUND, with_coop=True).files}
    out = tmp_path_factory.mktemp("returned")
    answer(issued["王益区政府"], out / "wy.xlsx", "已完成", 100)
    answer(issued["印台区政府"], out / "yt.xlsx", "推进中", 30)
    answer(issued["市民政局"], out / "mz.xlsx", "推进中", 60, coop="提供养老机构名单")
    answer(issued["市住建局"], out / "zj.xlsx", "已完成", 100, coop="配合完成设施移交")
    return out


def test_states_as_of_a_fixed_date_with_several_leads_and_cooperation(returns):
    expect = expectation(TONGCHUAN)
    result = validate([returns], TONGCHUAN, ROUND, jobs=1, today=dt.date(2021, 6, 30))
    assert all(r.valid for r in result.files), [(r.path, r.findings[:2]) for r in result.files]
    owing = [u for u, s in expect.shares.items() if s.lead]
    reconciled = reconcile(result.files, ROUND, owing)
    assert set(reconciled.chosen) == {"王益区政府", "印台区政府", "市民政局", "市住建局"}
    assert "耀州区政府" in reconciled.missing_units and "市新区管委会" in reconciled.missing_units
    plan = {t.task_id: t for t in plan_merge(list(expect.tasks.values()), expect.shares, reconciled,
                                             dt.date(2021, 6, 30), 30)}
    two = plan[TWO_LEADS]
    assert two.lead_states == {"王益区政府": "done", "印台区政府": "on_track", "耀州区政府": "not_reported",
                               "宜君县政府": "not_reported", "市新区管委会": "not_reported"}
    assert two.status == "not_reported"  # the least advanced lead decides
    assert two.answers["reported_by"] == "王益区政府、印台区政府"
    assert two.answers["progress_text"] == "【王益区政府】已完成的情况\n【印台区政府】推进中的情况"
    assert two.answers["progress"] == 30  # the slower lead's figure
    assert "【市住建局】配合完成设施移交" in two.coop_text
    mz = [t for t in plan.values() if t.lead_states.keys() == {"市民政局"}]
    by_due = {t.status for t in mz}
    assert by_due <= {"overdue", "due_soon", "on_track"} and "overdue" in by_due  # 2020年11月 tasks are past
    first = plan["T96C76C7B"]  # 市民政局, due 2020-11-30
    assert (first.status, first.answers["progress_text"], first.answers["reported_on"]) == (
        "overdue", "推进中的情况", "2021-06-25")
    assert "【市民政局】" not in first.answers["progress_text"]  # one lead: its text as it is
    zj = [t for t in plan.values() if t.lead_states.keys() == {"市住建局"}]
    assert zj and all(t.status == "done" for t in zj)


def test_a_text_copied_from_the_last_round_is_flagged(returns):
    expect = expectation(TONGCHUAN)
    result = validate([returns], TONGCHUAN, ROUND, jobs=1, today=dt.date(2021, 6, 30))
    reconciled = reconcile(result.files, ROUND, [])
    previous = {TWO_LEADS: "【王益区政府】已完成的情况\n【印台区政府】推进中的情况", "T96C76C7B": "推进中的情况"}
    plan = {t.task_id: t for t in plan_merge(list(expect.tasks.values()), expect.shares, reconciled,
                                             dt.date(2021, 6, 30), 30, previous)}
    assert plan[TWO_LEADS].flags == ["ongoing-stale"] and plan["T96C76C7B"].flags == ["copied"]
