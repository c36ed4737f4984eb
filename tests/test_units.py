"""Unit cells as published: broken names, separators, none markers, groups, near-duplicates."""

import pytest

from xltasks.core.units import is_group, looks_like_unit_list, near_duplicates, split_units


@pytest.mark.parametrize("cell, names", [
    ("区卫生\n\n健康局", ["区卫生健康局"]),
    ("资源规划\n雁塔分局", ["资源规划雁塔分局"]),
    ("区医疗\n\n保障局", ["区医疗保障局"]),
    ("市级有关部门、\n\n各区县政府、\n\n市新区管委会", ["市级有关部门", "各区县政府", "市新区管委会"]),
    ("各区县政府\n\n市新区管委会", ["各区县政府", "市新区管委会"]),
    ("区科工局、区卫生健康局、未来产业城", ["区科工局", "区卫生健康局", "未来产业城"]),
    ("市财政局，市金融办；市医保局;市人社局,市民政局", ["市财政局", "市金融办", "市医保局", "市人社局", "市民政局"]),
    ("市民政局、", ["市民政局"]),
    ("市民政局、市民政局", ["市民政局"]),
    ("市人社局、\n\n铜川职业技术学院", ["市人社局", "铜川职业技术学院"]),
])
def test_split_units(cell, names):
    assert split_units(cell) == names


@pytest.mark.parametrize("cell", ["/", "／", "无", "—", "——", "", None, "  "])
def test_none_markers(cell):
    assert split_units(cell) == []


def test_groups_are_recognised_and_configurable():
    assert is_group("各区县政府") and is_group("市级有关部门") and is_group("区级相关部门")
    assert not is_group("市民政局")
    assert is_group("镇街", groups=["镇街"])


def test_near_duplicates_find_one_entity_under_two_names():
    names = ["未来产业城", "未来产业城管委会", "区住建局", "市住建局", "区民政局", "资源规划雁塔分局"]
    assert near_duplicates(names) == [("未来产业城", "未来产业城管委会")]


def test_unit_list_lines():
    assert looks_like_unit_list("区卫生健康局、区民政局")
    assert not looks_like_unit_list("全区创建1个智慧健康养老示范基地")


def test_near_duplicates_among_thousands_of_names_of_one_length():
    """Past 300 names of one length only names one character apart are compared: a pair of seven characters is
    close (ratio 6/7), a pair of six is not (5/6 < 0.85), as difflib would say of each."""
    import difflib

    six = [f"单位{i:04d}" for i in range(400)]
    seven = [f"街道{i:04d}办" for i in range(400)] + ["街道0007处"]
    pairs = near_duplicates(six + seven)
    assert ("街道0007办", "街道0007处") in pairs and not any(a in six for a, _ in pairs)
    assert all(difflib.SequenceMatcher(None, a, b).ratio() >= 0.85 for a, b in pairs)
    assert len(pairs) > 400  # 街道0001办 and 街道0002办 are one character apart too
