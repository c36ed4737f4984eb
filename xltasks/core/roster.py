"""The leading-group roster printed with a programme (组长/副组长/成员: name and post), matched to units."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xltasks.core.units import ends_like_unit

_LINE = re.compile(
    r"^\s*(?:(?P<role>组\s*长|副\s*组\s*长|成\s*员|主\s*任|副\s*主\s*任)\s*[：:])?\s*"
    r"(?P<name>[\u4e00-\u9fff](?:\s*[\u4e00-\u9fff]){1,3}?)\s{2,}(?P<post>\S+)\s*$"
)
# Longest first, so "副局长" is tried before "局长".
TITLES = sorted(("主任", "副主任", "局长", "副局长", "支队长", "院长", "副院长", "市长", "副市长", "区长", "副区长", "县长",
                 "副县长", "书记", "副书记", "部长", "主席", "行长", "总经理", "董事长", "社长", "秘书长", "队长", "所长",
                 "处长", "会长", "理事长", "校长", "厅长", "主任委员", "党组书记", "政委"), key=len, reverse=True)
_OFFICE = re.compile(r"办公室设在(?P<unit>[^，,。；;]+?)(?:，|,|。|；|;|$)")


@dataclass(frozen=True)
class Member:
    """One person on the leading group: role (组长/副组长/成员), name, post as printed, and the unit it names."""

    role: str
    name: str
    post: str
    unit: str


def _unit_of(post: str, units: list[str]) -> str:
    """The unit a post names: the longest known unit it starts with, else the post less its title."""
    for unit in sorted(units, key=len, reverse=True):
        if post.startswith(unit) and len(post) > len(unit):
            return unit
    if "、" in post or "，" in post:
        return ""
    for title in TITLES:
        if post.endswith(title):
            unit = post[: -len(title)]
            return unit if unit and ends_like_unit(unit) else ""
    return ""


def parse_roster(lines: list[str], units: list[str]) -> tuple[list[Member], str]:
    """Members found in free text (one per line, a role carried down to the lines after it) and the office's unit."""
    members: list[Member] = []
    office = ""
    role = ""
    for line in lines:
        m = _OFFICE.search(line)
        if m:
            office = m.group("unit").strip()
            continue
        m = _LINE.match(line)
        if not m:
            continue
        role = re.sub(r"\s+", "", m.group("role")) if m.group("role") else role or "成员"
        name = re.sub(r"\s+", "", m.group("name"))
        post = m.group("post")
        members.append(Member(role, name, post, _unit_of(post, units)))
    return members, office
