"""`xltasks serve`: the buttons over HTTP for offices without Python on the clerks' PCs (xlwings' remote route).

The stock xlwings VBA client (RunServerPython) and the Office.js task pane post the workbook to
`/xlwings/custom-scripts-call/{script}` (xlwings-server's route) and apply the actions in the answer. Errors are
answered as plain UTF-8 text, which both clients show as it is (VBA in a MsgBox, Office.js in its alert), in
Chinese and never as a traceback; one request's failure never stops the server.

In order, for every request: Host and Origin (guard.HostGuard), then the token and its role, the script and the
content type (guard.admit), all before a byte of the body is read; then the body, within a byte budget shared by
all requests and a deadline; then the press on a worker process of the script's role (workers.Pool). A connection
that has not sent its request head within HEADER_SECONDS is closed, so idle sockets cannot crowd out a press.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves the endpoint's annotations from here

from xltasks.excel.bodies import Budget, declared_length, next_piece, read_body
from xltasks.excel.connections import guarded_protocol, more_files
from xltasks.excel.guard import LOOPBACK, Access, HostGuard, admit
from xltasks.excel.programmes import Programme
from xltasks.excel.scripts import CLERK, COORDINATOR, SCRIPTS, Refused
from xltasks.excel.workers import Answer, Pool, PoolSpec

log = logging.getLogger("xltasks.serve")
MAX_BODY = 64 * 1024 * 1024   # far past any workbook a button sends (a coordinator's sends 使用说明 and _xltasks)
BODY_BUDGET = 192 * 1024 * 1024  # bytes of bodies being read or pressed at once, over all requests ...
CLIENT_BUDGET = MAX_BODY      # ... and from one address: two sockets cannot hold it all (bodies.Budget)
BIG_BODY = 8 * 1024 * 1024    # bodies past this are pressed one at a time (their parse may take a worker's limit)
BUSY_SECONDS = 60             # waiting for the budget at most; then 503
BODY_SECONDS, BODY_RATE = 120, 256 * 1024  # the whole body: 10 s plus its size at 256 KB/s, at most 120 s
GRACE_SECONDS = 30            # on Ctrl+C or SIGTERM, presses under way get this long to finish

CLERK_POOL = PoolSpec(CLERK, size=2, memory_mb=768, retire_mb=300, seconds=120, queue_seconds=60,
                      busy="服务器正忙（同时校验的人较多），请稍后再点。")
COORDINATOR_POOL = PoolSpec(COORDINATOR, size=1, memory_mb=8192, retire_mb=800, seconds=3600, queue_seconds=20,
                            busy="另一个汇总组操作（如汇总报送）正在服务器上进行，请等它完成后再点。")


@dataclass
class Settings:
    access: Access = field(default_factory=Access)   # no token: loopback only, every button for its own user
    programmes: list[Programme] = field(default_factory=list)
    max_body: int = MAX_BODY
    clerk_workers: int = CLERK_POOL.size


def _pool_specs(settings: Settings) -> dict[str, PoolSpec]:
    specs = {CLERK: replace(CLERK_POOL, size=settings.clerk_workers)}
    if settings.access.open or settings.access.coordinator_token:  # else every coordinator press is refused anyway
        specs[COORDINATOR] = COORDINATOR_POOL
    return specs


@dataclass
class Shared:
    """What every request of one server shares: the body budget, the pools, the turn of the big bodies."""

    budget: Budget
    pools: dict[str, Pool]
    big: asyncio.Semaphore


async def _press(settings: Settings, shared: Shared, name: str, request) -> Answer:
    script = admit(settings.access, name, request.headers.get("authorization", ""),
                   request.headers.get("content-type", ""))
    length = declared_length(request, settings.max_body)
    client = request.client.host if request.client else ""
    pieces = request.stream().__aiter__()
    first = await next_piece(pieces) if length else b""  # nothing is held for a body that has not begun
    try:
        taken = await asyncio.wait_for(shared.budget.take(length, client), BUSY_SECONDS)
    except asyncio.TimeoutError:
        raise Refused(503, "服务器正忙（同时处理的工作簿太多），请稍后再点。") from None
    try:
        seconds = min(BODY_SECONDS, 10 + length / BODY_RATE)
        try:
            body = await asyncio.wait_for(read_body(first, pieces, length), seconds)
        except asyncio.TimeoutError:
            raise Refused(408, f"发送工作簿超过{seconds:.0f}秒仍未完成，请检查网络后再试。") from None
        if length <= BIG_BODY:
            return await shared.pools[script.who].run(name, body)
        async with shared.big:
            return await shared.pools[script.who].run(name, body)
    finally:
        await shared.budget.give(taken, client)


ALERT_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script></head>
<body style="font-family:sans-serif;font-size:14px;white-space:pre-wrap;margin:16px">{prompt}
<p><button id="ok" data-callback="{callback}" onclick="Office.context.ui.messageParent('ok|' + this.dataset.callback)"
>确定</button></p></body></html>"""  # the message xlwings' parent.js expects: "button|callback"


HTTP_ERRORS = {404: "服务器上没有这个地址。按钮的地址是 /xlwings/custom-scripts-call/<按钮名>。",
               405: "这个地址不接受这种请求方式。"}


def create_app(settings: Settings):
    """The FastAPI app behind the Host guard; its lifespan starts and stops the worker pools."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    pools: dict[str, Pool] = {}
    state: dict[str, Shared] = {}

    @asynccontextmanager
    async def lifespan(app):
        threads = ThreadPoolExecutor(max_workers=4 * (settings.clerk_workers + 1), thread_name_prefix="press")
        pools.update({who: Pool(spec, settings.programmes, threads) for who, spec in _pool_specs(settings).items()})
        state["shared"] = Shared(Budget(BODY_BUDGET, CLIENT_BUDGET), pools, asyncio.Semaphore(1))
        try:
            await asyncio.gather(*(pool.start() for pool in pools.values()))
            yield
        finally:
            for pool in pools.values():
                pool.close()
            threads.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="xltasks", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan,
                  redirect_slashes=False)

    def refused(status: int, message: str) -> PlainTextResponse:
        return PlainTextResponse(message, status_code=status, media_type="text/plain; charset=utf-8")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc):
        return refused(exc.status_code, HTTP_ERRORS.get(exc.status_code, "请求无法处理。"))

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request, exc):
        return refused(400, "请求的参数不正确。")

    @app.post("/xlwings/custom-scripts-call/{script}")
    async def custom_scripts_call(script: str, request: Request):
        try:
            answer = await _press(settings, state["shared"], script, request)
        except Refused as exc:
            return refused(exc.status, str(exc))
        except Exception:  # noqa: BLE001 - logged here; the clerk gets one sentence, the server keeps serving
            log.exception("script %s failed", script[:40])
            return refused(500, "服务器处理时出错，已记录在服务器日志中。请稍后再试，或联系信息化人员。")
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

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
                "pid": os.getpid(), "workers": {who: len(pool.pids()) for who, pool in pools.items()}}

    return HostGuard(app, settings.access)


def serve(host: str, port: int, settings: Settings) -> None:
    """Run until stopped: Ctrl+C or SIGTERM let uvicorn finish the requests under way, then exit with 0 (uvicorn
    raises the signal again once it has shut down; these handlers turn it into a normal exit)."""
    import signal
    import sys

    import uvicorn

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the workers inherit it
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: sys.exit(0))
    more_files()
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", http=guarded_protocol(),
                            timeout_keep_alive=5, timeout_graceful_shutdown=GRACE_SECONDS, lifespan="on")
    uvicorn.Server(config).run()


def read_token(path: Path | None) -> str:
    if path is None:
        return ""
    text = Path(path).read_text(encoding="utf-8-sig").strip()
    if len(text) < 16:
        raise ValueError(f"口令文件“{path}”中的口令太短（至少16个字符）。")
    if not all(33 <= ord(ch) < 127 for ch in text):  # an HTTP header carries ASCII only: a 汉字 token never matches
        raise ValueError(f"口令文件“{path}”中的口令只能用英文字母、数字和符号（不能有汉字或空格）。")
    return text


def allowed_hosts(host: str, names: tuple[str, ...]) -> frozenset[str]:
    """The Host names answered: loopback, the address listened on (unless it is every address), the names given."""
    from xltasks.excel.guard import host_name

    own = {host.lower()} if host not in ("0.0.0.0", "::", "") else set()
    return LOOPBACK | own | {host_name(n) for n in names if n.strip()}
