"""How a press's body is read (xltasks/excel/payload.py): VBA-JSON's quirks, and every field the engine reads
checked before xlwings sees it."""

from __future__ import annotations

import json

import pytest

from xltasks.excel.payload import SPILL, BadBody, parse_body

VERSION = "0.37.8"


def body(cells: str, client: str = "VBA", **book) -> bytes:
    book = {"name": "r.xlsx", "active_sheet_index": 0, **book}
    return (f'{{"client":"{client}","version":"{VERSION}","book":{json.dumps(book)},'
            f'"sheets":[{{"name":"填报表","values":[[{cells}]]}}]}}').encode()


def cells(raw: bytes) -> list:
    return parse_body(raw, VERSION)["sheets"][0]["values"][0]


def test_vba_bare_texts_come_back_as_the_texts_they_were():
    # VBA-JSON writes a text of 16-100 digits, dots or E's without quotes; numbers it writes with CStr (at most
    # 15 significant digits, an exponent always signed)
    sent = ("1234567890123456789, ................, 0012345678901234567, 1.2.3.4.5.6.7.8.9, 12345678901234567.5, "
            "1E5555555555555555, 0.333333333333333, 1234567.89012345, 1.5E+20, -1234567890123456.5, 42")
    assert cells(body(sent)) == ["1234567890123456789", "................", "0012345678901234567",
                                 "1.2.3.4.5.6.7.8.9", "12345678901234567.5", "1E5555555555555555",
                                 0.333333333333333, 1234567.89012345, 1.5e20, -1234567890123456.5, 42]


def test_office_js_numbers_stay_numbers():
    # JavaScript writes up to 17 significant digits and never a text bare
    assert cells(body("0.30000000000000004, 12345678901234567, 1e400", client="Office.js")) == \
        [0.30000000000000004, 12345678901234567, "1e400"]


def test_what_no_cell_holds_is_text_not_a_crash():
    assert cells(body("9" * 5000 + ", NaN, -Infinity", client="Office.js")) == ["9" * 5000, "NaN", "-Infinity"]
    assert cells(body("9" * 5000 + ", -" + "9" * 5000)) == ["9" * 5000, "-" + "9" * 5000]


@pytest.mark.parametrize("sent", ["1,,3", "1,2,", ",1", "1, ,2"])
def test_a_vba_hole_is_named_as_a_new_error_value(sent):
    with pytest.raises(BadBody) as refused:
        parse_body(body(sent), VERSION)
    assert str(refused.value) == SPILL


def test_a_body_that_was_quadratic_is_refused_as_no_json():
    with pytest.raises(BadBody, match="JSON"):
        parse_body(b'{"values":[' * 200_000, VERSION)  # 2.2 MB: hours for the old regex, linear here
    with pytest.raises(BadBody, match="JSON"):
        parse_body(b"[" * 100_000 + b"]" * 100_000, VERSION)
    with pytest.raises(BadBody, match="JSON"):
        parse_body("填报".encode("gbk"), VERSION)


@pytest.mark.parametrize("change, words", [
    (lambda d: d["book"].pop("name"), "工作簿名称"),
    (lambda d: d["book"].update(name=""), "工作簿名称"),
    (lambda d: d["book"].update(active_sheet_index=1), "当前工作表"),
    (lambda d: d["book"].update(active_sheet_index=True), "当前工作表"),
    (lambda d: d["sheets"][0].update(name=""), "名称"),
    (lambda d: d["sheets"][0].update(name="a/b"), "名称"),
    (lambda d: d["sheets"][0].update(name="长" * 32), "名称"),
    (lambda d: d["sheets"].append(dict(d["sheets"][0])), "重名"),
    (lambda d: d["sheets"][0]["values"].append([1, 2, 3]), "单元格"),
    (lambda d: d["sheets"][0].update(values=[[{"a": 1}]]), "单元格"),
    (lambda d: d["sheets"][0].update(values="x"), "单元格"),
    (lambda d: d.update(sheets=[]), "没有工作表"),
    (lambda d: d.update(client="Google Apps Script"), "客户端"),
    (lambda d: d.update(version="0.0.1"), "版本"),
    (lambda d: d.pop("book"), "缺少"),
])
def test_every_field_the_engine_reads_is_checked_first(change, words):
    data = json.loads(body("1"))
    change(data)
    with pytest.raises(BadBody) as refused:
        parse_body(json.dumps(data).encode(), VERSION)
    assert words in str(refused.value)


def test_the_book_is_rebuilt_with_the_fields_the_buttons_use():
    data = json.loads(body('"a", null, true'))
    data["names"] = [{"oops": 1}]  # a field xlwings would read and crash on
    data["sheets"][0]["pictures"] = [{"bad": True}]
    book = parse_body(json.dumps(data).encode(), VERSION)
    assert book["names"] == [] and book["sheets"][0]["pictures"] == [] and book["book"]["selection"] == "A1"
    assert book["sheets"][0]["values"] == [["a", None, True]]


def test_an_unterminated_string_of_escaped_quotes_is_refused_in_one_pass():
    # the first fix-up pass restarted at every quote of such a body: 195 KB held a worker for 120 s
    with pytest.raises(BadBody, match="JSON"):
        parse_body(b'"' + b'\\"' * 2_000_000, VERSION)
    with pytest.raises(BadBody, match="JSON"):
        parse_body(b'"' * 4_000_000, VERSION)


def test_half_an_emoji_becomes_a_replacement_character():
    # Excel's =LEFT("😀",1) holds one UTF-16 half, which VBA-JSON sends as \ud83d: no file can hold it
    raw = body(r'"x\ud83d", "\ud83d\ude00", "\\ud800"').replace(b'"r.xlsx"', rb'"r\ud83d.xlsx"')
    book = parse_body(raw, VERSION)
    assert book["sheets"][0]["values"] == [["x\ufffd", "😀", "\\ud800"]] and book["book"]["name"] == "r\ufffd.xlsx"
    with pytest.raises(BadBody, match="JSON"):  # the same half as raw bytes (CESU-8) is no UTF-8 at all
        parse_body(body('"@"').replace(b"@", b"\xed\xa0\x80"), VERSION)
