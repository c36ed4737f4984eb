"""A task's state as of a date (done, on_track, due_soon, overdue, not_reported, rejected) and a round's end date."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata

# From least to most advanced: a task with several leads takes the state of its least advanced one.
ADVANCEMENT = ("not_reported", "rejected", "overdue", "due_soon", "on_track", "done")
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_CN_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"}


def _arabic(text: str) -> str:
    """"二〇二一年六月" -> "2021年6月", "2021年十二月" -> "2021年12月": years digit by digit, months 一 to 十二."""
    text = re.sub(r"[〇零一二三四五六七八九]{4}(?=年)", lambda m: "".join(_CN_DIGITS[ch] for ch in m[0]), text)
    return re.sub(r"(?<=年)(十[一二]?|[一二三四五六七八九])(?=月)",
                  lambda m: str(10 + (int(_CN_DIGITS[m[0][1]]) if len(m[0]) > 1 else 0)) if m[0][0] == "十"
                  else _CN_DIGITS[m[0]], text)


@functools.lru_cache(maxsize=256)  # a log sheet compares the same few round names thousands of times
def _period(round_name: str) -> tuple | None:
    """("M", year, month) / ("Q", year, quarter) / ("H", year, half) / ("Y", year) for a round naming a period."""
    text = _arabic(unicodedata.normalize("NFKC", round_name).strip().upper())
    if m := re.fullmatch(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?(份)?", text):
        return ("M", int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
    if m := re.fullmatch(r"(\d{4})\s*年?\s*(?:Q|第)?\s*([1-4一二三四])\s*(?:季度)?", text):
        return "Q", int(m[1]), int(m[2]) if m[2].isdigit() else _CN_QUARTER[m[2]]
    if m := re.fullmatch(r"(\d{4})\s*年?\s*(上|下)半年", text):
        return "H", int(m[1]), 1 if m[2] == "上" else 2
    if m := re.fullmatch(r"(\d{4})\s*年?(度)?", text):
        return ("Y", int(m[1]))
    return None


def round_end(round_name: str) -> dt.date | None:
    """The last day of the period a round names ("2022-06", "2022年6月", "2022Q2", "2022年第二季度", "2022年上半年",
    "2022年"), or None when it names no period ("第3期")."""
    period = _period(round_name)
    if period is None:
        return None
    kind, year, *n = period
    month = {"M": lambda: n[0], "Q": lambda: n[0] * 3, "H": lambda: 6 * n[0], "Y": lambda: 12}[kind]()
    return _month_end(year, month)


# Why the status date is the date it is: the --json `as_of_basis` and the words 汇总统计's title gives it.
AS_OF_BASES = {"round_end": "期次最后一天", "today": "汇总当天", "given": "指定日期"}


def status_date(round_name: str, today: dt.date, given: dt.date | None = None) -> tuple[dt.date, str]:
    """The date a round's states are computed as of, and its basis (a key of AS_OF_BASES): `given` when there is
    one, else the earlier of the round's last day and today (a round not yet over is not judged by its end; one
    that names no period, "第3期", by today). The basis says what the date is, so a given date that is today's or
    the round's last day is told as such."""
    end = round_end(round_name)
    day = given or min(d for d in (end, today) if d)
    return day, "round_end" if day == end else "today" if day == today else "given"


def same_round(a: str | None, b: str | None) -> bool:
    """True when two round names mean the same round: "2021年6月", "2021年06月", "2021-06" and "2021.6" do;
    names that are not periods ("第3期") must match apart from spaces and width."""
    if a is None or b is None:
        return False
    pa, pb = _period(a), _period(b)
    if pa or pb:
        return pa == pb
    fold = lambda name: re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))  # noqa: E731
    return fold(a) == fold(b)


def round_before(a: str, b: str, order: list[str]) -> bool:
    """True when round `a` comes before round `b`: by the periods they name ("2021年6月" before "2021年7月"), else
    by the order they were first merged in (`order`, earliest first; a round not in it comes last)."""
    end_a, end_b = round_end(a), round_end(b)
    if end_a and end_b:
        return end_a < end_b

    def place(name: str) -> int:
        return next((i for i, seen in enumerate(order) if same_round(seen, name)), len(order))

    return place(a) < place(b)


def task_state(reported: str | None, due: dt.date | None, as_of: dt.date, warning_days: int) -> str:
    """The state of one lead's report: `reported` is the return's 进展状态, None when no valid return covers it,
    or "rejected" when the unit's only return had errors. Tasks without a due date (ongoing) are never overdue."""
    if reported == "rejected":
        return "rejected"
    if reported is None:
        return "not_reported"
    if reported == "已完成":
        return "done"
    if due is None:
        return "on_track"
    if due < as_of:
        return "overdue"
    if (due - as_of).days <= warning_days:
        return "due_soon"
    return "on_track"


def least_advanced(states: list[str]) -> str:
    """The state of a task with several lead units: that of its least advanced lead."""
    return min(states, key=ADVANCEMENT.index) if states else "not_reported"
