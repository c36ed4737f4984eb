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

from xltasks.excel.guard import LOOPBACK, Access, HostGuard, admit
from xltasks.excel.programmes import Programme
from xltasks.excel.scripts import CLERK, COORDINATOR, SCRIPTS, Refused
from xltasks.excel.workers import Answer, Pool, PoolSpec

log = logging.getLogger("xltasks.serve")
MAX_BODY = 64 * 1024 * 1024   # far past any workbook a button sends (a coordinator's sends 使用说明 and _xltasks)
BODY_BUDGET = 192 * 1024 * 1024  # bytes of bodies being read or pressed at once, over all requests ...
CLIENT_BUDGET = MAX_BODY      # ... and from one address: two sockets cannot hold it all
BIG_BODY = 8 * 1024 * 1024    # bodies past this are pressed one at a time (their parse may take a worker's limit)
BUSY_SECONDS = 60             # waiting for the budget at most; then 503
HEADER_SECONDS = 10           # a connection's request head must arrive within this, and each piece of its body
BODY_SECONDS, BODY_RATE = 120, 256 * 1024  # the whole body: 10 s plus its size at 256 KB/s, at most 120 s
MAX_CONNECTIONS = 1000        # open at once; past this (or CLIENT_CONNECTIONS from one address) the oldest idle
CLIENT_CONNECTIONS = 100      # connection is closed to make room
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


class Budget:
    """Bytes of request bodies the server holds at once, in all and per client address; a request waits for its
    share (the whole body, at most its limits) once the body has begun to arrive."""

    def __init__(self, total: int, per_client: int):
        self.total, self.per_client, self.free = total, per_client, total
        self.held: dict[str, int] = {}
        self.changed = asyncio.Condition()

    async def take(self, wanted: int, client: str) -> int:
        wanted = min(wanted, self.total, self.per_client)
        async with self.changed:
            await self.changed.wait_for(
                lambda: self.free >= wanted and self.held.get(client, 0) + wanted <= self.per_client)
            self.free -= wanted
            self.held[client] = self.held.get(client, 0) + wanted
        return wanted

    async def give(self, taken: int, client: str) -> None:
        async with self.changed:
            self.free += taken
            self.held[client] -= taken
            if not self.held[client]:
                del self.held[client]
            self.changed.notify_all()


def _declared_length(request, limit: int) -> int:
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise Refused(411, "请求没有注明内容长度，服务器不予处理。请用 xlwings 客户端发送。")
    if int(declared) > limit:
        raise Refused(413, f"发送的工作簿太大（{int(declared) // 1024 // 1024} MB），超出服务器上限。")
    return int(declared)


async def _next_piece(pieces) -> bytes:
    """The next piece of a body, or Refused when none comes within HEADER_SECONDS (a body that dribbles)."""
    from starlette.requests import ClientDisconnect

    try:
        return await asyncio.wait_for(pieces.__anext__(), HEADER_SECONDS)
    except (StopAsyncIteration, ClientDisconnect):
        return b""
    except asyncio.TimeoutError:
        raise Refused(408, f"发送工作簿中途停顿超过{HEADER_SECONDS}秒，请检查网络后再试。") from None


async def _read_body(first: bytes, pieces, length: int) -> bytearray:
    """Exactly `length` bytes into one buffer (no growing copies); Refused if the client sends more or less."""
    body, got, piece = bytearray(length), 0, first
    with memoryview(body) as view:
        while piece:
            if got + len(piece) > length:
                raise Refused(400, "请求内容比注明的长度长，服务器不予处理。")
            view[got:got + len(piece)] = piece
            got += len(piece)
            piece = await _next_piece(pieces) if got < length else b""
    if got != length:
        raise Refused(400, "请求内容不完整（连接中断），请再试一次。")
    return body


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
    length = _declared_length(request, settings.max_body)
    client = request.client.host if request.client else ""
    pieces = request.stream().__aiter__()
    first = await _next_piece(pieces) if length else b""  # nothing is held for a body that has not begun
    try:
        taken = await asyncio.wait_for(shared.budget.take(length, client), BUSY_SECONDS)
    except asyncio.TimeoutError:
        raise Refused(503, "服务器正忙（同时处理的工作簿太多），请稍后再点。") from None
    try:
        seconds = min(BODY_SECONDS, 10 + length / BODY_RATE)
        try:
            body = await asyncio.wait_for(_read_body(first, pieces, length), seconds)
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


BAD_REQUEST = "请求格式不正确（HTTP 协议错误），服务器不予处理。请用 xlwings 客户端发送。"


def _guarded_protocol():
    """uvicorn's h11 protocol with three guards of ours:
    - a connection whose request head has not arrived within HEADER_SECONDS of its opening or of its last answer
      is closed (uvicorn waits for a first request for ever, and restarts its keep-alive timer at every byte);
    - past CLIENT_CONNECTIONS from one address, or MAX_CONNECTIONS in all, the oldest idle connection (one that
      never sent a byte first) is closed to make room, never the new one: a flood of sockets cannot lock out a
      press (uvicorn would answer 503 to everyone);
    - its "Invalid HTTP request" answer is in Chinese."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.opened, self.heard = self.loop.time(), False
            self._arm()
            address = self.client[0] if self.client else ""
            mine = [c for c in self.connections if c.client and c.client[0] == address]
            for crowd, limit in ((mine, CLIENT_CONNECTIONS), (list(self.connections), MAX_CONNECTIONS)):
                if len(crowd) > limit:
                    _close_oldest_idle(crowd, self)

        def idle(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def data_received(self, data: bytes) -> None:
            self.heard = True  # a client that has spoken is closed last
            super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def _arm(self) -> None:
            self.loop.call_later(HEADER_SECONDS, self._head_due, self.cycle)

        def _head_due(self, cycle) -> None:
            if self.cycle is cycle and self.idle() and not self.transport.is_closing():
                self.transport.close()

        def send_400_response(self, msg: str) -> None:
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=BAD_REQUEST.encode("utf-8")), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return GuardedH11


def _close_oldest_idle(crowd: list, newcomer) -> None:
    """The oldest idle connection that never sent a byte (a flood's), else the oldest idle one (kept alive)."""
    idle = [c for c in crowd if c is not newcomer and c.idle() and not c.transport.is_closing()]
    if idle:
        min(idle, key=lambda c: (c.heard, c.opened)).transport.close()


def _more_files() -> None:
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + 200 if hard == resource.RLIM_INFINITY else min(hard, MAX_CONNECTIONS + 200)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def serve(host: str, port: int, settings: Settings) -> None:
    """Run until stopped: Ctrl+C or SIGTERM let uvicorn finish the requests under way, then exit with 0 (uvicorn
    raises the signal again once it has shut down; these handlers turn it into a normal exit)."""
    import signal
    import sys

    import uvicorn

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the workers inherit it
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: sys.exit(0))
    _more_files()
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning", http=_guarded_protocol(),
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
