"""The status date: --as-of when given, else the earlier of the round's last day and today; JSON, terminal and
汇总统计's title say which."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import cli_json, run_cli, write_table
from openpyxl import load_workbook
from test_merge_plan import answer
from xlwings_harness import actions_of, apply, book_from, payload

from xltasks.actions.merge import merge
from xltasks.actions.split import split
from xltasks.core.schemas import validator
from xltasks.core.status import status_date
from xltasks.excel.coordinator import NEEDED_SHEETS, Place, merge_folder_book

TODAY = dt.date(2026, 12, 4)
DUE_IN_NOVEMBER, DUE_LATE_DECEMBER = "第1项重点工作", "第2项重点工作"


@pytest.mark.parametrize("round_name,given,expected", [
    ("2026年11月", None, (dt.date(2026, 11, 30), "round_end")),   # a past round: its last day
    ("2026年12月", None, (TODAY, "today")),                       # the current round: not judged by its end
    ("2027年第一季度", None, (TODAY, "today")),                    # a round not begun yet
    ("第3期", None, (TODAY, "today")),                            # no period: today
    ("2026年12月", dt.date(2026, 12, 25), (dt.date(2026, 12, 25), "given")),
    ("2026年11月", dt.date(2026, 11, 30), (dt.date(2026, 11, 30), "round_end")),  # given, and it is the last day
    ("2026年12月", dt.date(2026, 12, 31), (dt.date(2026, 12, 31), "round_end")),  # given: may be in the future
])
def test_status_date_rule(round_name, given, expected):
    assert status_date(round_name, TODAY, given) == expected


@pytest.fixture
def programme(tmp_path) -> tuple[Path, Path]:
    """A master with one unit's two tasks (due 2026-11-15 and 2026-12-20), and its return, 推进中, for 2026年12月."""
    source = write_table(tmp_path / "任务表.xlsx", [
        ["序号", "工作任务", "牵头单位", "完成时限"],
        [1, f"{DUE_IN_NOVEMBER}按期推进", "单位甲", "2026年11月15日前"],
        [2, f"{DUE_LATE_DECEMBER}按期推进", "单位甲", "2026年12月20日前"]])
    master = tmp_path / "总台账.xlsx"
    assert run_cli("import", str(source), "-o", str(master)).returncode == 0
    return master, tmp_path


def returns_for(master: Path, folder: Path, round_name: str, day: dt.date) -> Path:
    issued = split(master, folder / f"issued-{round_name}", round_name).files[0].path
    inbox = folder / f"returns-{round_name}"
    inbox.mkdir()
    answer(issued, inbox / "单位甲.xlsx", "推进中", 50, day=day)
    return inbox


def states(result) -> dict[str, str]:
    first, second = result.plan  # in table order
    return {DUE_IN_NOVEMBER: first.status, DUE_LATE_DECEMBER: second.status}


def summary_title(master: Path) -> str:
    return load_workbook(master, read_only=True)["汇总统计"]["A1"].value


def test_the_current_round_is_judged_as_of_today(programme):
    """Round 2026年12月 merged on 2026-12-04: a task due on 12-20 is not yet overdue."""
    master, folder = programme
    inbox = returns_for(master, folder, "2026年12月", dt.date(2026, 12, 3))
    result = merge(master, [inbox], "2026年12月", today=TODAY)
    assert result.written and result.as_of == TODAY and result.to_json()["as_of_basis"] == "today"
    assert states(result) == {DUE_IN_NOVEMBER: "overdue", DUE_LATE_DECEMBER: "due_soon"}
    assert summary_title(master) == "2026年12月 任务进展汇总（状态日期 2026-12-04，汇总当天）"


def test_a_past_round_is_judged_as_of_its_last_day(programme):
    master, folder = programme
    inbox = returns_for(master, folder, "2026年11月", dt.date(2026, 11, 28))
    result = merge(master, [inbox], "2026年11月", today=TODAY)
    assert result.as_of == dt.date(2026, 11, 30) and result.as_of_basis == "round_end"
    assert states(result) == {DUE_IN_NOVEMBER: "overdue", DUE_LATE_DECEMBER: "due_soon"}
    assert summary_title(master) == "2026年11月 任务进展汇总（状态日期 2026-11-30，期次最后一天）"
    # the CLI (today's real date is past November): the same date, told in JSON and on the terminal
    code, data = cli_json("merge", str(master), str(inbox), "--round", "2026年11月", "--dry-run")
    assert code == 0 and (data["as_of"], data["as_of_basis"]) == ("2026-11-30", "round_end")
    assert list(validator("merge-result").iter_errors(data)) == []


def test_an_explicit_as_of_is_used_and_named(programme):
    master, folder = programme
    inbox = returns_for(master, folder, "2026年12月", dt.date(2026, 12, 3))
    code, data = cli_json("merge", str(master), str(inbox), "--round", "2026年12月", "--as-of", "2026-12-25")
    assert code == 0 and list(validator("merge-result").iter_errors(data)) == []
    assert (data["as_of"], data["as_of_basis"]) == ("2026-12-25", "given")
    assert [t["status"] for t in data["tasks"]] == ["overdue", "overdue"]  # 12-20 has passed by 12-25
    assert summary_title(master) == "2026年12月 任务进展汇总（状态日期 2026-12-25，指定日期）"
    shown = run_cli("merge", str(master), str(inbox), "--round", "2026年12月", "--as-of", "2026-12-25", "--dry-run")
    assert "状态日期 2026-12-25（指定日期）" in " ".join(shown.stdout.split())


def test_the_merge_button_judges_the_current_round_as_of_today(programme):
    """汇总报送 in the open master on 2026-12-04, round 2026年12月: as of that day, not the round's end."""
    master, folder = programme
    inbox = returns_for(master, folder, "2026年12月", dt.date(2026, 12, 3))
    book = book_from(payload(master, "VBA", include=list(NEEDED_SHEETS), name=str(master)))
    merge_folder_book(book, Place(master, inbox=inbox), today=TODAY)  # the first click writes the settings rows
    apply(master, actions_of(book))
    book = book_from(payload(master, "VBA", include=list(NEEDED_SHEETS), name=str(master)))
    merge_folder_book(book, Place(master, inbox=inbox), today=TODAY)
    assert "总台账已写入" in actions_of(book)[-1]["args"][0]
    assert summary_title(master) == "2026年12月 任务进展汇总（状态日期 2026-12-04，汇总当天）"
    ws = load_workbook(master, read_only=True)["任务清单"]
    headers = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))]
    shown = [row[headers.index("当前状态")] for row in ws.iter_rows(min_row=3, values_only=True) if row[0]]
    assert shown == ["逾期未完成", "即将到期"]


def test_a_late_return_keeps_the_shown_rounds_date_and_its_basis(programme):
    """December merged on 12-04 (as of that day); November's late return on 12-10: 汇总统计 still shows December as
    of 12-04, told as the day it was merged, not as a date someone chose."""
    master, folder = programme
    merge(master, [returns_for(master, folder, "2026年12月", dt.date(2026, 12, 3))], "2026年12月", today=TODAY)
    late = returns_for(master, folder, "2026年11月", dt.date(2026, 11, 28))
    result = merge(master, [late], "2026年11月", today=dt.date(2026, 12, 10))
    assert result.shown_round == "2026年12月" and result.as_of_basis == "round_end"
    assert summary_title(master) == "2026年12月 任务进展汇总（状态日期 2026-12-04，汇总当天）"
