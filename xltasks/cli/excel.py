"""serve and excel addin: the Excel buttons' server and the add-in that puts them on the ribbon."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape


from xltasks.cli.common import CannotRun, console


@click.command("serve", help=(
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


@click.group("excel", help=(
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
