"""The coordinator's buttons on the open master: 生成下发表, 批量校验, 汇总报送, 刷新统计.

They work on files (the master as saved, a folder of returns), through the same actions as the terminal, and
write into the open workbook only what is small: the settings rows and the 校验汇总 sheet. The master is
rewritten whole by `merge` on disk, never sent back as thousands of cell actions; Excel is then told to reopen it.
The round and the folders are read from rows of the master's 使用说明 sheet (本期期次, 报送表文件夹, 下发表文件夹):
neither client offers a folder dialog to Python (Office.js has none at all), and cells stay visible, printable
and the same on every PC, where a dialog's answer would be asked again at every click.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from xltasks.core.config import Config, parse_config
from xltasks.core.findings import SourceError
from xltasks.excel.book import alert, sheet_names, sheet_rows, short, write_rows
from xltasks.excel.saved import differs_from_file
from xltasks.files.master.layout import HELP_SHEET, MASTER_FORMAT, META_SHEET
from xltasks.files.xlsx.safe_write import WriteRefused

ALERT_TITLE = "xltasks 总台账"
SETTINGS = (("round", "本期期次"), ("inbox", "报送表文件夹"), ("outbox", "下发表文件夹"))
SUMMARY_SHEET = "校验汇总"
SUMMARY_HEADERS = ["文件", "单位", "期次", "结果", "错误", "提示", "第一处问题"]
# What a coordinator's request carries: the settings and the metadata sheet, a few dozen rows each. VBA's payload
# overflows past 32,767 rows of a sheet, which 任务清单, 历次进展 and the answer store of a large master pass. Unsaved
# edits are caught by the VBA client (Workbook.Saved) before it sends; a write of the file since the window was
# opened, by _xltasks, whose digest of the master's values every merge renews (files/master/meta.py).
NEEDED_SHEETS = (HELP_SHEET, META_SHEET)


@dataclass(frozen=True)
class Place:
    """Where a button's files are. On the user's PC: the master is the open workbook's file and the folders are
    the 使用说明 rows (relative to the master's folder). On the server: the programme's configured files; what
    the workbook's rows name as folders is not used, so no client can point the server at a path of its own."""

    master: Path
    inbox: Path | None = None      # None: take the 报送表文件夹 row
    outbox: Path | None = None     # None: take the 下发表文件夹 row
    config: Config | None = None
    on_server: bool = False
    reopen: bool = False           # close the open master before writing its file, open it again after (COM)

    def folder(self, row_value: str, fixed: Path | None) -> Path:
        if fixed is not None or self.on_server:
            return fixed or self.master.parent
        path = Path(row_value)
        return path if path.is_absolute() else self.master.parent / path


class NotReady(Exception):
    """The button cannot go on yet; the message (Chinese) says what the coordinator should do first."""


def read_settings(book, today: dt.date) -> dict[str, str]:
    """The 使用说明 rows the buttons read; missing ones are added with defaults, then NotReady asks to check them."""
    facts = {str(r[0]): r[1] for r in sheet_rows(book, META_SHEET) if len(r) > 1} \
        if META_SHEET in sheet_names(book) else {}
    if HELP_SHEET not in sheet_names(book) or facts.get("format") != MASTER_FORMAT:
        raise NotReady("「汇总」组的按钮只用于 xltasks 生成的总台账，当前工作簿不是。请打开总台账后再点。")
    rows = sheet_rows(book, HELP_SHEET)
    found: dict[str, object] = {}
    for n, r in enumerate(rows, start=1):
        label = str(r[0]).strip() if r and r[0] not in (None, "") else ""
        if label in dict(SETTINGS).values() and label in found and len(r) > 1 and r[1] != found[label]:
            raise NotReady(f"「{HELP_SHEET}」表中“{label}”写了两次（第{n}行是“{r[1]}”，上面还有“{found[label]}”）。"
                           "请删去一行后再点。")
        if label and len(r) > 1:
            found.setdefault(label, r[1])
    defaults = {"round": f"{today.year}年{today.month}月", "inbox": "报送表", "outbox": "下发表"}
    missing = [[label, defaults[key]] for key, label in SETTINGS if label not in found]
    if missing:
        write_rows(book, HELP_SHEET, len(rows) + 1, missing)
        first = len(rows) + 1
        raise NotReady(f"已在「{HELP_SHEET}」表第{first}–{first + len(missing) - 1}行写入按钮设置"
                       f"（{'、'.join(m[0] for m in missing)}），请核对（期次如“{defaults['round']}”）并保存（Ctrl+S）后再点一次。")
    values = {key: str(found[label] or "").strip() for key, label in SETTINGS}
    values["round"] = _round_text(found["本期期次"], defaults["round"])
    return values


def _round_text(value: object, example: str) -> str:
    """本期期次 as text. Excel stores "2026年11月" or "2026-11" typed into a cell as a date (the month's first day),
    and "2026.10" as the number 2026.1, whose month cannot be told any more."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year}年{value.month}月"
    if isinstance(value, float) and not value.is_integer():
        raise NotReady(f"「{HELP_SHEET}」表“本期期次”被 Excel 当成了数字（{value:g}）。请写成“{example}”这样的文字。")
    text = str(int(value) if isinstance(value, float) else value or "").strip()
    if not text:
        raise NotReady(f"请在「{HELP_SHEET}」表“本期期次”一行填写期次，例如“{example}”。")
    return text


def _check_saved(book, place: Place) -> None:
    if not place.master.is_file():
        raise NotReady(f"找不到总台账文件“{place.master}”。请先保存总台账。")
    # A request carries only NEEDED_SHEETS; through COM every sheet is compared, since 汇总报送 closes the window
    # before writing its file (only 校验汇总, rebuilt by 批量校验, may differ).
    names = [n for n in sheet_names(book) if n != SUMMARY_SHEET] if place.reopen else NEEDED_SHEETS
    open_sheets = {name: sheet_rows(book, name) for name in names if name in sheet_names(book)}
    try:
        changed = differs_from_file(open_sheets, place.master)
    except SourceError as exc:
        raise NotReady(exc.finding.message) from exc
    if META_SHEET in changed:  # nobody edits the hidden sheet by hand: the file was written since this was opened
        raise NotReady("总台账文件在您打开之后已被更新（例如刚刚汇总过）。请关闭本窗口（不要保存，以免旧内容覆盖新内容），"
                       "重新打开总台账后再点。")
    if changed:
        where = "服务器上的总台账" if place.on_server else "保存的文件"
        raise NotReady(f"「{'、'.join(changed)}」表与{where}不一致：有未保存的修改。请先保存（Ctrl+S）再点。")


def run_button(book, place: Place, work, today: dt.date | None = None) -> str:
    """Settings, the saved check, then `work(settings)` -> message; every refusal becomes one alert, never a
    traceback in the clerk's face."""
    from xltasks.actions.merge import NothingToMerge
    from xltasks.actions.split import SplitRefused

    shown = [book]  # the workbook the alert goes to: the master opened again, after 汇总报送 on the PC
    try:
        settings = read_settings(book, today or dt.date.today())
        _check_saved(book, place)
        text, critical = work(settings, shown)
    except (NotReady, SplitRefused, WriteRefused) as exc:
        text, critical = str(exc), True
    except SourceError as exc:
        text, critical = exc.finding.message, True
    except NothingToMerge:
        text, critical = "报送表文件夹中没有报送表。", True
    alert(shown[0], text, ALERT_TITLE, critical=critical)
    return text


def split_round_book(book, place: Place, today: dt.date | None = None) -> str:
    """生成下发表: every unit's return for the round in 本期期次, written to the 下发表 folder."""
    from xltasks.actions.split import split
    from xltasks.core.returns import safe_name_part

    def work(settings: dict, shown: list) -> tuple[str, bool]:
        out = place.folder(settings["outbox"], place.outbox)
        issued = sorted(out.glob(f"{safe_name_part(settings['round'])}-*-报送表.xlsx")) if out.is_dir() else []
        if issued:  # sent out already, maybe filled in place: never replaced by a click
            raise NotReady(f"“{out}”中已有本期（{settings['round']}）的报送表（{issued[0].name}等{len(issued)}份），"
                           "不会覆盖。确需重新生成，请先把这些文件移到别处，再点「生成下发表」。")
        result = split(place.master, out, settings["round"], place.config, with_coop=True)
        warned = f"另有{len(result.findings)}条提示（可在终端运行 xltasks split 查看）。" if result.findings else ""
        return f"已生成{len(result.files)}份报送表（{result.round}），保存在：{out}\n{warned}".strip(), False
    return run_button(book, place, work, today)


def validate_folder_book(book, place: Place, today: dt.date | None = None) -> str:
    """批量校验: every return in the 报送表 folder, the report workbook beside the master, 校验汇总 in the master."""
    from xltasks.actions.validate import validate, write_report
    from xltasks.core.returns import safe_name_part

    def work(settings: dict, shown: list) -> tuple[str, bool]:
        inbox = place.folder(settings["inbox"], place.inbox)
        if not inbox.is_dir():
            raise NotReady(f"报送表文件夹“{inbox}”不存在。请把收到的报送表放进这个文件夹，或在「{HELP_SHEET}」表改写路径。")
        result = validate([inbox], place.master, settings["round"], today=today)
        report = place.master.with_name(f"{place.master.stem}-{safe_name_part(settings['round'])}-校验报告.xlsx")
        write_report(result, report)
        _write_summary(book, result, inbox)
        skipped = sum(map(_skipped, result.files))
        valid = sum(r.valid and not _skipped(r) for r in result.files)
        invalid = len(result.files) - skipped - valid
        saved = f"\n「{SUMMARY_SHEET}」表已写入本窗口，汇总前请先保存（Ctrl+S）。" if place.on_server else ""
        return (f"共{len(result.files) - skipped}份，通过{valid}份，有误{invalid}份" +
                (f"；另跳过{skipped}个非报送表文件（锁文件、备份等）" if skipped else "") + "。\n"
                f"逐条问题见「{SUMMARY_SHEET}」表和校验报告：{report}" + saved), bool(invalid)
    return run_button(book, place, work, today)


def _write_summary(book, result, inbox: Path) -> None:
    lines = [SUMMARY_HEADERS]
    for r in result.files:
        errors = [f for f in r.findings if f.severity == "error"]
        outcome = "已跳过" if _skipped(r) else "通过" if r.valid else "有误"
        first = r.findings[0].message if _skipped(r) else errors[0].message if errors else ""
        lines.append([_shown_path(r.path, inbox), r.unit, r.round, outcome, len(errors),
                      sum(f.severity == "warning" for f in r.findings), short(first, 500)])
    if SUMMARY_SHEET not in sheet_names(book):
        book.sheets.add(SUMMARY_SHEET, after=book.sheets[len(book.sheets) - 1])
        last = 0
    else:
        last = len(sheet_rows(book, SUMMARY_SHEET))
    write_rows(book, SUMMARY_SHEET, 1, lines, clear_to=max(last, len(lines)))
    # widths from the content, except 第一处问题: a long message would make one column pages wide
    book.sheets[SUMMARY_SHEET].range((1, 1), (len(lines), len(SUMMARY_HEADERS) - 1)).autofit()
    # not activated: VBA counts chart sheets in that index and xlwings does not, so a master with a chart sheet
    # would have a hidden sheet activated (a run-time error that hides the alert)


def _skipped(report) -> bool:
    return any(f.code == "file.skipped" for f in report.findings)


def _shown_path(path: str, inbox: Path) -> str:
    try:
        return str(Path(path).relative_to(inbox))
    except ValueError:
        return Path(path).name


def merge_folder_book(book, place: Place, today: dt.date | None = None, *, as_of_today: bool = False) -> str:
    """汇总报送 (and, with `as_of_today`, 刷新统计): the 报送表 folder merged into the master file on disk."""
    from xltasks.actions.merge import merge

    def work(settings: dict, shown: list) -> tuple[str, bool]:
        inbox = place.folder(settings["inbox"], place.inbox)
        if not inbox.is_dir():
            raise NotReady(f"报送表文件夹“{inbox}”不存在。")
        when = today or dt.date.today()
        app = book.app
        if place.reopen:  # Excel holds the open file: close it (its values were checked saved), write, reopen
            book.close()
        try:
            result = merge(place.master, [inbox], settings["round"], place.config or parse_config(None),
                           as_of=when if as_of_today else None, today=when)
        finally:
            if place.reopen:
                shown[0] = app.books.open(str(place.master))
        outcomes = [f.outcome for f in result.reconciled.files]
        head = (f"已按{result.as_of.isoformat()}刷新统计。" if as_of_today else
                f"汇总{outcomes.count('merged')}份，退回{outcomes.count('rejected')}份，"
                f"未报送{len(result.reconciled.missing_units)}个单位。")
        if result.unchanged:
            return head + "总台账已是最新，没有改动。", False
        if not result.written:
            return head + "没有本期的报送表，总台账未改动。", True
        again = "已重新打开。" if place.reopen else "请关闭本窗口（不保存），再重新打开总台账查看。"
        return head + f"\n总台账已写入：{place.master}\n{again}", False
    return run_button(book, place, work, today)


def refresh_stats_book(book, place: Place, today: dt.date | None = None) -> str:
    """刷新统计: states recomputed as of today from the same returns, 汇总统计 rebuilt."""
    return merge_folder_book(book, place, today, as_of_today=True)
