"""The 填报说明 sheet of a return: what to fill, by when, whom to call, each column's rules (from the schemas)."""

from __future__ import annotations

import datetime as dt

from xltasks.core.assignment import Assignment
from xltasks.core.returns import COOP_SHEET, HEADER_SCHEMA, LEAD_SHEET, RESULT_SHEET, ROW_SCHEMA
from xltasks.core.schemas import load_schema
from xltasks.files.xlsx.row_heights import row_height
from xltasks.files.xlsx.safe_write import cell_text
from xltasks.files.xlsx.xlsxwriter_kit import BORDER, Formats, setup_print, write_cell, write_header_row, write_title

WIDTHS = (14, 78, 8)


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _facts(programme: str, share: Assignment, info, office: str) -> list[tuple[str, str]]:
    contact = info.contact or (f"领导小组办公室（{office}）" if office else "领导小组办公室")
    groups = sorted(set(share.via_group.values()))
    lead = f"「{LEAD_SHEET}」{len(share.lead)}项：本单位牵头的任务" + \
        (f"（含以{'、'.join(groups)}成员单位身份承担的任务）" if groups else "") + "。" if share.lead else ""
    coop = f"「{COOP_SHEET}」{len(share.coop)}项：其他单位牵头、本单位配合的任务。" if share.coop else ""
    return [
        ("任务来源", programme or "（未注明）"),
        ("填报单位", share.unit),
        ("报送期次", info.name),
        ("报送截止", f"请于{_date(info.due)}前报送。" if info.due else "请按通知要求的时间报送。"),
        ("联系方式", f"填报中有疑问，请联系{contact}。"),
        ("本表内容", lead + coop),
    ]


def _steps(share: Assignment) -> list[tuple[str, str]]:
    first = LEAD_SHEET if share.lead else COOP_SHEET
    steps = [
        ("第一步", f"在「{first}」表上方填写填报人、联系电话、填报日期。"),
        ("第二步", "逐行填写淡黄色单元格。点中单元格会出现填写提示；不符合要求的内容（如进度写成“八成”）Excel会拒绝并说明原因。"),
        ("第三步", "检查颜色：橙色表示必填项还没有填；红色表示内容有矛盾，例如选了“已完成”但完成进度不是100或没有填实际完成日期，"
                  "选了“未启动”但进度大于0，或任务已过截止日期、尚未完成却没有填写“存在问题”。颜色全部消失即可报送。"),
        ("第四步", "保存（保持 .xlsx 格式），按时报送。文件名可以改，但不要另存为其他单位或其他期次的表。"),
    ]
    if share.coop and share.lead:
        steps.insert(2, ("配合任务", f"「{COOP_SHEET}」表中每项任务请填写本单位的配合工作情况；本期没有配合工作的填“无”。"))
    return steps


NOTES = [
    ("锁定内容", "灰色的任务信息（任务编号、任务内容、完成时限等）已锁定，不能修改。如认为任务信息有误，请在“备注”栏说明，"
                 "或联系领导小组办公室。"),
    ("工作表保护", "工作表已保护，没有设置密码：保护只为防止误删误改，不为保密。请不要取消保护后改动灰色内容、插入或删除行、"
                   "改动工作表名称，校验时这些改动都会被发现，报送表会被退回。"),
    ("软件", "本表不含宏，在Excel、WPS表格和LibreOffice中都可以填写和检查。"),
    ("校验结果", f"装有 xltasks 加载项的 Excel 中，点「任务报送」选项卡的「校验本表」，需要修改的单元格会标红，并逐条列在"
                 f"「{RESULT_SHEET}」表；改好后再点一次，通过后点「导出报送文件」。没有加载项不影响填写。"),
]


def _requirement_rows(share: Assignment) -> list[tuple[str, str, str]]:
    """The columns this workbook has: the lead sheet's only when the unit leads tasks, the cooperation sheet's only
    when it cooperates on some."""
    rows = []
    sheets = [(HEADER_SCHEMA, "表头")] + [(ROW_SCHEMA["lead"], LEAD_SHEET)] * bool(share.lead) + \
        [(ROW_SCHEMA["coop"], COOP_SHEET)] * bool(share.coop)
    for name, sheet in sheets:
        schema = load_schema(name)
        for key, prop in schema["properties"].items():
            if key == "task_id":
                continue
            rows.append((f"{prop['title']}", f"（{sheet}）{prop.get('description', '')}",
                         "必填" if key in schema["required"] else ""))
    return rows


def write_help(ws, fmt: Formats, programme: str, share: Assignment, info, office: str) -> None:
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    write_title(ws, fmt, "填报说明")
    bold, body = fmt("bold", bold=True), fmt("body-wrap", text_wrap=True, valign="top")
    boxed = fmt("body-wrap-boxed", text_wrap=True, valign="top", **BORDER)
    r = 3
    for block_title, rows in (("基本信息", _facts(programme, share, info, office)), ("怎么填", _steps(share)),
                              ("注意事项", NOTES)):
        ws.write_string(r - 1, 0, block_title, bold)
        r += 1
        for key, text in rows:
            write_cell(ws, r, 1, key, body)
            write_cell(ws, r, 2, cell_text(text), body)
            ws.set_row(r - 1, row_height([(text, WIDTHS[1])]))
            r += 1
        r += 1
    ws.write_string(r - 1, 0, "各栏填写要求", bold)
    write_header_row(ws, fmt, r + 1, ["栏目", "填写要求", "是否必填"], list(WIDTHS))
    for r, row in enumerate(_requirement_rows(share), start=r + 2):
        for c, value in enumerate(row, start=1):
            write_cell(ws, r, c, value, boxed)
        ws.set_row(r - 1, row_height([(row[1], WIDTHS[1])]))
    setup_print(ws, title_row=1, landscape=False)
    ws.protect()
