"""The connections `xltasks serve` keeps: uvicorn's h11 protocol with our guards, and enough file handles."""

from __future__ import annotations

HEADER_SECONDS = 10           # a connection's request head must arrive within this, and each piece of its body
MAX_CONNECTIONS = 1000        # open at once; past this (or CLIENT_CONNECTIONS from one address) the oldest idle
CLIENT_CONNECTIONS = 100      # connection is closed to make room
BAD_REQUEST = "请求格式不正确（HTTP 协议错误），服务器不予处理。请用 xlwings 客户端发送。"


def guarded_protocol():
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


def more_files() -> None:
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + 200 if hard == resource.RLIM_INFINITY else min(hard, MAX_CONNECTIONS + 200)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
