"""Which returns a merge takes: by metadata, the later of two, other rounds ignored, errors rejected, who is missing."""

from xltasks.core.findings import finding
from xltasks.core.reconcile import reconcile
from xltasks.core.validation.model import ReturnReport


def report(path, unit, round_name="2026年11月", date="2026-11-20", created="2026-11-01T09:00:00+08:00", error=False,
           answers=None):
    r = ReturnReport(path, unit, round_name, created=created, header={"report_date": date},
                     rows={"lead": answers or {"T1": {"status": "推进中"}}, "coop": {}})
    if error:
        r.findings = [finding("cell.required", path=path, field="进展状态", place="第6行", cell="G6")]
    return r


def test_files_are_matched_by_metadata_and_the_later_return_wins():
    files = [report("民政局报送(1).xlsx", "区民政局", date="2026-11-25", answers={"T1": {"status": "已完成"}}),
             report("副本.xlsx", "区民政局", date="2026-11-20"),
             report("old.xlsx", "区民政局", round_name="2026年10月"),
             report("bad.xlsx", "区人社局", error=True),
             report("财政.xlsx", "区财政局")]
    result = reconcile(files, "2026年11月", ["区民政局", "区人社局", "区财政局", "区住建局"])
    assert [(f.report.path, f.outcome) for f in result.files] == [
        ("民政局报送(1).xlsx", "merged"), ("副本.xlsx", "superseded"), ("old.xlsx", "ignored"),
        ("bad.xlsx", "rejected"), ("财政.xlsx", "merged")]
    assert result.files[1].differs == ["T1"]
    assert {u: r.path for u, r in result.chosen.items()} == {"区民政局": "民政局报送(1).xlsx", "区财政局": "财政.xlsx"}
    assert result.rejected_units == {"区人社局"} and result.missing_units == ["区住建局"]


def test_ties_on_the_clerks_date_go_to_the_metadata_then_the_file_time():
    a = report("a.xlsx", "区民政局", created="2026-11-01T09:00:00+08:00")
    b = report("b.xlsx", "区民政局", created="2026-11-02T09:00:00+08:00")
    assert reconcile([a, b], "2026年11月", []).chosen["区民政局"].path == "b.xlsx"
    c = report("c.xlsx", "区民政局")
    d = report("d.xlsx", "区民政局")
    chosen = reconcile([c, d], "2026年11月", [], mtimes={"c.xlsx": 200.0, "d.xlsx": 100.0}).chosen
    assert chosen["区民政局"].path == "c.xlsx"


def test_a_rejected_return_does_not_hide_a_valid_one_from_the_same_unit():
    result = reconcile([report("bad.xlsx", "区民政局", error=True), report("good.xlsx", "区民政局")], "2026年11月",
                       ["区民政局"])
    assert [f.outcome for f in result.files] == ["rejected", "merged"]
    assert result.rejected_units == set() and result.missing_units == []
