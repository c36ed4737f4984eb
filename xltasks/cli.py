"""The terminal view: arguments -> one action -> a rich summary or --json; exit codes 0 ok, 1 input errors, 2 cannot run."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xltasks import __version__
from xltasks.core.config import Config, ConfigError, parse_config
from xltasks.core.findings import Finding, SourceError
from xltasks.files.xlsx.safe_write import WriteRefused

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_CANNOT_RUN = 0, 1, 2
SEVERITY_STYLE = {"error": ("错误", "bold red"), "warning": ("提示", "yellow"), "info": ("信息", "cyan")}


class CannotRun(Exception):
    """The command could not do its job (bad config, unreadable source, target locked); message in Chinese."""

    def __init__(self, message: str, finding: Finding | None = None):
        super().__init__(message)
        self.finding = finding


def console() -> Console:
    return Console(soft_wrap=False, highlight=False)


def load_config(path: str | None) -> Config:
    if path is None:
        return parse_config(None)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CannotRun(f"找不到配置文件“{path}”，请检查路径。") from exc
    except IsADirectoryError as exc:
        raise CannotRun(f"配置文件“{path}”是文件夹，这里需要一个 .toml 文件。") from exc
    except UnicodeDecodeError as exc:
        raise CannotRun(f"配置文件“{path}”不是UTF-8编码的文本，请用记事本另存为UTF-8后再试。") from exc
    except OSError as exc:
        raise CannotRun(f"无法读取配置文件“{path}”：{exc.strerror or exc}") from exc
    try:
        return parse_config(text)
    except ConfigError as exc:
        raise CannotRun(f"配置文件“{path}”有误：{exc}") from exc


def emit_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_findings(out: Console, findings: list[Finding], limit: int = 200) -> None:
    for f in findings[:limit]:
        label, style = SEVERITY_STYLE[f.severity]
        out.print(f"[{style}]【{label}】[/]{escape(f.message)}")
    if len(findings) > limit:
        out.print(f"……另有{len(findings) - limit}条，见总台账“导入提示”表或 --json 输出。")


JSON_HELP = "输出机器可读的JSON结果。/ Print a machine-readable JSON result on stdout."
CONFIG_HELP = "配置文件（TOML），未写的项用默认值。/ Office settings (TOML) over the defaults."


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=(
    "xltasks：任务分解表的导入、下发、校验与汇总。\n\n"
    "xltasks: import a published task table, split it into return workbooks, validate the returns and merge them "
    "into the master."))
@click.version_option(__version__, "-V", "--version", message="xltasks %(version)s")
def cli() -> None:
    pass


@cli.command("import", help=(
    "把发布的任务分解表（.xlsx/.xls/.ods/.docx）导入为任务总台账。\n\n"
    "Import a published task table (.xlsx/.xls/.ods/.docx) into a new master workbook.\n\n"
    "SOURCE：任务分解表文件 / the published table."))
@click.argument("source", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--output", "master", required=True, type=click.Path(path_type=Path),
              help="总台账输出路径（.xlsx）。/ Where to write the master workbook.")
@click.option("--config", "config_path", type=click.Path(), help=CONFIG_HELP)
@click.option("--force", is_flag=True, help="总台账已存在时覆盖（原文件自动备份）。/ Replace an existing master (kept as a backup).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def import_command(source: Path, master: Path, config_path: str | None, force: bool, as_json: bool) -> None:
    from xltasks.actions.import_table import import_table

    if master.suffix.lower() != ".xlsx":
        raise CannotRun(f"总台账必须保存为 .xlsx 文件，当前为“{master.name}”。")
    try:
        result = import_table(source, master, load_config(config_path), force=force)
    except SourceError as exc:
        raise CannotRun(exc.finding.message, exc.finding) from exc
    except WriteRefused as exc:
        raise CannotRun(str(exc)) from exc
    if as_json:
        emit_json(result.to_json())
        return
    render_import(result)


def render_import(result) -> None:
    out = console()
    p = result.programme
    table = Table(title=f"导入完成：{p.title or result.source.name}", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("来源文件", str(result.source))
    table.add_row("总台账", str(result.master))
    table.add_row("任务", f"{len(p.tasks)}项（编号任务{p.numbered_tasks}项，{len(p.sections)}个部分）")
    leads = p.lead_units
    table.add_row("牵头单位", f"{len(leads)}个：" + "、".join(leads[:30]) + ("等" if len(leads) > 30 else ""))
    counts = {s: sum(1 for f in p.findings if f.severity == s) for s in ("warning", "info")}
    table.add_row("需核对", f"{counts['warning']}条提示，{counts['info']}条信息")
    if result.backup:
        table.add_row("原总台账备份", str(result.backup))
    out.print(table)
    print_findings(out, p.findings)


def _date_option(ctx, param, value: str | None):
    if value is None:
        return None
    import datetime as dt

    match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", value)
    try:
        day = dt.date(*map(int, match.groups())) if match else dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"“{value}”不是日期，请写成 YYYY-MM-DD，例如 2026-11-30。") from None
    if not 2000 <= day.year <= 2099:
        raise click.BadParameter(f"“{value}”不在2000年至2099年之间，请检查年份。")
    return day


@cli.command("split", help=(
    "把总台账拆分为本期各责任单位的报送表（每个单位一个 .xlsx，不含宏，自带下拉选项、填写检查和颜色提示）。\n\n"
    "Split the master into one return workbook per responsible unit for a round (plain .xlsx that checks itself).\n\n"
    "MASTER：总台账 / the master workbook."))
@click.argument("master", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="报送表存放的文件夹（不存在则创建）。/ Folder for the return workbooks (created if missing).")
@click.option("--round", "round_name", required=True,
              help="报送期次，例如“2026年11月”，写入文件名和表中。/ The reporting round, e.g. 2026年11月.")
@click.option("--units", multiple=True, metavar="单位",
              help="只下发给这些单位（可重复，或用“、”隔开）。/ Only these units (repeat, or separate with 、).")
@click.option("--coop", "with_coop", is_flag=True,
              help="配合单位也报送：增加「配合任务」表，并为只配合的单位生成报送表。/ Cooperating units report too.")
@click.option("--due", callback=_date_option, metavar="YYYY-MM-DD",
              help="本期报送截止日期，写入填报说明。/ The date returns are due, shown to the clerk.")
@click.option("--contact", default="", help="联系人和电话，写入填报说明。/ Whom the clerk should call.")
@click.option("--config", "config_path", type=click.Path(), help=CONFIG_HELP)
@click.option("--force", is_flag=True, help="本期报送表已存在时重新生成（原文件自动备份）。/ Replace existing returns (backed up).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def split_command(master: Path, out_dir: Path, round_name: str, units: tuple[str, ...], with_coop: bool, due,
                  contact: str, config_path: str | None, force: bool, as_json: bool) -> None:
    from xltasks.actions.split import SplitRefused

    config = load_config(config_path) if config_path else None
    try:
        result = _split_with_progress(master, out_dir, round_name, config, units=list(units), with_coop=with_coop,
                                      due=due, contact=contact, force=force, quiet=as_json)
    except SourceError as exc:
        raise CannotRun(exc.finding.message, exc.finding) from exc
    except (SplitRefused, WriteRefused) as exc:
        raise CannotRun(str(exc)) from exc
    if as_json:
        emit_json(result.to_json())
    else:
        render_split(result)
    if not result.files:
        sys.exit(EXIT_INPUT_ERRORS)


def _split_with_progress(master, out_dir, round_name, config, *, quiet: bool, **options):
    from rich.progress import Progress

    from xltasks.actions.split import split

    if quiet:
        return split(master, out_dir, round_name, config, **options)
    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("生成报送表", total=None)
        return split(master, out_dir, round_name, config, progress=lambda _: bar.advance(task), **options)


def render_split(result) -> None:
    out = console()
    table = Table(title=f"{result.round} 报送表已生成：{len(result.files)}个单位，文件夹“{result.output}”")
    table.add_column("单位", no_wrap=True)
    table.add_column("牵头任务", justify="right")
    table.add_column("配合任务", justify="right")
    table.add_column("文件", overflow="fold")
    for f in result.files:
        via = sorted(set(f.share.via_group.values()))
        table.add_row(escape(f.share.unit + (f"（{'、'.join(via)}）" if via else "")), str(len(f.share.lead)),
                      str(len(f.share.coop)), escape(f.path.name))
    out.print(table)
    if result.unassigned:
        out.print(f"[yellow]有{len(result.unassigned)}项任务没有下发给任何单位，见下方提示。[/]")
    print_findings(out, result.findings)


@cli.command("validate", help=(
    "校验收回的报送表（文件或文件夹，文件夹会逐层查找），每个问题都指明工作表和单元格。有错误时退出码为1。\n\n"
    "Validate returns (files or folders, searched recursively); every problem is pinned to a sheet and cell. "
    "Exit code 1 when any error is found.\n\n"
    "PATH：报送表文件或文件夹 / return files or folders."))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--master", type=click.Path(path_type=Path),
              help="总台账：核对单位、任务和锁定内容。/ The master, to check units, tasks and locked content.")
@click.option("--round", "round_name", help="本期期次，其他期次的表报错。/ The round the returns must be for.")
@click.option("--jobs", type=click.IntRange(1, 64), help="同时校验的文件数，默认为CPU核数。/ Files checked at once.")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False),
              help="把校验结果写成一个Excel汇总表（按单位、按文件、问题清单）。/ Write the coordinator's report workbook.")
@click.option("--annotate", "annotate_dir", type=click.Path(path_type=Path, file_okay=False),
              help="为每个未通过的报送表生成标注副本（问题单元格标色，附校验结果表），原文件不动。"
                   "/ Write a marked-up copy of each failing return here; originals are never touched.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def validate_command(paths: tuple[Path, ...], master: Path | None, round_name: str | None, jobs: int | None,
                     report: Path | None, annotate_dir: Path | None, as_json: bool) -> None:
    from xltasks.actions.validate import validate, write_annotations, write_report

    if report is not None and report.suffix.lower() != ".xlsx":
        raise CannotRun(f"校验汇总表必须保存为 .xlsx 文件，当前为“{report.name}”。")
    from xltasks.actions.validate import find_returns

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CannotRun(f"找不到“{missing[0]}”，请检查路径。")
    if not find_returns(list(paths)):
        raise CannotRun("在指定的文件夹中没有找到报送表（.xlsx、.xls、.xlsb、.ods 文件）。")

    try:
        if as_json:
            result = validate(list(paths), master, round_name, jobs=jobs)
        else:
            result = _validate_with_progress(list(paths), master, round_name, jobs)
    except SourceError as exc:
        raise CannotRun(f"总台账无法读取：{exc.finding.message}", exc.finding) from exc
    data = result.to_json()
    try:
        if report is not None:
            write_report(result, report)
            data["report"] = str(report)
        if annotate_dir is not None:
            data["annotated"] = [{"path": str(src), "copy": str(copy) if copy else None}
                                 for src, copy in write_annotations(result, annotate_dir)]
    except (WriteRefused, OSError) as exc:
        raise CannotRun(f"校验已完成，但结果文件无法写入：{exc}") from exc
    if as_json:
        emit_json(data)
    else:
        render_validate(result)
        if report is not None:
            console().print(f"校验汇总表：{escape(str(report))}")
        for item in data.get("annotated", []):
            shown = f"标注副本：{item['copy']}" if item["copy"] else "（非 .xlsx 文件，未生成标注副本，问题见汇总表）"
            console().print(f"{escape(Path(item['path']).name)} → {escape(shown)}")
    if result.summary()["errors"]:
        sys.exit(EXIT_INPUT_ERRORS)


def _validate_with_progress(paths, master, round_name, jobs):
    from rich.progress import Progress

    from xltasks.actions.validate import find_returns, validate

    total = len(find_returns(paths))
    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("校验中", total=total)
        return validate(paths, master, round_name, jobs=jobs, progress=lambda _: bar.advance(task))


def render_validate(result) -> None:
    out = console()
    table = Table(title="报送表校验结果")
    for name, justify in (("文件", "left"), ("单位", "left"), ("期次", "left"), ("结果", "left"),
                          ("错误", "right"), ("提示", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    skipped = 0
    for r in result.files:
        errors = sum(f.severity == "error" for f in r.findings)
        warnings = sum(f.severity == "warning" for f in r.findings)
        skip = any(f.code == "file.skipped" for f in r.findings)
        skipped += skip
        verdict = "[dim]跳过[/]" if skip else "[green]通过[/]" if r.valid else "[bold red]退回修改[/]"
        table.add_row(escape(Path(r.path).name), escape(r.unit), escape(r.round), verdict, str(errors), str(warnings))
    out.print(table)
    s = result.summary()
    out.print(f"共{s['files']}个文件：通过{s['valid'] - skipped}个，需退回修改{s['invalid']}个"
              + (f"，跳过{skipped}个（不是报送表）" if skipped else "") + f"；错误{s['errors']}条，提示{s['warnings']}条。")
    for r in result.files:
        shown = [f for f in r.findings if f.severity != "info"]
        if shown:
            out.print(f"\n[bold]{escape(Path(r.path).name)}[/]")
            print_findings(out, shown, limit=50)


@cli.command("merge", help=(
    "把本期收回的报送表校验后汇总到总台账：按单位取最新一份，计算每项任务的状态并标色，记录历次进展和报送记录。"
    "总台账原文件自动备份。\n\n"
    "Merge a round's returns into the master: validate, take the latest per unit, compute and colour each task's "
    "state, record history and the files received. The previous master is kept as a backup.\n\n"
    "MASTER：总台账；PATH：报送表文件或文件夹 / the master, then return files or folders."))
@click.argument("master", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--round", "round_name", required=True, help="本期期次，例如“2026年11月”。/ The round being merged.")
@click.option("--as-of", "as_of", callback=_date_option, metavar="YYYY-MM-DD",
              help="按哪一天计算状态，默认为期次的最后一天（无法识别时为今天）。/ The date states are computed for.")
@click.option("--dry-run", is_flag=True, help="只报告，不写总台账。/ Report without writing the master.")
@click.option("--config", "config_path", type=click.Path(), help=CONFIG_HELP)
@click.option("--jobs", type=click.IntRange(1, 64), help="同时校验的文件数。/ Files checked at once.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def merge_command(master: Path, paths: tuple[Path, ...], round_name: str, as_of, dry_run: bool,
                  config_path: str | None, jobs: int | None, as_json: bool) -> None:
    from xltasks.actions.merge import NothingToMerge, merge

    if not round_name.strip():
        raise click.UsageError("Invalid value for '--round': 期次不能为空")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CannotRun(f"找不到“{missing[0]}”，请检查路径。")
    try:
        result = merge(master, list(paths), round_name.strip(), load_config(config_path), as_of=as_of,
                       dry_run=dry_run, jobs=jobs)
    except SourceError as exc:
        raise CannotRun(f"总台账无法读取：{exc.finding.message}", exc.finding) from exc
    except WriteRefused as exc:
        raise CannotRun(f"总台账未改动：{exc}") from exc
    except NothingToMerge as exc:  # nothing could be merged: an input error (exit 1), not a failure to run
        message = f"在“{exc}”中没有找到报送表（.xlsx、.xls、.ods 等），总台账未改动。"
        if as_json:
            emit_json({"error": {"code": "merge.no-returns", "message": message}})
        else:
            Console(stderr=True, highlight=False).print(f"[yellow]{escape(message)}[/]")
        sys.exit(EXIT_INPUT_ERRORS)
    except OSError as exc:  # the temporary file or the move: a read-only folder, a full disk
        raise CannotRun(f"总台账未改动：无法写入“{master.parent}”（{exc.strerror or exc}），请检查文件夹权限和磁盘空间。") \
            from exc
    if as_json:
        emit_json(result.to_json())
    else:
        render_merge(result)
    if not result.merged_any or any(f.outcome == "rejected" for f in result.reconciled.files):
        sys.exit(EXIT_INPUT_ERRORS)  # nothing of this run merged, or a return sent back


SHOWN_NAMES = 30  # units named on the terminal; the 催办 list has them all
SHOWN_FILES = 20  # files not merged, each with its reason; --json has them all


def render_merge(result) -> None:
    from collections import Counter

    out = console()
    files = Counter(f.outcome for f in result.reconciled.files)
    states = Counter(t.status for t in result.plan)
    done = "（试运行，未写入）" if result.dry_run else "完成" if result.written or result.unchanged else "未写入"
    out.print(f"[bold]{escape(result.round)} 汇总{done}[/]，状态日期 {result.as_of}")
    out.print(f"文件：已汇总{files['merged']}个，退回{files['rejected']}个，被替代{files['superseded']}个，"
              f"跳过{files['ignored']}个。")
    out.print("任务：" + "，".join(f"{result.labels[s]}{states[s]}项" for s in
                                    ("done", "on_track", "due_soon", "overdue", "not_reported", "rejected") if states[s]))
    if result.reconciled.kept_units:
        out.print(f"沿用本期此前已汇总的报送：{escape('、'.join(result.reconciled.kept_units))}")
    missing = result.reconciled.missing_units
    if missing:
        where = "加 --json 可看全部" if result.dry_run else "完整名单见催办清单"
        more = f"等{len(missing)}个单位（{where}）" if len(missing) > SHOWN_NAMES else ""
        out.print(f"[yellow]未报送单位：{escape('、'.join(missing[:SHOWN_NAMES]))}{more}[/]")
    unmerged = [f for f in result.reconciled.files if f.outcome != "merged"]
    for f in unmerged[:SHOWN_FILES]:
        out.print(f"{escape(Path(f.report.path).name)}：{escape(f.reason)}")
    if len(unmerged) > SHOWN_FILES:
        out.print(f"……另有{len(unmerged) - SHOWN_FILES}个文件未汇总，加 --json 可看全部。")
    print_findings(out, [dataclasses.replace(f, message=f"{Path(f.path).name}：{f.message}")
                         if f.path and Path(f.path) != Path(result.master) else f for f in result.warnings])
    if result.shown_round:
        out.print(f"[yellow]{escape(result.round)}早于总台账当前显示的{escape(result.shown_round)}：本次更新了「历次进展」"
                  f"「报送记录」「报送情况」，「任务清单」和「汇总统计」仍显示{escape(result.shown_round)}。[/]")
    if result.unchanged:
        out.print("总台账已包含这些报送，内容没有变化，未重写（也未新增备份）。")
    elif not result.dry_run and not result.written:
        other_round = any(f.outcome == "ignored" and f.report.round for f in result.reconciled.files)
        out.print("[yellow]没有本期的报送表可汇总，总台账未改动。[/]" +
                  ("请检查 --round 期次是否与报送表一致。" if other_round else "所给的文件中没有本项目的报送表。"))
    if result.history_archive:
        out.print(f"「历次进展」已超过40万行，较早的期次已移至“{escape(result.history_archive)}”（与总台账同一文件夹）。")
    if result.backup:
        out.print(f"原总台账已备份为 {escape(str(result.backup))}")
    if result.reminder_path:
        out.print(f"催办清单：{escape(str(result.reminder_path))}")
    if result.reminder_error:
        out.print(f"[yellow]{escape(result.reminder_error)}[/]")
        out.print(escape(result.reminder))


@cli.command("demo", short_help="用自带的两个示例项目演示完整流程（导入、下发、模拟填报、校验、汇总）。", help=(
    "用自带的两个示例项目（雁塔区、铜川市）演示完整流程：导入任务分解表生成总台账，生成本月各单位的报送表，"
    "模拟约三分之二的单位填报（其中一份有错误），校验并汇总进总台账。\n\n"
    "Run the whole cycle on the shipped sample programmes (Yanta, Tongchuan): import, split this month's returns, "
    "fill two thirds of them with made-up answers (one with a mistake), validate and merge."))
@click.option("-o", "--output", "out_dir", default="xltasks-demo", show_default=True, type=click.Path(path_type=Path),
              help="演示结果存放的文件夹。/ Folder for the demo's workbooks.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def demo_command(out_dir: Path, as_json: bool) -> None:
    from xltasks.actions.demo import run_demo
    from xltasks.actions.split import SplitRefused

    try:
        results = run_demo(out_dir)
    except (SourceError, WriteRefused, SplitRefused, OSError) as exc:
        raise CannotRun(f"演示未能完成：{getattr(exc, 'finding', None) and exc.finding.message or exc}") from exc
    if as_json:
        emit_json({"output": str(out_dir), "programmes": [i.to_json() for i, _, _ in results],
                   "splits": [s.to_json() for _, s, _ in results], "merges": [m.to_json() for _, _, m in results]})
        return
    for imported, split_result, merged in results:
        render_import(imported)
        render_split(split_result)
        render_merge(merged)
    console().print(f"\n演示完成，总台账和报送表在文件夹“{out_dir}”中；“…-演示回收”文件夹里是模拟填报的报送表。")



@cli.command("serve", help=(
    "启动按钮服务（xlwings 远程方式）：客户端电脑无需安装 Python，Excel 中的按钮把工作簿发到这里处理。"
    "默认只在本机（127.0.0.1）监听；在其他地址监听必须用 --token-file 设置访问口令。按 Ctrl+C 停止。\n\n"
    "Serve the Excel buttons (validate, split, merge) over HTTP for xlwings' remote clients (VBA RunServerPython, Office.js). Loopback by "
    "default; any other address needs --token-file. Ctrl+C stops it."))
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。/ Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口。/ Port.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False),
              help="访问口令文件（一行，至少16个字符）。/ File holding the access token (one line, 16+ characters).")
@click.option("--programmes", "programmes_path", type=click.Path(path_type=Path, dir_okay=False),
              help="项目配置（TOML）：每个项目的总台账、报送表文件夹、下发表文件夹。/ The programmes' folders (TOML).")
def serve_command(host: str, port: int, token_file: Path | None, programmes_path: Path | None) -> None:
    try:
        from xltasks.excel.programmes import ProgrammesError, load_programmes
        from xltasks.excel.server import LOOPBACK, read_token, serve
    except ImportError as exc:  # the web server comes with the excel extra
        raise CannotRun(f"按钮服务需要另外安装组件（缺少 {exc.name}）：pip install \"xltasks[excel]\"") from exc

    try:
        token = read_token(token_file)
        programmes = load_programmes(programmes_path) if programmes_path else []
    except (OSError, ValueError, ProgrammesError) as exc:
        raise CannotRun(str(exc)) from exc
    if host not in LOOPBACK and not token:
        raise CannotRun(f"在 {host} 上监听会让局域网中的其他电脑访问，必须用 --token-file 设置访问口令。")
    console().print(f"xltasks 按钮服务：http://{host}:{port}/xlwings/custom-scripts-call/<按钮>"
                    f"（{len(programmes)}个项目；按 Ctrl+C 停止）")
    serve(host, port, token, programmes)


@cli.group("excel", help=(
    "Excel 加载项：在功能区「任务报送」选项卡上放置校验、下发、汇总按钮。\n\n"
    "The Excel add-in: ribbon buttons that validate, split and merge from inside Excel."))
def excel_group() -> None:
    pass


@excel_group.command("addin", help=(
    "生成 Excel 加载项（.xlam）：功能区「任务报送」选项卡，按钮调用本机 Python（方式一）；加 --remote 时调用"
    "办公室服务器 xltasks serve（方式二）。需先装好 xlwings 加载项，安装步骤见 macros/README.md。\n\n"
    "Build the Excel add-in (.xlam): a 任务报送 ribbon tab whose buttons validate, split and merge with Python on "
    "this PC (RunPython), or with --remote on the office's xltasks serve (RunServerPython)."))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="加载项输出路径（.xlam），已有则替换。/ Where to write the add-in; an existing one is replaced.")
@click.option("--remote", metavar="URL",
              help="服务器地址，例如 http://192.168.1.10:8000（方式二）。/ The xltasks serve address (route 2).")
def excel_addin_command(output: Path, remote: str | None) -> None:
    from xltasks.excel.addin import AddinError, build_addin

    try:
        build_addin(output, remote)
    except AddinError as exc:
        raise CannotRun(str(exc)) from exc
    route = f"方式二，服务器 {remote}" if remote else "方式一，本机 Python"
    console().print(f"加载项已生成：{escape(str(output))}（{escape(route)}）。安装步骤见 macros/README.md。")


_CLICK_MESSAGES = [
    (r"Missing argument '(.+?)'\.", r"缺少参数 \1。"),
    (r"Missing option '(.+?)'.*", r"缺少选项 \1。"),
    (r"No such option:? '?([^'\s.]+)'?.*", r"没有选项 \1。"),
    (r"No such command '(.+?)'\..*", r"没有子命令“\1”，可用：import、split、validate、merge、demo、serve、excel。"),
    (r"Option '(.+?)' requires an argument\.", r"选项 \1 需要一个值。"),
    (r"Invalid value for '(.+?)': Directory '(.+?)' is a file\.", r"选项 \1 的值有误：“\2”是文件，这里需要文件夹。"),
    (r"Invalid value for '(.+?)': File '(.+?)' is a directory\.", r"选项 \1 的值有误：“\2”是文件夹，这里需要文件。"),
    (r"Invalid value for '(.+?)': (.+?) is not in the range (.+?)\.", r"选项 \1 的值 \2 超出范围（\3）。"),
    (r"Invalid value for '(.+?)': '(.+?)' is not a valid integer range\.", r"选项 \1 的值“\2”不是整数。"),
    (r"Invalid value for '(.+?)': '(.+?)' is not a valid integer\.", r"选项 \1 的值“\2”不是整数。"),
    (r"Invalid value for '(.+?)': (.*)", r"选项 \1 的值有误：\2"),
    (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数：\1。"),
]


def _chinese_usage(message: str) -> str:
    message = re.sub(r"'(-\w)' / '(--[\w-]+)'", r"'\1/\2'", message)  # click names an option "'-o' / '--output'"
    for pattern, replacement in _CLICK_MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, turn every refusal into a Chinese message and the contract's exit code."""
    args = argv if argv is not None else sys.argv[1:]
    as_json = "--json" in args
    if not args:  # plain "xltasks": what it can do, not an error
        args = ["--help"]
    try:
        cli.main(args=args, prog_name="xltasks", standalone_mode=False)
    except click.UsageError as exc:
        message = f"参数有误：{_chinese_usage(exc.format_message())}（查看帮助：xltasks --help）"
        _fail(message, None, as_json)
    except CannotRun as exc:
        _fail(str(exc), exc.finding, as_json)
    except click.Abort:
        click.echo("已取消。", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must still not show a clerk a traceback
        if os.environ.get("XLTASKS_DEBUG"):
            raise
        _fail(f"xltasks 内部出错（{type(exc).__name__}: {str(exc)[:200]}）。请把命令和文件发给技术人员；"
              "设置环境变量 XLTASKS_DEBUG=1 可看到详细信息。", None, as_json)
    sys.exit(EXIT_OK)


def _fail(message: str, found: Finding | None, as_json: bool) -> None:
    if as_json:
        emit_json({"error": found.to_dict() if found else {"code": "command.cannot-run", "message": message}})
    else:
        Console(stderr=True, highlight=False).print(f"[bold red]无法执行：[/]{escape(message)}")
    sys.exit(EXIT_CANNOT_RUN)
