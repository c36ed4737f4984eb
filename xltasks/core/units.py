"""Unit names as published: split a cell into names, rejoin names broken across lines, spot groups and near-duplicates."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

# A unit's name ends with one of these; a line that does not is a name broken by the cell's width.
UNIT_ENDINGS = (
    "局", "委", "办", "院", "政府", "管委会", "委员会", "分局", "大队", "支队", "集团", "中心", "部门", "单位", "联",
    "所", "队", "会", "处", "室", "站", "部", "厅", "署", "公司", "银行", "街道", "镇", "乡", "社", "团", "校", "馆",
    "台", "组", "司", "行", "监", "庭", "园",
)
# A fragment that starts like this is a new name, not the rest of the one above.
UNIT_STARTS = ("市", "区", "县", "省", "各", "镇", "乡", "中共", "共青团", "国家", "自治区")
NONE_MARKERS = {"/", "／", "无", "—", "——", "-", "--", "–", "暂无", "\\", "、"}
GROUP_ENDINGS = ("有关部门", "相关部门", "有关单位", "相关单位", "成员单位", "各部门", "各单位")

_SEPARATORS = re.compile(r"[、，,；;/／]+")


def clean_name(name: str) -> str:
    """A unit name without spaces, stray punctuation or full-width look-alikes of ASCII."""
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"\s+", "", name)
    return name.strip("、，,；;。.:：/")


def ends_like_unit(name: str) -> bool:
    return clean_name(name).endswith(UNIT_ENDINGS)


def _rejoin(fragments: list[str]) -> list[str]:
    """Join fragments of one name split by a line break: "区卫生" + "健康局" -> "区卫生健康局"."""
    joined: list[str] = []
    for fragment in fragments:
        if joined and not ends_like_unit(joined[-1]) and not fragment.startswith(UNIT_STARTS) \
                and not _SEPARATORS.search(joined[-1][-1:]):
            joined[-1] += fragment
        else:
            joined.append(fragment)
    return joined


def split_units(text: object) -> list[str]:
    """The unit names in a lead or cooperating-unit cell, in order, without repeats; [] for "/", "无", "—"."""
    if text is None:
        return []
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    if clean_name(raw) in NONE_MARKERS or raw in NONE_MARKERS or not clean_name(raw):
        return []
    names: list[str] = []
    for part in _SEPARATORS.split(raw):
        fragments = [f for f in re.split(r"\s+", part.strip()) if f]
        for name in _rejoin(fragments):
            name = clean_name(name)
            if name and name not in NONE_MARKERS and name not in names:
                names.append(name)
    return names


def rejoin_lines(text: str) -> str:
    """A title or name broken across lines, as one line (Chinese needs no space where the line broke)."""
    return "".join(line.strip() for line in str(text).splitlines())


def is_group(name: str, groups: Iterable[str] = ()) -> bool:
    """True for "各区县政府", "市级有关部门" and the groups a config names."""
    return name in set(groups) or name.startswith("各") or name.endswith(GROUP_ENDINGS)


def looks_like_unit_list(line: str) -> bool:
    """True when a line reads as a list of unit names (used to spot stray text inside a task's content)."""
    names = split_units(line)
    return bool(names) and all(ends_like_unit(n) and len(n) <= 20 for n in names)


PAIRWISE_UP_TO = 300  # names of one length compared pair by pair up to this many; a real programme has < 200


def near_duplicates(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names that are probably one unit: one inside the other, or nearly the same letters
    (same length, difflib ratio >= 0.85). Containment is looked up through each name's substrings, so thousands
    of names cost thousands of look-ups, not millions of comparisons; beyond PAIRWISE_UP_TO names of one length
    (a generated table, not a published one) only names differing in one character are compared."""
    ordered = sorted(set(names))
    known = set(ordered)
    pairs: set[tuple[str, str]] = set()
    for long in ordered:
        if long.endswith(("分局", "大队")):
            continue
        for size in range(3, len(long)):
            for start in range(len(long) - size + 1):
                short = long[start:start + size]
                if short in known:
                    pairs.add((short, long))
    by_length: dict[int, list[str]] = {}
    for name in ordered:
        by_length.setdefault(len(name), []).append(name)
    for group in by_length.values():
        if len(group) <= PAIRWISE_UP_TO:
            pairs.update((a, b) for i, a in enumerate(group) for b in group[i + 1:]
                         if difflib.SequenceMatcher(None, a, b).ratio() >= 0.85)
            continue
        size = len(group[0])
        if (size - 1) / size < 0.85:  # two names one character apart have a ratio of (n-1)/n: too short to be close
            continue
        masked: dict[str, list[str]] = {}
        for name in group:
            for i in range(len(name)):
                masked.setdefault(name[:i] + "\0" + name[i + 1:], []).append(name)
        pairs.update((a, b) for similar in masked.values() for i, a in enumerate(similar) for b in similar[i + 1:])
    return sorted(pairs)
