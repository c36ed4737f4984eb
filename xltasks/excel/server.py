"""`xltasks serve`: the buttons over HTTP for offices without Python on the clerks' PCs (xlwings' remote route).

The stock xlwings VBA client (RunServerPython) and the Office.js task pane post the workbook to
`/xlwings/custom-scripts-call/{script}` (xlwings-server's route) and apply the actions in the answer. Errors are
answered as plain UTF-8 text, which both clients show as it is (VBA in a MsgBox, Office.js in its alert), in
Chinese and never as a traceback; one request's failure never stops the server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves the endpoint's annotations from here

from xltasks.excel.clerk import clear_marks_book, export_return_book, validate_return_book
from xltasks.excel.coordinator import (NEEDED_SHEETS, Place, merge_folder_book, refresh_stats_book,
                                       split_round_book, validate_folder_book)
from xltasks.excel.programmes import Programme, find_programme

log = logging.getLogger("xltasks.serve")
MAX_BODY = 64 * 1024 * 1024  # a 10,000-task master's 任务清单 sends ~15 MB; past this it is not our workbook
CLERK, COORDINATOR = "clerk", "coordinator"


@dataclass(frozen=True)
class Script:
    run: object            # (book, place or None) -> the text shown
    who: str               # clerk: works on the request alone; coordinator: on the programme's files
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


SCRIPTS = {
    "validate_return": Script(lambda book, place: validate_return_book(book), CLERK, exclude=("填报说明",)),
    "clear_marks": Script(lambda book, place: clear_marks_book(book), CLERK, exclude=("填报说明",)),
    "export_return": Script(lambda book, place: export_return_book(book, None), CLERK, exclude=("填报说明",)),
    "split_round": Script(split_round_book, COORDINATOR, include=NEEDED_SHEETS),
    "validate_folder": Script(validate_folder_book, COORDINATOR, include=NEEDED_SHEETS),
    "merge_folder": Script(merge_folder_book, COORDINATOR, include=NEEDED_SHEETS),
    "refresh_stats": Script(refresh_stats_book, COORDINATOR, include=NEEDED_SHEETS),
}


class Refused(Exception):
    """A request answered with `status` and a Chinese message for the client's message box."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Settings:
    token: str = ""                         # empty: loopback only, no token asked
    programmes: list[Programme] = field(default_factory=list)
    max_body: int = MAX_BODY


def _authorised(settings: Settings, header: str) -> bool:
    if not settings.token:
        return True
    given = header.removeprefix("Bearer ").strip()
    return hmac.compare_digest(given.encode("utf-8"), settings.token.encode("utf-8"))


CELL_TYPES = (str, int, float, bool, type(None))  # what a cell's value can be in JSON


def parse_body(body: bytes) -> dict:
    """The workbook the client sent; Refused with the reason when it is not one xlwings can open."""
    import xlwings as xw

    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        if re.search(rb'"values":\s*\[.*?([\[,]\s*,|,\s*\])', body[:MAX_BODY], re.S):
            # VBA's JsonConverter writes nothing for the newer error values: "[1,,3]"
            raise Refused(400, "工作簿中有单元格显示 #SPILL!、#CALC!、#BUSY! 等新式错误值，Excel 的 VBA 客户端无法发送。"
                               "请把这些单元格改成普通内容（或删去公式）后再点。") from exc
        raise Refused(400, "请求内容不是 xlwings 发送的工作簿数据（JSON 无法解析）。") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sheets"), list) or not isinstance(data.get("book"), dict):
        raise Refused(400, "请求内容不是 xlwings 发送的工作簿数据（缺少 book 或 sheets）。")
    for sheet in data["sheets"]:
        values = sheet.get("values") if isinstance(sheet, dict) else None
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str) or not isinstance(values, list) \
                or not all(isinstance(row, list) and all(isinstance(v, CELL_TYPES) for v in row) for row in values):
            raise Refused(400, "请求中的工作簿数据不完整，xlwings 无法读取。")
    if data.get("client") != "Office.js" and data.get("version") != xw.__version__:
        raise Refused(400, f"Excel 加载项的 xlwings 版本（{str(data.get('version'))[:20]}）与服务器（{xw.__version__}）"
                           "不一致，请信息化人员更新加载项或服务器后再试。")
    return data


# One button press at a time: xlwings' JSON engine keeps one process-wide app whose "active" book is the last one
# opened, and `app.alert` goes to that book, so two requests side by side would swap their alerts (seen in the
# 20-at-once test). A check takes ~50 ms; a long merge makes the others wait, which the clients' timeout allows.
_ENGINE_LOCK = threading.Lock()


def admit(settings: Settings, name: str, authorization: str, content_type: str) -> Script:
    """What is checked before a byte of the body is read: the token, the script, the content type (a web page in
    the user's browser can post only text/plain or forms without asking first, never application/json)."""
    if not _authorised(settings, authorization):
        raise Refused(401, "访问口令不正确，请信息化人员检查加载项中配置的口令。")
    script = SCRIPTS.get(name)
    if script is None:
        raise Refused(404, f"服务器上没有“{name[:40]}”这个按钮功能，请更新 Excel 加载项。")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Refused(415, "请求不是 xlwings 客户端发送的（内容类型应为 application/json）。")
    return script


def call_script(settings: Settings, script: Script, body: bytes) -> dict:
    """One button press, once admitted: the answer's actions, or Refused."""
    data = parse_body(body)
    with _ENGINE_LOCK:
        return _run(settings, script, data)


def _run(settings: Settings, script: Script, data: dict) -> dict:
    import xlwings as xw

    try:
        book = xw.Book(json=data)
    except Exception as exc:  # noqa: BLE001 - a payload xlwings cannot take is the client's problem, said in Chinese
        raise Refused(400, "请求中的工作簿数据不完整，xlwings 无法读取。") from exc
    try:
        press(script, book, settings.programmes)
        return book.json()
    finally:
        book.close()


NO_PROGRAMME = ("服务器上没有配置这个项目的总台账。请在 xltasks 生成的总台账中使用这些按钮，"
                "并请信息化人员在服务器的项目配置中登记它。")


def press(script: Script, book, programmes: list[Programme]) -> None:
    """Run one button on a book the request made: a clerk's on the book alone, a coordinator's on the folders of
    the programme the book belongs to (Refused when the server keeps none for it)."""
    if script.who == CLERK:
        script.run(book, None)
        return
    programme = find_programme(programmes, book)
    if programme is None:
        raise Refused(400, NO_PROGRAMME)
    script.run(book, Place(programme.master, programme.inbox, programme.outbox, programme.config, on_server=True))


ALERT_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script></head>
<body style="font-family:sans-serif;font-size:14px;white-space:pre-wrap;margin:16px">{prompt}
<p><button id="ok" data-callback="{callback}" onclick="Office.context.ui.messageParent('ok|' + this.dataset.callback)"
>确定</button></p></body></html>"""  # the message xlwings' parent.js expects: "button|callback"


BODY_SECONDS = 120  # a 15 MB master over a slow office line; a connection dribbling bytes is cut off after this


async def _read_body(request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"发送的工作簿太大（{int(declared) // 1024 // 1024} MB），超出服务器上限。")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "发送的工作簿太大，超出服务器上限。")
    return bytes(body)


def create_app(settings: Settings):
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

    app = FastAPI(title="xltasks", docs_url=None, redoc_url=None, openapi_url=None)

    def refused(status: int, message: str) -> PlainTextResponse:
        return PlainTextResponse(message, status_code=status, media_type="text/plain; charset=utf-8")

    @app.post("/xlwings/custom-scripts-call/{script}")
    async def custom_scripts_call(script: str, request: Request):
        try:
            chosen = admit(settings, script, request.headers.get("authorization", ""),
                           request.headers.get("content-type", ""))
            body = await asyncio.wait_for(_read_body(request, settings.max_body), BODY_SECONDS)
            answer = await run_in_threadpool(call_script, settings, chosen, body)
        except Refused as exc:
            return refused(exc.status, str(exc))
        except asyncio.TimeoutError:
            return refused(408, f"发送工作簿超过{BODY_SECONDS}秒仍未完成，请检查网络后再试。")
        except Exception:  # noqa: BLE001 - logged here; the clerk gets one sentence, the server keeps serving
            log.exception("script %s failed", script[:40])
            return refused(500, "服务器处理时出错，已记录在服务器日志中。请稍后再试，或联系信息化人员。")
        return JSONResponse(answer)

    @app.get("/xlwings/custom-scripts-call/{script}")
    async def custom_scripts_get(script: str):
        return refused(405, "按钮功能只接受 xlwings 客户端以 POST 方式发送的工作簿。")

    @app.get("/xlwings/custom-scripts-meta.json")
    @app.get("/xlwings/custom-scripts-meta")
    async def custom_scripts_meta():
        return [{"function_name": name, "include": ",".join(s.include), "exclude": ",".join(s.exclude)}
                for name, s in SCRIPTS.items()]

    @app.get("/xlwings/alert")
    async def alert(prompt: str = "", title: str = "", buttons: str = "ok", mode: str = "", callback: str = ""):
        return HTMLResponse(ALERT_PAGE.format(title=escape(title[:200]), prompt=escape(prompt[:5000]),
                                              callback=escape(callback[:100])))

    @app.get("/health")
    async def health():
        return {"status": "ok", "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "pid": os.getpid()}

    return app


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CONNECTIONS = 200  # past this uvicorn answers 503 at once instead of running out of file handles


def serve(host: str, port: int, token: str, programmes: list[Programme]) -> None:
    """Run until stopped: Ctrl+C or SIGTERM let uvicorn finish the requests under way, then exit with 0 (uvicorn
    raises the signal again once it has shut down; these handlers turn it into a normal exit)."""
    import signal
    import sys

    import uvicorn

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: sys.exit(0))
    uvicorn.run(create_app(Settings(token, programmes)), host=host, port=port, log_level="warning",
                limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=30)


def read_token(path: Path | None) -> str:
    if path is None:
        return ""
    text = Path(path).read_text(encoding="utf-8-sig").strip()
    if len(text) < 16:
        raise ValueError(f"口令文件“{path}”中的口令太短（至少16个字符）。")
    if not all(33 <= ord(ch) < 127 for ch in text):  # an HTTP header carries ASCII only: a 汉字 token never matches
        raise ValueError(f"口令文件“{path}”中的口令只能用英文字母、数字和符号（不能有汉字或空格）。")
    return text
