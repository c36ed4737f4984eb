"""import and split: a published table into a master, the master into this round's returns."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xltasks.cli.common import (CONFIG_HELP, EXIT_INPUT_ERRORS, JSON_HELP, CannotRun, console, date_option, emit_json,
                                load_config, print_findings)
from xltasks.core.findings import SourceError
from xltasks.files.xlsx.safe_write import WriteRefused


@click.command("import", help=(
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


@click.command("split", help=(
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
@click.option("--due", callback=date_option, metavar="YYYY-MM-DD",
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
