"""Findings: the closed set of codes, their severities and their Chinese messages, in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

# code -> (severity, message template). The template is filled with the finding's details; it says what is
# wrong and, where it can, what to do. Codes are stable: scripts rely on them; add new ones, never rename.
CODES: dict[str, tuple[Severity, str]] = {
    # The source file as a whole: import cannot go on (the command exits with 2).
    "source.missing": ("error", "找不到文件“{path}”，请检查路径是否正确。"),
    "source.not-a-file": ("error", "“{path}”不是文件（可能是文件夹）。"),
    "source.empty": ("error", "文件“{path}”是空文件（0字节），请重新获取原件。"),
    "source.unsupported": ("error", "文件“{path}”不是xltasks能读的表格（只读 .xlsx、.xls、.xlsb、.ods，任务分解表还可以是 .docx）。"),
    "source.encrypted": ("error", "文件“{path}”设置了打开密码，无法读取。请在Excel/WPS中取消密码后另存，再重试。"),
    "source.corrupt": ("error", "文件“{path}”已损坏或不完整（{detail}），请重新获取或在Excel/WPS中重新保存该文件。"),
    "source.too-large": ("error", "文件“{path}”过大或范围异常（{detail}），疑似异常文件，已停止读取。"),
    "source.hostile": ("error", "文件“{path}”含有不安全的内容（{detail}），已停止读取。"),
    "source.special-file": ("error", "“{path}”不是普通文件（是{detail}），未打开，已跳过。"),
    "source.outside-link": ("error", "“{path}”是指向报送表文件夹以外（{detail}）的链接，为安全起见未打开；"
                                     "如确是报送表，请把文件本身复制到文件夹中，或在命令中直接写出该文件。"),
    "source.own-output": ("error", "“{path}”是 xltasks 生成的{detail}，不是发布的任务分解表；请导入原始的任务分解表"
                                   "（Word或Excel附件）。"),
    "source.no-table": ("error", "在“{path}”中没有找到任务表：{detail}"),
    "source.no-tasks": ("error", "在“{path}”的任务表中没有读到任何任务（表头在{cell}）。"),
    # What the importer noticed inside the table: the task is kept as written, the coordinator decides.
    "import.stray-text": ("warning", "{where}「{field}」的内容末尾有疑似从别处混入的文字“{detail}”，已原样保留，请核对原件。"),
    "import.lead-in-coop": ("warning", "{where}牵头单位“{detail}”同时列在配合单位中，已原样保留，请核对。"),
    "import.lead-missing": ("warning", "{where}有任务内容但没有牵头单位，请在总台账中补充。"),
    "import.content-missing": ("warning", "{where}有牵头单位但没有任务内容，未作为任务导入。"),
    "import.deadline-missing": ("warning", "{where}没有完成时限，上方也没有可沿用的时限，请补充。"),
    "import.deadline-unparsed": ("warning", "{where}完成时限“{detail}”无法识别为日期，已原样保留，状态计算时按无期限处理。"),
    "import.multiple-leads": ("info", "{where}有{detail}个牵头单位，各自分别报送。"),
    "import.unit-group": ("info", "“{detail}”是单位组而不是单个单位，可在配置文件[units.groups]中列出其成员。"),
    "import.unit-unknown": ("warning", "{where}单位“{detail}”不在配置的单位名单中，请核对名称。"),
    "import.unit-near-duplicate": ("warning", "单位“{detail}”名称相近，可能是同一单位；如是，请在配置文件[units.aliases]中登记别名。"),
    "import.unit-alias": ("info", "{where}单位“{detail}”按配置的别名归并。"),
    "import.duplicate-task": ("warning", "{where}的任务内容与{detail}完全相同，两条都已导入，请核对是否重复。"),
    "import.roster-unmatched": ("info", "领导小组名单中“{detail}”的职务未能对应到任务表中的单位。"),
    # The master a command works from: the command cannot go on (exit 2).
    "master.not-xltasks": ("error", "“{path}”不是 xltasks 生成的总台账（{detail}）。请先用 xltasks import 导入任务分解表生成总台账。"),
    "master.missing-column": ("error", "总台账“{path}”的「{sheet}」表缺少“{field}”列，请恢复列名后再试。"),
    "master.duplicate-id": ("error", "总台账“{path}”{where}任务编号“{task_id}”与{detail}单元格重复，请删除重复行后再试。"),
    "master.no-tasks": ("error", "总台账“{path}”的「{sheet}」表中没有任务。"),
    "master.missing-sheet": ("error", "总台账“{path}”中没有「{sheet}」表。如果改过表名，请改回「{sheet}」后再试。"),
    "merge.store-unreadable": ("warning", "总台账中保存的“{detail}”{round}期已汇总报送无法读取（隐藏数据被改动），本次按未报送计；"
                                          "请重新汇总该单位的报送表。"),
    "merge.round-no-date": ("warning", "看不出期次“{round}”是哪一段时间，状态按今天（{detail}）计算；"
                                       "如需按期末计算，请加 --as-of 日期，例如 --as-of 2026-06-30。"),
    "merge.round-archived": ("warning", "{round}的「历次进展」已移至“{detail}”，本次不再改动；报送记录和报送情况照常更新。"),
    "merge.stored-row-gone": ("warning", "{detail}此前已汇总的任务“{task_id}”在总台账中{place}，该条报送不再计入。"),
    "merge.store-unknown-unit": ("warning", "总台账中保存了“{detail}”{round}期的已汇总报送，但该单位已不在本项目的单位中，已舍弃。"),
    "master.format": ("error", "总台账“{path}”是{detail}格式，汇总要写回总台账，只能写.xlsx：请在Excel或WPS中“另存为”"
                               "Excel工作簿（.xlsx）后，对新文件汇总。"),
    # What split noticed while sharing the tasks out: the files are still written.
    "split.group-no-members": ("warning", "牵头单位“{detail}”是单位组，但没有列出成员单位，已为它单独生成一份报送表，请转发给各成员单位；"
                                          "也可在总台账「单位名单」的“组成员”栏或配置文件[units.groups]中列出成员后重新下发。"),
    "split.coop-group-skipped": ("warning", "配合单位“{detail}”是单位组，但没有列出成员单位，无法确定发给谁，未为它生成配合任务报送表；"
                                            "可在总台账「单位名单」的“组成员”栏或配置文件[units.groups]中列出成员。"),
    "split.no-lead": ("warning", "总台账{where}任务没有牵头单位，未下发给任何单位，请在总台账中补充牵头单位。"),
    "master.row-bad-id": ("warning", "总台账{where}任务编号“{task_id}”不是 xltasks 的编号（T加8位字母数字），该行不下发、不汇总；"
                                   "新增任务请写入原表后重新导入。"),
    "merge.store-missing": ("warning", "总台账中保存已汇总报送的隐藏表缺失或被清空，{detail}本期此前汇总的内容无法沿用，"
                                       "现按未报送计；请把这些单位的报送表与本次的一起汇总。"),
    "master.row-no-id": ("warning", "总台账{where}有任务内容但没有任务编号，该行不下发、不汇总；请不要删改“任务编号”列。"),
    # validate: the file as a whole. A file that cannot be checked is a finding in the report, never a crash.
    "file.skipped": ("info", "“{path}”是{detail}，已跳过。"),
    "file.converted": ("info", "报送表被另存为{detail}格式，已按该格式读取；请尽量保存为 .xlsx 后报送。"),
    "file.too-many-findings": ("info", "本文件问题过多，只列出前{detail}条，请先修改以上问题后再校验。"),
    # validate: the workbook's identity and shape.
    "workbook.no-metadata": ("error", "本文件缺少报送表标识（隐藏的“_xltasks”表），不是本系统下发的报送表，或已被复制到新文件中。"
                                      "请在下发的原表中填写后报送。"),
    "workbook.metadata-edited": ("error", "报送表的隐藏标识被改动（{detail}），无法确认是哪个单位、哪一期的表，请在下发的原表中重新填写。"),
    "workbook.metadata-visible": ("info", "报送表的隐藏标识表已变为可见或普通隐藏（{detail}），可能经其他软件另存，不影响校验。"),
    "workbook.other-programme": ("error", "本表属于另一个项目（“{detail}”），不是本总台账下发的报送表。"),
    "workbook.reimported": ("warning", "本表由同名项目“{detail}”重新导入前的总台账下发；任务编号与当前总台账一致的，照常校验和汇总。"),
    "workbook.wrong-round": ("error", "本表是“{detail}”期的报送表，不是本期（{expected}）的，请使用本期下发的表填写。"),
    "workbook.unit-unknown": ("error", "本表的填报单位“{detail}”在总台账中没有要报送的任务。"),
    "workbook.sheet-missing": ("error", "找不到工作表「{sheet}」，可能被删除或改名，请使用下发的原表。"),
    "workbook.column-missing": ("error", "「{sheet}」表头中找不到“{field}”列，可能被删除或改名，请使用下发的原表。"),
    "workbook.header-moved": ("error", "表头「{field}」不在下发时的位置（应在{cell}左侧），可能插入或删除了行、列，请使用下发的原表填写。"),
    "workbook.column-moved": ("info", "「{sheet}」的“{field}”列位置被移动（{detail}），已按列名读取。"),
    # validate: rows.
    "row.unknown-task": ("error", "「{sheet}」第{row}行的任务编号“{task_id}”不是下发给本单位的任务，请核对，不要自行增加任务行。"),
    "row.other-unit": ("error", "「{sheet}」第{row}行的任务“{task_id}”属于{detail}，不是本单位的任务，可能从其他单位的表中复制而来。"),
    "row.lead-changed": ("warning", "「{sheet}」第{row}行的任务“{task_id}”在总台账中已改由{detail}，本行不汇总。"
                                    "如果是本单位改了名称，请在总台账「单位名单」的“别名”中登记原名称后重新汇总。"),
    "row.task-removed": ("warning", "「{sheet}」第{row}行的任务“{task_id}”已从总台账中删除，本行不汇总。"),
    "workbook.unfilled": ("error", "本表尚未填写：表头和各项任务的填报内容都是空的，可能是下发的空白表。"),
    "workbook.nothing-left": ("error", "总台账中已没有由“{detail}”负责的本表任务（单位更名或任务改派），本表无法汇总。"
                                       "如果是单位改了名称，请在总台账「单位名单」的“别名”中登记“{detail}”。"),
    "row.duplicate": ("error", "「{sheet}」第{row}行的任务“{task_id}”与第{detail}行重复，请删除多余的行。"),
    "row.missing": ("error", "「{sheet}」缺少任务“{task_id}”（原第{row}行），可能被删除，请使用下发的原表。"),
    "row.no-id": ("error", "「{sheet}」第{row}行填写了内容，但没有任务编号，请不要自行增加任务行。"),
    "row.locked-changed": ("error", "「{sheet}」第{row}行任务“{task_id}”的{detail}被改动，与下发时不一致，请恢复原内容，"
                                    "意见请写在“备注”栏。"),
    # validate: cells and rules (by the schemas in schemas/).
    "cell.required": ("error", "{place}「{field}」（{cell}）必须填写。"),
    "cell.not-in-list": ("error", "{place}「{field}」（{cell}）的值“{value}”不在可选项中，可选：{detail}。"),
    "cell.not-a-number": ("error", "{place}「{field}」（{cell}）应为数字，当前为“{value}”。"),
    "cell.out-of-range": ("error", "{place}「{field}」（{cell}）应为{detail}之间的数字，当前为“{value}”。"),
    "cell.not-a-date": ("error", "{place}「{field}」（{cell}）应为日期（例如2026-11-20），当前为“{value}”。"),
    "cell.future-date": ("error", "{place}「{field}」（{cell}）的日期{value}晚于今天，请填写实际日期。"),
    "cell.too-early": ("error", "{place}「{field}」（{cell}）的日期{value}早于{detail}，请核对是否填错。"),
    "cell.too-long": ("error", "{place}「{field}」（{cell}）有{detail}字，超过了{limit}字的上限，请精简。"),
    "cell.bad-format": ("error", "{place}「{field}」（{cell}）的值“{value}”格式不对：{detail}"),
    "cell.error-value": ("error", "{place}「{field}」（{cell}）显示为错误值{value}，请改为实际内容。"),
    "cell.normalised": ("info", "{place}「{field}」（{cell}）的“{value}”按“{detail}”读取。"),
    "sheet.outside-table": ("warning", "「{sheet}」{cell}写在表格右侧的空白处，不会被汇总；需要说明的请写在“备注”栏。"),
    "cell.merged-input": ("error", "{place}「{field}」（{cell}）在合并单元格{detail}中，看上去有内容，实际为空；"
                                   "请取消合并，逐行分别填写。"),
    "cell.control-chars": ("warning", "{place}「{field}」（{cell}）含有看不见的控制字符（多由其他系统复制粘贴带入），"
                                      "已去掉后读取，请核对内容。"),
    "cell.number-lost-zero": ("warning", "{place}「{field}」（{cell}）存成了数字“{value}”，区号开头的0可能已丢失，"
                                         "请核对后把单元格设为文本重新填写。"),
    "cell.formula": ("warning", "{place}「{field}」（{cell}）是公式，请直接填写内容（校验和汇总只取公式的计算结果：{value}）。"),
    "cell.formula-like": ("warning", "{place}「{field}」（{cell}）以“{detail}”开头，汇总时按文字保存，不会作为公式计算。"),
    "rule.contradiction": ("error", "{place}「{if_field}」为“{if_value}”时，{detail}"),
    "rule.overdue-needs-problems": ("error", "{place}任务已过截止日期（{detail}）且未完成，「存在问题」（{cell}）必须说明原因。"),
}


@dataclass(frozen=True)
class Finding:
    """One problem, pinned to where it was found; `message` is ready for a clerk to read."""

    code: str
    severity: Severity
    path: str
    sheet: str | None
    cell: str | None
    task_id: str | None
    field: str | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


def finding(code: str, *, path: str = "", sheet: str | None = None, cell: str | None = None,
            task_id: str | None = None, field: str | None = None, detail: str = "", **values: object) -> Finding:
    """Make a finding from its code; the message names the place as a clerk would say it. `values` fill the
    template's other slots (row, value, place...)."""
    severity, template = CODES[code]
    where = f"「{sheet}」{cell}单元格：" if sheet and cell else (f"{cell}单元格：" if cell else "")
    message = template.format(path=path, sheet=sheet or "", cell=cell or "", field=field or "", detail=detail,
                              where=where, task_id=task_id or "", **values)
    return Finding(code, severity, path, sheet, cell, task_id, field, message)


class SourceError(Exception):
    """The source could not be read as a task table at all; carries the finding that says why."""

    def __init__(self, found: Finding):
        super().__init__(found.message)
        self.finding = found
