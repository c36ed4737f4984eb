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
