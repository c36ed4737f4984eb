"""Task states as of a date, and the end date a round's name implies."""

import datetime as dt

import pytest

from xltasks.core.status import least_advanced, round_before, round_end, same_round, task_state

D = dt.date


@pytest.mark.parametrize("name, end", [
    ("2022-06", D(2022, 6, 30)), ("2022年6月", D(2022, 6, 30)), ("2022.2", D(2022, 2, 28)), ("2024年2月份", D(2024, 2, 29)),
    ("2022Q2", D(2022, 6, 30)), ("2022年第二季度", D(2022, 6, 30)), ("2022 q4", D(2022, 12, 31)),
    ("2022年上半年", D(2022, 6, 30)), ("2022年下半年", D(2022, 12, 31)), ("2022年", D(2022, 12, 31)),
    ("２０２２年６月", D(2022, 6, 30)), ("第3期", None), ("2022-13", None), ("十一月", None),
    ("2022年六月", D(2022, 6, 30)), ("二〇二二年十二月", D(2022, 12, 31)), ("2022年十月份", D(2022, 10, 31)),
])
def test_round_end(name, end):
    assert round_end(name) == end


@pytest.mark.parametrize("reported, due, state", [
    (None, D(2022, 12, 31), "not_reported"), ("rejected", D(2022, 12, 31), "rejected"),
    ("已完成", D(2020, 1, 1), "done"), ("推进中", D(2022, 6, 29), "overdue"), ("未启动", D(2022, 6, 29), "overdue"),
    ("推进中", D(2022, 6, 30), "due_soon"), ("推进中", D(2022, 7, 30), "due_soon"), ("推进中", D(2022, 7, 31), "on_track"),
    ("推进中", None, "on_track"),  # ongoing: never overdue
])
def test_task_state_as_of_a_date(reported, due, state):
    assert task_state(reported, due, D(2022, 6, 30), 30) == state


def test_warning_window_is_the_configs():
    assert task_state("推进中", D(2022, 7, 3), D(2022, 6, 30), 3) == "due_soon"
    assert task_state("推进中", D(2022, 7, 4), D(2022, 6, 30), 3) == "on_track"


def test_several_leads_take_the_least_advanced_state():
    assert least_advanced(["done", "overdue", "on_track"]) == "overdue"
    assert least_advanced(["done", "not_reported"]) == "not_reported"
    assert least_advanced(["done", "done"]) == "done"
    assert least_advanced([]) == "not_reported"


@pytest.mark.parametrize("a, b, same", [
    ("2021年6月", "2021年06月", True), ("2021-06", "二〇二一年六月", True), ("2021年6月份", "2021.6", True),
    ("第3期", "第 ３ 期", True), ("2021年6月", "2021年7月", False), ("第3期", "第4期", False), ("2021年", "2021年12月", False),
])
def test_same_round_by_period_or_by_name(a, b, same):
    assert same_round(a, b) is same


def test_rounds_are_ordered_by_period_else_by_when_they_were_merged():
    assert round_before("2021年6月", "2021年7月", ["2021年7月", "2021年6月"])  # the period decides
    assert round_before("第4期", "第3期", ["第4期", "第3期"]) and not round_before("第3期", "第4期", ["第4期", "第3期"])
    assert round_before("第3期", "第5期", ["第3期"])  # a round not merged yet comes last
