"""What the commands share: exit codes, the Chinese refusal, the console, config loading, findings, dates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from xltasks.core.config import Config, ConfigError, parse_config
from xltasks.core.findings import Finding
from xltasks.core.oserrors import describe_os_error


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
        raise CannotRun(f"配置文件{describe_os_error(exc, path)}") from exc
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


def date_option(ctx, param, value: str | None):
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
