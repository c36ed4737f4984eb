"""What `xltasks serve` checks before it reads a byte of a body: the Host and Origin, the token and its role.

- Host: a web page whose name an attacker points at 127.0.0.1 (DNS rebinding) is same-origin with the server, so
  it can post anything; its requests carry the attacker's name in Host, which is checked against the loopback names
  and the names the office configured (`--allowed-host`). Every path is covered, /health included.
- Origin, when a browser sends one: the server's own (its alert page) or one the office named (`--allowed-origin`,
  an Office.js task pane served elsewhere), which alone gets CORS answers.
- Roles: a clerk token runs the clerk's buttons; the coordinator's (生成下发表, 批量校验, 汇总报送, 刷新统计)
  need the coordinator token. A server without any token (loopback only) runs every button for its own user.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from xltasks.excel.scripts import COORDINATOR, SCRIPTS, Refused, Script

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Access:
    clerk_token: str = ""
    coordinator_token: str = ""
    hosts: frozenset[str] = LOOPBACK          # Host names answered (lower case, without port)
    origins: frozenset[str] = frozenset()     # cross-origin pages answered, "scheme://host[:port]"

    @property
    def open(self) -> bool:
        """No token at all: the server listens on loopback only and serves its own user."""
        return not (self.clerk_token or self.coordinator_token)


_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:[0-9]{1,5})?")


def host_name(header: str) -> str:
    """The name in a Host header, lower case, without port or trailing dot ("[::1]:8000" -> "::1"); "" when the
    header is no name[:port] at all ("[::1]evil", "a:80@b", a tab)."""
    found = _HOST.fullmatch(header.lower())
    if found is None:
        return ""
    name = found.group(1)
    return name[1:-1] if name.startswith("[") else name.rstrip(".")


def origin_of(url: str) -> str:
    """"scheme://host[:port]" of an Origin or a configured page address, lower case; "" if it is none."""
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def host_refusal(access: Access, host: str, origin: str | None) -> str:
    """"" when the request may go on, else the Chinese text of its 403."""
    name = host_name(host)
    if name not in access.hosts:
        return (f"服务器不接受以“{name[:60] or '（空）'}”访问的请求。请用服务器的地址访问；"
                "如需用其他名称，请信息化人员用 --allowed-host 登记。")
    if origin is not None and not same_origin(origin, host) and origin_of(origin) not in access.origins:
        return "服务器不接受来自其他网页的请求。如需从其他网址的任务窗格调用，请信息化人员用 --allowed-origin 登记。"
    return ""


def same_origin(origin: str, host: str) -> bool:
    found = origin_of(origin)
    return bool(found) and found.split("://", 1)[1] in (host.strip().lower(), host.strip().lower().removesuffix(":80"))


def _matches(given: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def role_of(access: Access, authorization: str) -> str | None:
    """Whose token the request carries (constant-time), or None; every role on an open server."""
    if access.open:
        return COORDINATOR
    given = authorization.removeprefix("Bearer ").strip()
    if _matches(given, access.coordinator_token):
        return COORDINATOR
    if _matches(given, access.clerk_token):
        return "clerk"
    return None


def admit(access: Access, name: str, authorization: str, content_type: str) -> Script:
    """The token, the script and the role, the content type (a web page in the user's browser can post only
    text/plain or forms without asking first, never application/json)."""
    role = role_of(access, authorization)
    if role is None:
        raise Refused(401, "访问口令不正确，请信息化人员检查加载项中配置的口令。")
    script = SCRIPTS.get(name)
    if script is None:
        raise Refused(404, f"服务器上没有“{name[:40]}”这个按钮功能，请更新 Excel 加载项。")
    if script.who == COORDINATOR and role != COORDINATOR:
        raise Refused(403, "服务器没有设置协调员口令，汇总组按钮（生成下发表、批量校验、汇总报送、刷新统计）不能使用。"
                           "请信息化人员用 --coordinator-token-file 设置。" if not access.coordinator_token else
                           "这个口令只能使用填报组按钮（校验本表、清除标记、导出报送文件）；汇总组按钮需要协调员口令。")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Refused(415, "请求不是 xlwings 客户端发送的（内容类型应为 application/json）。")
    return script


class HostGuard:
    """ASGI middleware: Host and Origin before the app sees the request; CORS for the named origins alone."""

    def __init__(self, app, access: Access):
        self.app, self.access = app, access

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        names = [k for k, _ in scope["headers"]]
        if any(names.count(twice) > 1 for twice in (b"host", b"origin", b"authorization")):
            return await _plain(send, 400, "请求中同一个头写了两次（Host、Origin 或 Authorization），服务器不予处理。")
        origin = headers.get("origin")
        refusal = host_refusal(self.access, headers.get("host", ""), origin)
        if refusal:
            return await _plain(send, 403, refusal)
        cross = origin is not None and origin_of(origin) in self.access.origins
        if cross and scope["method"] == "OPTIONS":
            return await _plain(send, 204, "", _cors(origin))
        if not cross:
            return await self.app(scope, receive, send)

        async def with_cors(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_cors(origin)]}
            await send(message)
        return await self.app(scope, receive, with_cors)


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", b"Authorization, Content-Type"), (b"access-control-max-age", b"600")]


async def _plain(send, status: int, text: str, headers: list | None = None) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", TEXT.encode()), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
