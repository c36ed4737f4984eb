"""Bad, broken and hostile sources: a clear Chinese message and exit code 2, never a traceback, nothing written."""

import json
import zipfile

from msoffcrypto.format.ooxml import OOXMLFile
import pytest
from openpyxl import load_workbook

from conftest import FOREIGN, SOURCES, run, write_table
from xltasks.actions.import_table import import_table, read_programme
from xltasks.core.config import parse_config
from xltasks.core.findings import SourceError

DEFAULT = parse_config(None)
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>')


def rewrite_zip(source, target, replace: dict[str, bytes]):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, replace.get(item.filename, zin.read(item.filename)))
        for name in set(replace) - set(zin.namelist()):
            zout.writestr(name, replace[name])
    return target


def encrypted_copy(source, target):
    with open(source, "rb") as f:
        office = OOXMLFile(f)
        with open(target, "wb") as out:
            office.encrypt("secret", out)
    return target


def make_bad(kind, tmp_path):
    xlsx = SOURCES / "yanta-tasks.xlsx"
    if kind == "missing":
        return tmp_path / "不存在.xlsx"
    if kind == "folder":
        return tmp_path
    if kind == "empty":
        (tmp_path / "empty.xlsx").write_bytes(b"")
        return tmp_path / "empty.xlsx"
    if kind == "text-as-xlsx":
        (tmp_path / "notes.xlsx").write_text("这不是表格", encoding="utf-8")
        return tmp_path / "notes.xlsx"
    if kind == "text":
        (tmp_path / "notes.txt").write_text("序号 任务内容 牵头单位", encoding="utf-8")
        return tmp_path / "notes.txt"
    if kind == "truncated":
        data = xlsx.read_bytes()
        (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
        return tmp_path / "cut.xlsx"
    if kind == "zip-not-office":
        with zipfile.ZipFile(tmp_path / "archive.xlsx", "w") as z:
            z.writestr("readme.txt", "hello")
        return tmp_path / "archive.xlsx"
    if kind == "encrypted":
        return encrypted_copy(xlsx, tmp_path / "locked.xlsx")
    if kind == "encrypted-docx":
        return encrypted_copy(SOURCES / "yanta-tasks.docx", tmp_path / "locked.docx")
    if kind == "zip-bomb":
        return rewrite_zip(xlsx, tmp_path / "bomb.xlsx", {"xl/media/zeros.bin": b"\0" * (64 * 2**20)})
    if kind == "xml-entities":
        return rewrite_zip(xlsx, tmp_path / "laughs.xlsx", {"xl/sharedStrings.xml": BILLION_LAUGHS})
    if kind == "docx-entities":
        doc = SOURCES / "yanta-tasks.docx"
        with zipfile.ZipFile(doc) as z:
            body = z.read("word/document.xml")
        body = body.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY e "x">]>', 1)
        return rewrite_zip(doc, tmp_path / "laughs.docx", {"word/document.xml": body})
    if kind == "no-header":
        return write_table(tmp_path / "plain.xlsx", [["姓名", "电话"], ["张三", "123"]])
    if kind == "header-no-tasks":
        return write_table(tmp_path / "blank.xlsx", [["序号", "任务内容", "牵头单位", "完成时限"]])
    raise AssertionError(kind)


BAD = {
    "missing": "source.missing", "folder": "source.not-a-file", "empty": "source.empty",
    "text-as-xlsx": "source.corrupt", "text": "source.unsupported", "truncated": "source.corrupt",
    "zip-not-office": "source.unsupported", "encrypted": "source.encrypted", "encrypted-docx": "source.encrypted",
    "zip-bomb": "source.too-large", "xml-entities": "source.hostile", "docx-entities": "source.hostile",
    "no-header": "source.no-table", "header-no-tasks": "source.no-tasks",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_source_is_a_finding_with_its_code(kind, tmp_path):
    source = make_bad(kind, tmp_path)
    with pytest.raises(SourceError) as raised:
        read_programme(source, DEFAULT)
    found = raised.value.finding
    assert (found.code, found.severity) == (BAD[kind], "error")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in found.message)


@pytest.mark.parametrize("kind", ["encrypted", "truncated", "zip-bomb", "xml-entities", "no-header", "missing"])
def test_cli_exits_2_in_chinese_and_writes_nothing(kind, tmp_path, capsys):
    source = make_bad(kind, tmp_path)
    master = tmp_path / "out" / "master.xlsx"
    master.parent.mkdir()
    code, out, err = run(["import", str(source), "-o", str(master)], capsys)
    assert code == 2
    assert "无法执行" in err and "Traceback" not in err + out
    assert not master.exists() and list(master.parent.iterdir()) == []
    code, out, err = run(["import", str(source), "-o", str(master), "--json"], capsys)
    assert code == 2 and json.loads(out)["error"]["code"] == BAD[kind]


@pytest.mark.parametrize("name", sorted(p.name for p in FOREIGN.iterdir() if p.suffix != ".md"))
def test_foreign_workbooks_are_met_gracefully(name, tmp_path, capsys):
    """Real files from other projects are no task tables: exit 2 with a Chinese reason, nothing written."""
    master = tmp_path / "master.xlsx"
    code, out, err = run(["import", str(FOREIGN / name), "-o", str(master), "--json"], capsys)
    assert code == 2, out
    error = json.loads(out)["error"]
    assert error["code"] in {"source.no-table", "source.no-tasks", "source.corrupt", "source.unsupported"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert not master.exists()


def test_long_cells_control_characters_and_formula_text_survive_as_text(tmp_path):
    long_text = "长" * 32_767
    source = write_table(tmp_path / "t.xlsx", [
        ["序号", "任务内容", "牵头单位", "配合单位", "完成时限"],
        [1, long_text, "市民政局", None, "2022年"],
        [2, "CONTROL", "市财政局", None, "2022年"],
        [3, "=HYPERLINK(\"http://x\",\"点我\")", "市卫健委", "@SUM(A1)", "2022年"],
    ])
    # openpyxl will not write a control character, so put one in as Excel escapes it in the XML (_x0001_).
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"CONTROL" in sheet
    source = rewrite_zip(source, tmp_path / "t2.xlsx", {
        "xl/worksheets/sheet1.xml": sheet.replace(b"CONTROL", b"A_x0001_B")})
    master = tmp_path / "master.xlsx"
    result = import_table(source, master, DEFAULT)
    assert len(result.programme.tasks) == 3
    ws = load_workbook(master)["任务清单"]
    assert len(ws["F3"].value) == 32_767
    assert ws["F4"].value in ("AB", "A_x0001_B")  # the control character never reaches the file
    assert ws["F5"].data_type == "s" and ws["F5"].value.startswith("=HYPERLINK")
    assert ws["H5"].data_type == "s" and ws["H5"].value == "@SUM(A1)"


def test_xls_source_written_by_another_program_is_read(tmp_path):
    """.xls files read through calamine; a merged-cells .xls with no task header is refused cleanly."""
    with pytest.raises(SourceError) as raised:
        read_programme(FOREIGN / "frictionless--data_merged-cells.xls", DEFAULT)
    assert raised.value.finding.code == "source.no-table"
