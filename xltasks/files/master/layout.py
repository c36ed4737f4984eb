"""The master workbook's layout: sheet names, columns, metadata format.

Shared by its writer and its readers without importing openpyxl, so the commands that only read a master start fast.
"""

from __future__ import annotations

from xltasks.core.assignment import MASTER_TASK_SHEET

MASTER_FORMAT = "xltasks-master/1"
TASK_SHEET = MASTER_TASK_SHEET
UNIT_SHEET, ROSTER_SHEET, FINDING_SHEET, HELP_SHEET, META_SHEET = ("单位名单", "领导小组", "导入提示", "使用说明", "_xltasks")
HISTORY_SHEET, REGISTER_SHEET, MATRIX_SHEET, SUMMARY_SHEET = "历次进展", "报送记录", "报送情况", "汇总统计"
OUR_SHEETS = {TASK_SHEET, UNIT_SHEET, ROSTER_SHEET, FINDING_SHEET, HELP_SHEET, META_SHEET, HISTORY_SHEET, REGISTER_SHEET,
              MATRIX_SHEET, SUMMARY_SHEET}
HEADER_ROW = 2

# (key, header, width). The merge fills the columns from "status" to "flags" (INPUT_KEYS, tinted); headers are how
# every reader finds them. 协调员备注 is the coordinator's: no merge ever writes it. The returns' 备注 lands in
# 单位备注, so a coordinator's note typed under a plain "备注" is never taken for the merge's.
TASK_COLUMNS = [
    ("task_id", "任务编号", 10.5), ("section", "所属部分", 12), ("number", "序号", 4.5), ("sub", "子项", 4.5),
    ("title", "任务名称", 12), ("content", "任务内容", 40), ("lead_units", "牵头单位", 11),
    ("coop_units", "配合单位", 14), ("deadline_text", "完成时限", 8.5), ("due", "截止日期", 10.5),
    ("ongoing", "持续性任务", 5.5), ("source", "来源位置", 8), ("remarks", "原表备注", 8),
    ("status", "进展状态", 7), ("progress", "完成进度(%)", 7), ("progress_text", "进展情况", 30),
    ("problems", "存在问题", 18), ("next_steps", "下步计划", 18), ("done_date", "实际完成日期", 10.5),
    ("note", "单位备注", 10), ("coop_report", "配合单位报送", 20), ("reported_by", "报送单位", 10),
    ("reported_on", "报送日期", 10.5), ("state", "当前状态", 8), ("flags", "核查提示", 12),
    ("coordinator_note", "协调员备注", 16),
]
INPUT_KEYS = {"status", "progress", "progress_text", "problems", "next_steps", "done_date", "note", "coop_report",
              "reported_by", "reported_on", "state", "flags"}
# Source columns a programme may not have (Yanta has no sections, titles or sub-tasks): hidden, not removed,
# so every master has the same columns and a coordinator can unhide them.
HIDE_WHEN_EMPTY = {"section", "sub", "title", "remarks"}
