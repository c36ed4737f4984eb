"""A button press's body read as the workbook xlwings' JSON engine will open, in linear time, or refused in Chinese.

The engine trusts its input: a book without a name, a sheet named "" or twice, an index out of range or a ragged row
raise deep inside xlwings. So the body is parsed once with `json.loads` (linear; nothing here backtracks), checked
field by field, and rebuilt with only the fields the buttons use: what the engine then reads is ours.

The VBA client's JSON writer (VBA-JSON in xlwings' WebHelpers.bas) has two quirks, both read back here:
- a text of 16-100 characters made only of digits, dots and E's (an ID typed as text, a row of dots) is written
  bare, without quotes: "1234567890123456" is valid JSON but a text; "0012345678901234567" or "................" is
  no JSON at all, and is quoted before parsing;
- an error value it does not know (#SPILL!, #CALC!) is written as nothing: "[1,,3]", which gets its own message.
"""

from __future__ import annotations

import json
import math
import re

CELL_TYPES = (str, int, float, bool, type(None))  # what a cell's value can be in JSON
MAX_SHEET_NAME = 31                                 # Excel's limit; longer is not a sheet Excel sent
BAD_SHEET_CHARS = frozenset("[]:*?/\\")
CLIENTS = ("VBA", "Office.js")


class BadBody(Exception):
    """The body is no workbook a client sent; the message says why, in Chinese, for the client's message box."""


NOT_JSON = "请求内容不是 xlwings 发送的工作簿数据（JSON 无法解析）。"
SPILL = ("工作簿中有单元格显示 #SPILL!、#CALC!、#BUSY! 等新式错误值，Excel 的 VBA 客户端无法发送。"
         "请把这些单元格改成普通内容（或删去公式）后再点。")
INCOMPLETE = "请求中的工作簿数据不完整，xlwings 无法读取"

# The next string's opening quote or a bare token of VBA's "large number" alphabet that is not the tail of a signed
# number or of another token; and the rest of a string (unrolled: each character is taken by one branch only).
_QUOTE_OR_BARE = re.compile(r'"|(?<![-+\w.])[.0-9Ee]{16,100}(?![\w.])')
_REST_OF_STRING = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_JSON_NUMBER = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?([eE][0-9]+)?")  # as a bare token of that alphabet can be one


class BareText(str):
    """A bare JSON number that VBA can only have written for a text; which it was is settled once the client is known
    (Office.js writes numbers with up to 17 digits, and never a text bare)."""

    def settled(self, client: str) -> object:
        if client == "VBA":
            return str(self)
        try:
            value = float(self) if any(ch in self for ch in ".eE") else int(self)
        except ValueError:  # past Python's 4,300-digit limit for int(): no cell holds such a number
            return str(self)
        return value if isinstance(value, int) or math.isfinite(value) else str(self)


def _vba_int(token: str) -> int | str:
    """VBA writes a number cell with at most 15 significant digits (a Double; 1E+15 and up with an exponent), so a
    bare integer of 16 digits or more was a text."""
    if len(token) >= 16 and token[0] != "-":
        return BareText(token)
    try:
        return int(token)
    except ValueError:  # past Python's 4,300-digit limit: no cell holds it
        return BareText(token)


def _vba_float(token: str) -> float | str:
    """A bare token with a dot or an exponent: a number, unless no Double's CStr could have written it (more than
    15 significant digits, or an exponent without its sign: VBA writes 1E+20); a signed token is a number (VBA
    writes a text bare only without a sign). Infinity is no cell value."""
    if len(token) >= 16 and token[0] != "-":
        digits = token.split("e")[0].split("E")[0].replace(".", "").lstrip("0")
        if len(digits) > 15 or (("e" in token or "E" in token) and not re.search(r"[eE][-+]", token)):
            return BareText(token)
    value = float(token)
    return value if math.isfinite(value) else BareText(token)


def _quote_bare(text: str) -> str:
    """Every bare token that is no JSON number at all ("................", "00123...") quoted: it was a text. One
    pass left to right, strings skipped whole; a string that never ends stops the pass (nothing after it parses)."""
    parts, done, at = [], 0, 0
    while (found := _QUOTE_OR_BARE.search(text, at)) is not None:
        if found.group() == '"':
            rest = _REST_OF_STRING.match(text, found.end())
            if rest is None:
                break
            at = rest.end()
            continue
        at = found.end()
        if not _JSON_NUMBER.fullmatch(found.group()):
            parts += [text[done:found.start()], '"', found.group(), '"']
            done = at
    return "".join(parts) + text[done:] if parts else text


def _loads(body: str):
    # NaN and Infinity are no JSON and no client sends them: kept as the text they are, never as a float
    return json.loads(body, parse_int=_vba_int, parse_float=_vba_float, parse_constant=str)


def _decode(body: bytes):
    try:
        text = body.decode("utf-8-sig")  # both clients send UTF-8; json.loads(bytes) would let CESU surrogates in
        return _loads(text), bool(_ESCAPED_SURROGATE.search(text))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise BadBody(NOT_JSON) from exc
    except json.JSONDecodeError:
        pass
    fixed = _quote_bare(text)
    try:
        return _loads(fixed), bool(_ESCAPED_SURROGATE.search(fixed))
    except RecursionError as exc:
        raise BadBody(NOT_JSON) from exc
    except json.JSONDecodeError as exc:
        raise BadBody(SPILL if _is_hole(exc.doc, exc.pos) else NOT_JSON) from exc


def _mended(value: object) -> object:
    """A text with a lone surrogate (Excel's =LEFT("😀",1) sends half of the emoji) with U+FFFD in its place: no
    file or answer could hold it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _is_hole(doc: str, pos: int) -> bool:
    """Whether the parse stopped at an element VBA left out: a "," or "]" right after "[" or ","."""
    if pos >= len(doc) or doc[pos] not in ",]":
        return False
    before = doc[:pos].rstrip()[-1:]
    return before in ("[", ",") and not (before == "[" and doc[pos] == "]")


def _incomplete(what: str) -> BadBody:
    return BadBody(f"{INCOMPLETE}（{what}）。")


def _sheet(raw: object, index: int, client: str, mend: bool) -> dict:
    if not isinstance(raw, dict):
        raise _incomplete(f"第{index}张工作表")
    name, values = _mended(raw.get("name")) if mend else raw.get("name"), raw.get("values")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_SHEET_NAME or BAD_SHEET_CHARS & set(name):
        raise _incomplete(f"第{index}张工作表的名称")
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        raise _incomplete(f"工作表“{name}”的单元格")
    width = len(values[0]) if values else 0
    for row in values:
        if len(row) != width or not all(isinstance(v, CELL_TYPES) for v in row):
            raise _incomplete(f"工作表“{name}”的单元格")
        if any(type(v) is BareText for v in row):
            row[:] = [v.settled(client) if type(v) is BareText else v for v in row]
        if mend:
            row[:] = map(_mended, row)
    return {"name": name, "values": values or [[]], "pictures": [], "tables": []}


def parse_body(body: bytes, server_version: str) -> dict:
    """The request as the engine may open it: client, version, book (name, active sheet) and sheets (name, values);
    the names, pictures and tables a client sends are left out (no button uses them). BadBody otherwise."""
    data, mend = _decode(body)
    if not isinstance(data, dict) or not isinstance(data.get("sheets"), list) or not isinstance(data.get("book"), dict):
        raise BadBody("请求内容不是 xlwings 发送的工作簿数据（缺少 book 或 sheets）。")
    client, version = data.get("client"), data.get("version")
    if client not in CLIENTS:
        raise _incomplete("客户端类型")
    if client != "Office.js" and version != server_version:
        raise BadBody(f"Excel 加载项的 xlwings 版本（{str(version)[:20]}）与服务器（{server_version}）"
                      "不一致，请信息化人员更新加载项或服务器后再试。")
    sheets = [_sheet(raw, i, client, mend) for i, raw in enumerate(data["sheets"], start=1)]
    if not sheets:
        raise _incomplete("没有工作表")
    folded = [s["name"].casefold() for s in sheets]
    if len(set(folded)) != len(folded):
        raise _incomplete("工作表重名")
    book = data["book"]
    name, active = _mended(book.get("name")), book.get("active_sheet_index", 0)
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise _incomplete("工作簿名称")
    if not isinstance(active, int) or isinstance(active, bool) or not 0 <= active < len(sheets):
        raise _incomplete("当前工作表")
    return {"client": client, "version": str(version), "names": [], "sheets": sheets,
            "book": {"name": name, "active_sheet_index": active, "selection": "A1"}}
