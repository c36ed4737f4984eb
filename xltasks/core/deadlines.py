"""Parse a task's deadline as written ("2022年", "2021年6月底前", "持续推进") into a due date or "ongoing"."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["date", "ongoing", "blank", "unparsed"]

ONGOING_WORDS = ("持续推进", "持续性工作", "持续性", "长期坚持", "长期推进", "长期", "持续开展", "常态化", "持续")

# Excel's day zero for serial dates (the 1900 date system, with its leap-year bug absorbed).
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_SUFFIX = r"(?:底|末)?(?:前|之前|以前)?(?:完成)?"
_YEAR = r"(?P<y>(?:19|20)\d{2})"
_PATTERNS = [
    # 2022年6月30日 / 2022-06-30 / 2022.6.30 / 2022/6/30
    re.compile(_YEAR + r"\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])\s*(?P<d>\d{1,2})\s*日?" + _SUFFIX),
    # 2021年6月 / 2021年6月底前 / 2022.6 / 2022-06
    re.compile(_YEAR + r"\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*月?" + _SUFFIX),
    # 2021年上半年 / 2021年下半年
    re.compile(_YEAR + r"\s*年?\s*(?P<half>上|下)半年" + _SUFFIX),
    # 2021年第一季度 / 2021年1季度
    re.compile(_YEAR + r"\s*年?\s*第?(?P<q>[一二三四1-4])季度" + _SUFFIX),
    # 2022年 / 2021年底前 / 2022年内 / 2022年12月 handled above; a bare range 2021-2025年 takes its end
    re.compile(r"(?:(?:19|20)\d{2}\s*(?:年)?\s*(?:-|—|–|~|～|至|到)\s*)?" + _YEAR + r"\s*年(?:底|末|内|年底)?(?:前|之前|以前)?(?:完成)?"),
]
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class Deadline:
    """A deadline as written, and what it means: a due date, ongoing, blank or not understood."""

    text: str
    kind: Kind
    due: dt.date | None = None

    @property
    def ongoing(self) -> bool:
        return self.kind == "ongoing"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _from_match(m: re.Match) -> dt.date | None:
    parts = m.groupdict()
    year = int(parts["y"])
    try:
        if parts.get("d"):
            return dt.date(year, int(parts["m"]), int(parts["d"]))
        if parts.get("m"):
            return _month_end(year, int(parts["m"]))
        if parts.get("half"):
            return _month_end(year, 6 if parts["half"] == "上" else 12)
        if parts.get("q"):
            return _month_end(year, 3 * _QUARTERS[parts["q"]])
        return dt.date(year, 12, 31)
    except ValueError:  # month 13, day 31 in June: not a date, so not understood
        return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).rstrip("。.;；,，")


def parse_deadline(value: object) -> Deadline:
    """Read a deadline cell: text as published, a real Excel date, or an Excel number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Deadline("", "blank")
    if isinstance(value, dt.datetime):
        return Deadline(value.date().isoformat(), "date", value.date())
    if isinstance(value, dt.date):
        return Deadline(value.isoformat(), "date", value)
    if isinstance(value, bool):
        return Deadline(str(value), "unparsed")
    if isinstance(value, (int, float)):
        number = int(value)
        if number != value:
            return Deadline(str(value), "unparsed")
        if 1900 <= number <= 2100:  # a year typed as a number
            return Deadline(str(number), "date", dt.date(number, 12, 31))
        if 20000 <= number <= 80000:  # an Excel serial date whose format was lost
            due = _EXCEL_EPOCH + dt.timedelta(days=number)
            return Deadline(str(number), "date", due)
        return Deadline(str(value), "unparsed")
    text = str(value).strip()
    flat = _normalise(text)
    if any(flat.startswith(word) for word in ONGOING_WORDS) or flat in ONGOING_WORDS:
        return Deadline(text, "ongoing")
    for pattern in _PATTERNS:
        m = pattern.fullmatch(flat)
        if m:
            due = _from_match(m)
            return Deadline(text, "date", due) if due else Deadline(text, "unparsed")
    return Deadline(text, "unparsed")


def looks_like_deadline(text: str) -> bool:
    """True when a line of text reads as a deadline on its own (used to spot stray text in a cell)."""
    return parse_deadline(text).kind in ("date", "ongoing")
