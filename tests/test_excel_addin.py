"""xltasks excel addin: the .xlam carries macros/ as they are; its VBA reads back (olevba, LibreOffice) as our text."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
from hypothesis import given, settings, strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from conftest import ROOT, convert, run_cli
from xltasks.excel.cfb import compound_file
from xltasks.excel.vba_project import compress, encrypt

MACROS = ROOT / "macros"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
UI = "{http://schemas.microsoft.com/office/2009/07/customui}"
URL = "http://192.168.1.10:8000"
URL_LINE = 'Private Const DEFAULT_URL As String = ""'
# Found, not imported: xlwings imported before xlwings_harness.py sets its licence key keeps the remote engine off.
XLWINGS = Path(importlib.util.find_spec("xlwings").origin).parent


def build(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "xltasks.xlam"
    done = run_cli("excel", "addin", "-o", str(out), *args)
    assert done.returncode == 0 and "加载项已生成" in done.stdout, done.stderr
    return out


def bas(name: str) -> str:
    return (MACROS / name).read_bytes().decode("gbk")


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path), data=path.read_bytes())
    return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}


def content_type(package: zipfile.ZipFile, part: str) -> str:
    types = ET.fromstring(package.read("[Content_Types].xml"))
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{TYPES}Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{TYPES}Default")}
    return overrides.get("/" + part) or defaults[part.rsplit(".", 1)[1]]


def subs(source: str) -> list[str]:
    return re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\r?$", source, re.M)


def test_the_addin_carries_the_ribbon_and_the_runpython_module(tmp_path):
    out = build(tmp_path)
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None
        ribbon = package.read("customUI/customUI14.xml")
        assert ribbon == (MACROS / "customUI14.xml").read_bytes()
        rels = [(r.get("Type"), r.get("Target")) for r in ET.fromstring(package.read("_rels/.rels")).iter(RELS)]
        assert ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
                "customUI/customUI14.xml") in rels
        assert content_type(package, "customUI/customUI14.xml") == "application/xml"
        assert content_type(package, "xl/workbook.xml") == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        assert content_type(package, "xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject"
        book_rels = ET.fromstring(package.read("xl/_rels/workbook.xml.rels")).iter(RELS)
        assert ("http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin") in [
            (r.get("Type"), r.get("Target")) for r in book_rels]
    modules = vba_modules(out)
    assert sorted(modules) == ["Sheet1", "ThisWorkbook", "XltasksButtons"]
    source = modules["XltasksButtons"]
    assert source == bas("XltasksButtons.bas")  # the module text as stored, its Attribute VB_Name line included

    actions = [b.get("onAction") for b in ET.fromstring(ribbon).iter(f"{UI}button")]
    assert len(actions) == 7 and subs(source) == actions
    from xltasks.excel import buttons

    targets = re.findall(r'^    Python "import xltasks\.excel\.buttons as b; b\.(\w+)\(\)"\r?$', source, re.M)
    assert len(targets) == len(actions)
    assert [t for t in targets if not callable(getattr(buttons, t, None))] == []


def test_remote_addin_carries_the_server_module_with_its_address(tmp_path):
    out = build(tmp_path, "--remote", URL + "/")
    source = vba_modules(out)["XltasksRemote"]
    expected = bas("XltasksRemote.bas")
    assert expected.count(URL_LINE) == 1
    assert source == expected.replace(URL_LINE, f'Private Const DEFAULT_URL As String = "{URL}"')
    ribbon = ET.fromstring((MACROS / "customUI14.xml").read_bytes())
    assert subs(source) == [b.get("onAction") for b in ribbon.iter(f"{UI}button")]
    from xltasks.excel.server import SCRIPTS

    scripts = re.findall(r'^    (?:If SavedFirst\(\) Then )?Server "(\w+)"', source, re.M)
    assert len(scripts) == 7 and [s for s in scripts if s not in SCRIPTS] == []


def dir_records(vba: bytes) -> list[tuple[int, bytes]]:
    """The records of a project's dir stream (MS-OVBA 2.3.4.2), read with olefile and olevba's decompression."""
    ole = olefile.OleFileIO(io.BytesIO(vba))
    data = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    records, at = [], 0
    while at < len(data):
        record_id, size = struct.unpack_from("<HI", data, at)
        size = 6 if record_id == 0x09 else size  # PROJECTVERSION: its size field says 4, its data is 6 bytes
        records.append((record_id, data[at + 6:at + 6 + size]))
        at += 6 + size
    return records


def references(vba: bytes) -> list[tuple[str, int, str]]:
    """(name, kind: 0x0D registered library, 0x0E project, 0x2F control, libid) of each reference."""
    out, name = [], ""
    for record_id, data in dir_records(vba):
        if record_id == 0x16:
            name = data.decode("cp936", "replace")
        elif record_id in (0x0D, 0x0E, 0x2F):
            size = struct.unpack_from("<I", data)[0]
            out.append((name, record_id, data[4:4 + size].decode("cp936", "replace")))
    return out


def test_the_project_references_no_xlwings_project(tmp_path):
    """A project reference to xlwings.xlam goes MISSING when that add-in is not where the record points, and Excel
    then compiles no button at all: xlwings is called by name instead, and only Office's libraries stay."""
    quickstart = zipfile.ZipFile(XLWINGS / "quickstart.xlsm").read("xl/vbaProject.bin")
    assert any(kind == 0x0E and "xlwings" in libid.lower() for _, kind, libid in references(quickstart))  # found
    for args in ([], ["--remote", URL], ["--clerk"], ["--remote", URL, "--clerk"]):
        vba = zipfile.ZipFile(build(tmp_path, *args)).read("xl/vbaProject.bin")
        refs = references(vba)
        assert [(name, kind) for name, kind, _ in refs] == [("stdole", 0x0D), ("Office", 0x0D)], args
        assert refs[1][2].startswith("*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}")  # IRibbonControl's library
        raw = bytes(decompress_stream(bytearray(olefile.OleFileIO(io.BytesIO(vba)).openstream("VBA/dir").read())))
        assert b"xlwings" not in raw.lower() and "xlwings".encode("utf-16-le") not in raw.lower(), args


def test_a_clerk_addin_holds_the_fill_group_alone(tmp_path):
    """A clerk's PC gets no coordinator button, so it never needs the coordinator token (AUTH holds the clerk's)."""
    full = ET.fromstring((MACROS / "customUI14.xml").read_bytes())
    fill = [b.get("onAction") for g in full.iter(f"{UI}group") if g.get("label") == "填报" for b in g.iter(f"{UI}button")]
    for args, module in (([], "XltasksButtons"), (["--remote", URL], "XltasksRemote")):
        out = build(tmp_path, *args, "--clerk")
        with zipfile.ZipFile(out) as package:
            ribbon = package.read("customUI/customUI14.xml")
            assert "仅填报" in package.read("docProps/core.xml").decode("utf-8")
        groups = [g.get("label") for g in ET.fromstring(ribbon).iter(f"{UI}group")]
        actions = [b.get("onAction") for b in ET.fromstring(ribbon).iter(f"{UI}button")]
        assert groups == ["填报"] and actions == fill == ["ValidateReturn", "ClearMarks", "ExportReturn"]
        source = vba_modules(out)[module]
        assert subs(source) == fill
        assert not re.search(r"split_round|validate_folder|merge_folder|refresh_stats|xl_split|xl_merge", source)
        assert set(vba_modules(out)) == {"Sheet1", "ThisWorkbook", module}
        whole = bas(f"{module}.bas").replace(URL_LINE, f'Private Const DEFAULT_URL As String = "{URL}"')
        kept = source.splitlines()
        assert all(line in whole.splitlines() for line in kept)  # nothing but whole subs taken out
    assert 'Setting("AUTH")' in source  # the remote module still sends the AUTH setting: the clerk token there
    assert build(tmp_path).read_bytes() != build(tmp_path, "--clerk").read_bytes()


def test_libreoffice_reads_the_vba_project_as_our_text(tmp_path, soffice):
    """An independent reader of the compound file and of MS-OVBA: LibreOffice imports the modules as Basic.
    (It opens no .xlam, so the copy says "macro-enabled workbook" in its content types; nothing else changes.)"""
    out = build(tmp_path, "--remote", URL)
    copy = tmp_path / "copy.xlsm"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(copy, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"excel.addin.macroEnabled", b"excel.sheet.macroEnabled")
            dst.writestr(name, data)
    with zipfile.ZipFile(convert(soffice, copy, "ods", tmp_path / "lo")) as ods:
        module = ET.fromstring(ods.read("Basic/xltasks/XltasksRemote.xml")).text
    expected = bas("XltasksRemote.bas").replace(URL_LINE, f'Private Const DEFAULT_URL As String = "{URL}"')
    body = [line for line in expected.rstrip().splitlines() if not line.startswith("Attribute ")]
    assert module.rstrip().splitlines() == ["Rem Attribute VBA_ModuleType=VBAModule", "Option VBASupport 1"] + body


def test_the_same_sources_build_the_same_file(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    assert build(tmp_path / "a").read_bytes() == build(tmp_path / "b").read_bytes()


def test_bad_output_or_address_exits_2_in_chinese(tmp_path):
    (tmp_path / "a-file").write_text("x")
    for args, words in [([], "缺少选项 -o/--output"),
                        (["-o", str(tmp_path / "a-file" / "x.xlam")], "不是已有的文件夹"),
                        (["-o", str(tmp_path / "missing" / "x.xlam")], "不是已有的文件夹"),
                        (["-o", str(tmp_path / "x.xlsm")], ".xlam"),
                        (["-o", str(tmp_path)], "是文件夹"),
                        (["-o", "/proc/xltasks.xlam"], "无法写入"),  # even root cannot create a file there
                        (["-o", str(tmp_path / "x.xlam"), "--remote", "192.168.1.10:8000"], "服务器地址"),
                        (["-o", str(tmp_path / "x.xlam"), "--remote", URL + '/"'], "服务器地址"),
                        (["-o", str(tmp_path / "x.xlam"), "--remote", "http://h:8000/?a=1#x"], "服务器地址"),
                        (["-o", str(tmp_path / "x.xlam"), "--remote", "http://ñandú:8000"], "服务器地址"),
                        (["-o", str(tmp_path / "x.xlam"), "--remote", "http://h/" + "a" * 1100], "服务器地址")]:
        done = run_cli("excel", "addin", *args)
        message = done.stderr.replace("\n", "")  # rich wraps at 80 columns
        assert done.returncode == 2 and words in message and "Traceback" not in message, (args, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing half-written left behind


def test_compression_is_byte_equal_to_the_xlwings_addins_main_module():
    """xlwings' add-in, which Excel loads for every xlwings user, stores its Main module as source only."""
    vba = zipfile.ZipFile(XLWINGS / "addin" / "xlwings.xlam").read("xl/vbaProject.bin")
    stored = olefile.OleFileIO(io.BytesIO(vba)).openstream("VBA/Main").read()
    assert compress(bytes(decompress_stream(bytearray(stored)))) == stored


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=9000) | st.binary(max_size=3000))
def test_compression_round_trips_through_olevba(data):
    data = data.encode("ascii") if isinstance(data, str) else data
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


def test_incompressible_full_chunks_are_stored_raw():
    data = os.urandom(8192) + b"End Sub\r\n" * 10
    packed = compress(data)
    assert struct.unpack_from("<H", packed, 1)[0] == 0x3FFF  # a raw chunk: flag 0, signature 3, 4098 bytes
    assert bytes(decompress_stream(bytearray(packed))) == data


def decrypt(value: str) -> tuple[int, bytes]:
    """MS-OVBA 2.4.3.3, to read what encrypt wrote: (the project key, the data)."""
    raw = bytes.fromhex(value)
    seed, version_enc, key_enc = raw[:3]
    assert seed ^ version_enc == 2
    unencrypted, enc1, enc2, out = seed ^ key_enc, key_enc, version_enc, []
    for byte in raw[3:]:
        out.append(byte ^ ((enc2 + unencrypted) & 0xFF))
        enc2, enc1, unencrypted = enc1, byte, out[-1]
    out = bytes(out[(seed & 6) // 2:])
    assert struct.unpack_from("<I", out)[0] == len(out) - 4
    return seed ^ key_enc, out[4:]


def test_project_protection_fields_decrypt_to_unprotected_and_visible(tmp_path):
    vba = zipfile.ZipFile(build(tmp_path)).read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(vba), raise_defects=olefile.DEFECT_INCORRECT)  # strict
    project = ole.openstream("PROJECT").read().decode("cp936")
    fields = dict(re.findall(r'^(\w+)="([^"]*)"\r$', project, re.M))
    key = sum(fields["ID"].encode()) & 0xFF
    assert [decrypt(fields[f]) for f in ("CMG", "DPB", "GC")] == [(key, bytes(4)), (key, b"\0"), (key, b"\xff")]
    quickstart = zipfile.ZipFile(XLWINGS / "quickstart_addin.xlam").read("xl/vbaProject.bin")
    theirs = olefile.OleFileIO(io.BytesIO(quickstart)).openstream("PROJECT").read().decode("cp1252")
    assert decrypt(re.search(r'GC="(\w+)"', theirs)[1])[1] == b"\xff"  # decrypt itself reads what Excel wrote
    assert all(decrypt(encrypt(fields["ID"], data, seed)) == (key, data)
               for seed in range(256) for data in (b"", b"ab"))


def test_compound_file_reads_back_strictly_with_small_and_large_streams():
    streams = {"VBA/dir": b"d" * 600, "VBA/big": os.urandom(10_000), "PROJECT": b"p" * 4095, "PROJECTwm": b"",
               **{f"VBA/M{i:02}": os.urandom(i * 97) for i in range(1, 30)}}
    ole = olefile.OleFileIO(io.BytesIO(compound_file(streams)), raise_defects=olefile.DEFECT_INCORRECT)
    assert {"/".join(e): ole.openstream("/".join(e)).read() for e in ole.listdir()} == streams
    for sid in range(len(ole.direntries)):  # each storage's children form a valid red-black tree
        entry = ole.direntries[sid]
        if entry is not None and entry.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            black_heights(ole, entry.sid_child)


def black_heights(ole, sid: int, parent_red: bool = False) -> int:
    if sid == olefile.NOSTREAM:
        return 1
    entry = ole.direntries[sid]
    red = entry.color == 0  # MS-CFB: 0 red, 1 black
    assert not (red and parent_red)
    left, right = black_heights(ole, entry.sid_left, red), black_heights(ole, entry.sid_right, red)
    assert left == right
    return left + (not red)
