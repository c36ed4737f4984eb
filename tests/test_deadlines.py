"""The deadline parser on every form the brief lists, and properties over generated dates."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltasks.core.deadlines import parse_deadline

D = dt.date


@pytest.mark.parametrize("text, due", [
    ("2022年", D(2022, 12, 31)),
    ("2021年6月", D(2021, 6, 30)),
    ("2020年11月", D(2020, 11, 30)),
    ("2021年底前", D(2021, 12, 31)),
    ("2021年3月底前", D(2021, 3, 31)),
    ("2022年6月30日", D(2022, 6, 30)),
    ("2022.6", D(2022, 6, 30)),
    ("2022-06-30", D(2022, 6, 30)),
    ("2022/6/30", D(2022, 6, 30)),
    ("2022.6.30", D(2022, 6, 30)),
    ("２０２２年６月", D(2022, 6, 30)),
    (" 2022年 ", D(2022, 12, 31)),
    ("2024年2月", D(2024, 2, 29)),
    ("2021年上半年", D(2021, 6, 30)),
    ("2021年第三季度", D(2021, 9, 30)),
    ("2021—2025年", D(2025, 12, 31)),
    ("2022年内", D(2022, 12, 31)),
])
def test_written_deadlines_become_due_dates(text, due):
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.due, deadline.text) == ("date", due, text.strip())


@pytest.mark.parametrize("text", ["持续推进", "持续性工作", "长期坚持", "长期"])
def test_ongoing_words_mean_never_overdue(text):
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.due, deadline.ongoing) == ("ongoing", None, True)


def test_real_excel_dates_and_numbers():
    assert parse_deadline(dt.datetime(2022, 6, 30, 0, 0)).due == D(2022, 6, 30)
    assert parse_deadline(D(2021, 3, 31)).due == D(2021, 3, 31)
    assert parse_deadline(44742.0).due == D(2022, 6, 30)  # a serial date whose number format was lost
    assert parse_deadline(2022).due == D(2022, 12, 31)  # a year typed as a number


@pytest.mark.parametrize("text", ["2022年13月", "2021年6月31日", "尽快", "按上级要求", "明年", "3.5"])
def test_what_cannot_be_read_is_kept_verbatim_never_guessed(text):
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.due, deadline.text) == ("unparsed", None, text)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank(value):
    assert parse_deadline(value).kind == "blank"


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31)))
def test_any_full_date_in_every_spelling(day):
    for text in (f"{day.year}年{day.month}月{day.day}日", day.isoformat(), f"{day.year}.{day.month}.{day.day}",
                 f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日前"):
        assert parse_deadline(text).due == day, text


@given(st.integers(1990, 2099), st.integers(1, 12))
def test_any_month_means_its_last_day(year, month):
    next_month = D(year + month // 12, month % 12 + 1, 1)
    last_day = next_month - dt.timedelta(days=1)
    for text in (f"{year}年{month}月", f"{year}年{month}月底前", f"{year}.{month}", f"{year}年{month}月底"):
        assert parse_deadline(text).due == last_day, text


@given(st.integers(1990, 2099))
def test_any_year_means_its_end(year):
    for text in (f"{year}年", f"{year}年底前", f"{year}年底"):
        assert parse_deadline(text).due == D(year, 12, 31), text


@given(st.text(max_size=30))
def test_never_raises_and_keeps_the_text(text):
    deadline = parse_deadline(text)
    assert deadline.kind in {"date", "ongoing", "blank", "unparsed"}
    if deadline.kind == "unparsed":
        assert deadline.text == text.strip()
