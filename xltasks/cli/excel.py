"""serve and excel addin: the Excel buttons' server and the add-in that puts them on the ribbon."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape


from xltasks.cli.common import CannotRun, console
from xltasks.core.oserrors import describe_os_error


@click.command("serve", help=(
    "启动按钮服务（xlwings 远程方式）：客户端电脑无需安装 Python，Excel 中的按钮把工作簿发到这里处理。"
    "默认只在本机（127.0.0.1）监听、不要口令；在其他地址监听必须设口令：填报员口令（--token-file）只能用填报组按钮，"
    "协调员口令（--coordinator-token-file）还能用汇总组按钮。用其他名称或地址访问时用 --allowed-host 登记。按 Ctrl+C 停止。\n\n"
    "Serve the Excel buttons (validate, split, merge) over HTTP for xlwings' remote clients (VBA RunServerPython, "
    "Office.js). Loopback and "
    "no token by default; any other address needs a token. The clerk token runs the clerk's buttons, the "
    "coordinator token every button. Requests whose Host is not loopback, the address listened on or an "
    "--allowed-host are refused. Ctrl+C stops it."))
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。/ Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口。/ Port.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False),
              help="填报员口令文件（一行，至少16个字符）。/ The clerks' token (one line, 16+ characters).")
@click.option("--coordinator-token-file", type=click.Path(path_type=Path, dir_okay=False),
              help="协调员口令文件（汇总组按钮只认这个口令）。/ The coordinator's token (the only one the "
                   "coordinator's buttons accept).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="客户端访问服务器所用的名称或地址（可多次），例如 xltasks.bgs.local。/ A name or address clients "
                   "use to reach the server (repeatable).")
@click.option("--allowed-origin", "allowed_origins", multiple=True, metavar="URL",
              help="允许跨站调用的任务窗格网址（可多次），例如 https://xlwings.bgs.local。/ A task pane origin "
                   "allowed to call across sites (repeatable; CORS is answered for it alone).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32),
              help="同时处理填报组按钮的进程数。/ Processes pressing the clerks' buttons at once.")
@click.option("--programmes", "programmes_path", type=click.Path(path_type=Path, dir_okay=False),
              help="项目配置（TOML）：每个项目的总台账、报送表文件夹、下发表文件夹。/ The programmes' folders (TOML).")
def serve_command(host: str, port: int, token_file: Path | None, coordinator_token_file: Path | None,
                  allowed_hosts: tuple[str, ...], allowed_origins: tuple[str, ...], workers: int,
                  programmes_path: Path | None) -> None:
    try:
        from xltasks.excel.guard import LOOPBACK, Access, host_name, origin_of
        from xltasks.excel.programmes import ProgrammesError, load_programmes
        from xltasks.excel.server import Settings, allowed_hosts as answered_hosts, read_token, serve
    except ImportError as exc:  # the web server comes with the excel extra
        raise CannotRun(f"按钮服务需要另外安装组件（缺少 {exc.name}）：pip install \"xltasks[excel]\"") from exc

    try:
        clerk, coordinator = read_token(token_file), read_token(coordinator_token_file)
        programmes = load_programmes(programmes_path) if programmes_path else []
    except OSError as exc:  # a token file missing or unreadable
        raise CannotRun(f"口令文件{describe_os_error(exc)}") from exc
    except (ValueError, ProgrammesError) as exc:
        raise CannotRun(str(exc)) from exc
    if clerk and clerk == coordinator:
        raise CannotRun("填报员口令与协调员口令相同：每台填报电脑都会握有汇总的权限。请为两者设不同的口令。")
    if host not in LOOPBACK and not (clerk or coordinator):
        raise CannotRun(f"在 {host} 上监听会让局域网中的其他电脑访问，必须用 --token-file 或 "
                        "--coordinator-token-file 设置访问口令。")
    wrong = next((n for n in allowed_hosts if not host_name(n)), None)
    if wrong is not None:
        raise CannotRun(f"--allowed-host “{wrong}”无效：请只写名称或地址，例如 192.168.1.10 或 xltasks.bgs.local"
                        "（不带 http:// 和路径）。")
    origins = {origin_of(o): o for o in allowed_origins}
    if "" in origins:
        raise CannotRun(f"--allowed-origin “{origins['']}”无效：请写成 https://名称[:端口] 的形式。")
    access = Access(clerk, coordinator, answered_hosts(host, allowed_hosts), frozenset(origins))
    roles = "只有填报组按钮" if clerk and not coordinator else "全部按钮"
    if host in ("0.0.0.0", "::") and not allowed_hosts:
        console().print("注意：只答复用 127.0.0.1 或 localhost 访问的请求。客户端用本机 IP 地址或名称访问时，"
                        "请用 --allowed-host 登记（例如 --allowed-host 192.168.1.10）。")
    console().print(f"xltasks 按钮服务：http://{host}:{port}/xlwings/custom-scripts-call/<按钮>"
                    f"（{len(programmes)}个项目，{roles}；按 Ctrl+C 停止）")
    serve(host, port, Settings(access, programmes, clerk_workers=workers))


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
@click.option("--clerk", is_flag=True,
              help="填报人员用：只有「填报」组的按钮，没有汇总按钮。/ The 填报 group only, for clerks' PCs.")
def excel_addin_command(output: Path, remote: str | None, clerk: bool) -> None:
    from xltasks.excel.addin import AddinError, build_addin

    try:
        build_addin(output, remote, clerk)
    except AddinError as exc:
        raise CannotRun(str(exc)) from exc
    route = (f"方式二，服务器 {remote}" if remote else "方式一，本机 Python") + ("，仅填报" if clerk else "")
    console().print(f"加载项已生成：{escape(str(output))}（{escape(route)}）。安装步骤见 macros/README.md。")
