"""The xltasks command group and its entry point: every refusal a Chinese message and the contract's exit code."""

from __future__ import annotations

import os
import re
import sys

import click
from rich.console import Console
from rich.markup import escape

from xltasks import __version__
from xltasks.cli.collect import merge_command, validate_command
from xltasks.cli.common import EXIT_CANNOT_RUN, EXIT_OK, CannotRun, emit_json
from xltasks.cli.demo import demo_command
from xltasks.cli.excel import excel_group, serve_command
from xltasks.cli.prepare import import_command, split_command
from xltasks.core.findings import Finding
from xltasks.core.oserrors import describe_os_error, is_os_failure


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=(
    "xltasks：任务分解表的导入、下发、校验与汇总。\n\n"
    "xltasks: import a published task table, split it into return workbooks, validate the returns and merge them "
    "into the master."))
@click.version_option(__version__, "-V", "--version", message="xltasks %(version)s")
def cli() -> None:
    pass


for command in (import_command, split_command, validate_command, merge_command, demo_command, serve_command,
                excel_group):
    cli.add_command(command)


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
    except OSError as exc:  # a read-only folder, a full disk, a file held open: the user can act on it
        if not is_os_failure(exc):
            _internal_error(exc, as_json)
        _fail(describe_os_error(exc), None, as_json)
    except Exception as exc:  # noqa: BLE001 - a bug of ours must still not show a clerk a traceback
        _internal_error(exc, as_json)
    sys.exit(EXIT_OK)


def _internal_error(exc: Exception, as_json: bool) -> None:
    """A bug of ours: the clerk is told whom to send it to; XLTASKS_DEBUG=1 shows the traceback."""
    if os.environ.get("XLTASKS_DEBUG"):
        raise exc
    _fail(f"xltasks 内部出错（{type(exc).__name__}: {str(exc)[:200]}）。请把命令和文件发给技术人员；"
          "设置环境变量 XLTASKS_DEBUG=1 可看到详细信息。", None, as_json)


def _fail(message: str, found: Finding | None, as_json: bool) -> None:
    if as_json:
        emit_json({"error": found.to_dict() if found else {"code": "command.cannot-run", "message": message}})
    else:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]无法执行：[/]{escape(message)}")
    sys.exit(EXIT_CANNOT_RUN)
