"""validate and merge: the returns that come back, checked, then written into the master."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xltasks.cli.common import (CONFIG_HELP, EXIT_CANNOT_RUN, EXIT_INPUT_ERRORS, JSON_HELP, CannotRun, console,
                                date_option, emit_json, load_config, print_findings)
from xltasks.core.findings import SourceError
from xltasks.core.oserrors import describe_os_error
from xltasks.files.xlsx.safe_write import WriteRefused


@click.command("validate", help=(
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
    from xltasks.actions.validate import validate

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
    failed = _write_validate_outputs(result, data, report, annotate_dir)
    if as_json:
        emit_json(data | ({"error": {"code": "validate.output-not-written", "message": failed}} if failed else {}))
    else:
        render_validate(result)
        if data.get("report"):
            console().print(f"校验汇总表：{escape(str(report))}")
        for item in data.get("annotated", []):
            shown = f"标注副本：{item['copy']}" if item["copy"] else "（非 .xlsx 文件，未生成标注副本，问题见汇总表）"
            console().print(f"{escape(Path(item['path']).name)} → {escape(shown)}")
    if failed:  # the results are shown above; the file that could not be written is the refusal
        if not as_json:
            Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]无法执行：[/]{escape(failed)}")
        sys.exit(EXIT_CANNOT_RUN)
    if result.summary()["errors"]:
        sys.exit(EXIT_INPUT_ERRORS)


def _write_validate_outputs(result, data: dict, report: Path | None, annotate_dir: Path | None) -> str:
    """Write --report and --annotate, noting them in data; the Chinese reason when one could not be written."""
    from xltasks.actions.validate import write_annotations, write_report

    try:
        if report is not None:
            write_report(result, report)
            data["report"] = str(report)
        if annotate_dir is not None:
            data["annotated"] = [{"path": str(src), "copy": str(copy) if copy else None}
                                 for src, copy in write_annotations(result, annotate_dir)]
    except WriteRefused as exc:
        return f"校验已完成（结果见上），但结果文件未能写入：{exc}"
    except OSError as exc:
        return f"校验已完成（结果见上），但结果文件未能写入：{describe_os_error(exc, report or annotate_dir)}"
    return ""


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


@click.command("merge", help=(
    "把本期收回的报送表校验后汇总到总台账：按单位取最新一份，计算每项任务的状态并标色，记录历次进展和报送记录。"
    "总台账原文件自动备份。\n\n"
    "Merge a round's returns into the master: validate, take the latest per unit, compute and colour each task's "
    "state, record history and the files received. The previous master is kept as a backup.\n\n"
    "MASTER：总台账；PATH：报送表文件或文件夹 / the master, then return files or folders."))
@click.argument("master", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--round", "round_name", required=True, help="本期期次，例如“2026年11月”。/ The round being merged.")
@click.option("--as-of", "as_of", callback=date_option, metavar="YYYY-MM-DD",
              help="按哪一天计算状态，默认为期次的最后一天与今天中较早的一天（期次看不出时间时为今天）。"
                   "/ The date states are computed for; default: the earlier of the round's last day and today.")
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
        raise CannotRun(f"总台账未改动：{describe_os_error(exc, master.parent)}") from exc
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

    from xltasks.core.status import AS_OF_BASES

    out = console()
    files = Counter(f.outcome for f in result.reconciled.files)
    states = Counter(t.status for t in result.plan)
    done = "（试运行，未写入）" if result.dry_run else "完成" if result.written or result.unchanged else "未写入"
    out.print(f"[bold]{escape(result.round)} 汇总{done}[/]，状态日期 {result.as_of}（{AS_OF_BASES[result.as_of_basis]}）")
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
