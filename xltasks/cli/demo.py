"""demo: the whole cycle on the shipped sample programmes, shown as the commands show it."""

from __future__ import annotations

from pathlib import Path

import click

from xltasks.cli.collect import render_merge
from xltasks.cli.common import JSON_HELP, CannotRun, console, emit_json
from xltasks.cli.prepare import render_import, render_split
from xltasks.core.findings import SourceError
from xltasks.core.oserrors import describe_os_error
from xltasks.files.xlsx.safe_write import WriteRefused


@click.command("demo", short_help="用自带的两个示例项目演示完整流程（导入、下发、模拟填报、校验、汇总）。", help=(
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
    except OSError as exc:
        raise CannotRun(f"演示未能完成：{describe_os_error(exc, out_dir)}") from exc
    except (SourceError, WriteRefused, SplitRefused) as exc:
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
