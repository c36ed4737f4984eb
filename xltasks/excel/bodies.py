"""A request's body read within bounds: a shared byte budget, its declared length, no long pause.

The budget is shared by all requests and capped per client address; a pause longer than HEADER_SECONDS between
two pieces of a body ends the request.
"""

from __future__ import annotations

import asyncio

from xltasks.excel.connections import HEADER_SECONDS
from xltasks.excel.scripts import Refused


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


def declared_length(request, limit: int) -> int:
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise Refused(411, "请求没有注明内容长度，服务器不予处理。请用 xlwings 客户端发送。")
    if int(declared) > limit:
        raise Refused(413, f"发送的工作簿太大（{int(declared) // 1024 // 1024} MB），超出服务器上限。")
    return int(declared)


async def next_piece(pieces) -> bytes:
    """The next piece of a body, or Refused when none comes within HEADER_SECONDS (a body that dribbles)."""
    from starlette.requests import ClientDisconnect

    try:
        return await asyncio.wait_for(pieces.__anext__(), HEADER_SECONDS)
    except (StopAsyncIteration, ClientDisconnect):
        return b""
    except asyncio.TimeoutError:
        raise Refused(408, f"发送工作簿中途停顿超过{HEADER_SECONDS}秒，请检查网络后再试。") from None


async def read_body(first: bytes, pieces, length: int) -> bytearray:
    """Exactly `length` bytes into one buffer (no growing copies); Refused if the client sends more or less."""
    body, got, piece = bytearray(length), 0, first
    with memoryview(body) as view:
        while piece:
            if got + len(piece) > length:
                raise Refused(400, "请求内容比注明的长度长，服务器不予处理。")
            view[got:got + len(piece)] = piece
            got += len(piece)
            piece = await next_piece(pieces) if got < length else b""
    if got != length:
        raise Refused(400, "请求内容不完整（连接中断），请再试一次。")
    return body
