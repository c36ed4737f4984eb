"""vbaProject.bin from VBA source text (MS-OVBA): compressed module source, the dir and PROJECT streams, no p-code.

A project written this way carries no compiled state: _VBA_PROJECT is the 7-byte header whose Version 0xFFFF tells
Office to ignore every performance cache, and each module stream is its compressed source at offset 0. MS-OVBA
requires exactly this of a writer ("MUST be 0xFFFF on write", "PerformanceCache MUST NOT be present on write"), and
it is the shape of the add-in xlwings ships (its Main module is written by Aspose, without Excel), so Excel compiles
the modules from source when it first runs one of them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from xltasks.excel.cfb import compound_file

CODEPAGE = 936  # GBK: the Chinese Windows code page, in which the VBA editor shows and the modules store their text
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
DOCUMENT_BASES = {"ThisWorkbook": "0{00020819-0000-0000-C000-000000000046}",  # Excel's Workbook and Worksheet
                  "Sheet1": "0{00020820-0000-0000-C000-000000000046}"}
VISIBLE = b"\xff"  # the project's visibility state: shown in the VBA editor
DOCUMENT_ATTRIBUTES = ("VB_GlobalNameSpace = False", "VB_Creatable = False", "VB_PredeclaredId = True",
                       "VB_Exposed = True", "VB_TemplateDerived = False", "VB_Customizable = True")


@dataclass(frozen=True)
class Reference:
    """A reference of the project to a registered type library. No project references: one to another add-in
    goes MISSING when that add-in is not where it points, and then no module of the project compiles."""

    name: str
    libid: str


def document_source(name: str) -> str:
    """The attribute block Excel stores for the workbook's and a sheet's (empty) code module."""
    return (f'Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "{DOCUMENT_BASES[name]}"\r\n'
            + "".join(f"Attribute {a}\r\n" for a in DOCUMENT_ATTRIBUTES))


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 compression: a container of 4096-byte chunks of literals and copy tokens."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        body = _compress_chunk(chunk)
        if len(body) > 4096:  # incompressible: a raw chunk holds exactly 4096 bytes
            if len(chunk) < 4096:
                raise ValueError("an incompressible last chunk cannot be stored raw without padding")
            out += struct.pack("<H", 0x3000 | 4095) + chunk
        else:
            out += struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out, pos, seen = bytearray(), 0, {}  # seen: 3-byte prefix -> positions, to find the spec's candidates quickly
    while pos < len(chunk):
        flag_at, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos, seen)
            if length:
                bit_count = max((pos - 1).bit_length(), 4)  # ceil(log2(pos)) for pos >= 1
                out += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
                length = 1
            for p in range(pos, pos + length):
                seen.setdefault(chunk[p:p + 3], []).append(p)
            pos += length
        out[flag_at] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, seen: dict) -> tuple[int, int]:
    """The farthest of the longest earlier matches: what Aspose.Cells writes (the xlwings add-in's Main module is
    byte-equal to this compression of its text); the spec's scan keeps the nearest, and either decompresses alike."""
    best, best_at = 0, 0
    for candidate in reversed(seen.get(chunk[pos:pos + 3], ())):
        length = 0
        while pos + length < len(chunk) and chunk[candidate + length] == chunk[pos + length]:
            length += 1
        if length >= best:
            best, best_at = length, candidate
    if best < 3:
        return 0, 0
    maximum = (0xFFFF >> max((pos - 1).bit_length(), 4)) + 3
    return pos - best_at, min(best, maximum)


def encrypt(project_id: str, data: bytes, seed: int) -> str:
    """MS-OVBA 2.4.3.2 data encryption (the CMG, DPB and GC values of the PROJECT stream), as hex."""
    key = sum(project_id.encode("ascii")) & 0xFF
    version_enc, key_enc = seed ^ 2, seed ^ key
    out = [seed, version_enc, key_enc]
    unencrypted, enc1, enc2 = key, key_enc, version_enc
    for byte in bytes((seed & 6) // 2) + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((enc2 + unencrypted) & 0xFF)
        out.append(byte_enc)
        enc2, enc1, unencrypted = enc1, byte_enc, byte
    return bytes(out).hex().upper()


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text(record_id: int, unicode_id: int, text: str) -> bytes:
    return _record(record_id, text.encode(f"cp{CODEPAGE}")) + _record(unicode_id, text.encode("utf-16-le"))


def _sized(text: str) -> bytes:
    raw = text.encode(f"cp{CODEPAGE}")
    return struct.pack("<I", len(raw)) + raw


def _dir_stream(name: str, references: list[Reference], modules: list[tuple[str, bool]]) -> bytes:
    out = (_record(0x01, struct.pack("<I", 3)) + _record(0x02, struct.pack("<I", 0x409))  # 64-bit Windows; LCIDs
           + _record(0x14, struct.pack("<I", 0x409)) + _record(0x03, struct.pack("<H", CODEPAGE))
           + _record(0x04, name.encode("ascii")) + _text(0x05, 0x40, "") + _text(0x06, 0x3D, "")
           + _record(0x07, struct.pack("<I", 0)) + _record(0x08, struct.pack("<I", 0))
           + struct.pack("<HIIH", 0x09, 4, 1, 0) + _text(0x0C, 0x3C, ""))
    for ref in references:
        out += _text(0x16, 0x3E, ref.name)
        out += _record(0x0D, _sized(ref.libid) + struct.pack("<IH", 0, 0))
    out += _record(0x0F, struct.pack("<H", len(modules))) + _record(0x13, struct.pack("<H", 0xFFFF))
    for module, is_document in modules:
        out += (_text(0x19, 0x47, module) + _text(0x1A, 0x32, module) + _text(0x1C, 0x48, "")
                + _record(0x31, struct.pack("<I", 0)) + _record(0x1E, struct.pack("<I", 0))
                + _record(0x2C, struct.pack("<H", 0xFFFF)) + _record(0x22 if is_document else 0x21, b"")
                + _record(0x2B, b""))
    return out + _record(0x10, b"")


def _project_stream(name: str, project_id: str, modules: list[tuple[str, bool]]) -> bytes:
    lines = [f'ID="{project_id}"']
    lines += [f"Document={m}/&H00000000" if doc else f"Module={m}" for m, doc in modules]
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt(project_id, bytes(4), 0x1D)}"',  # not protected
              f'DPB="{encrypt(project_id, bytes(1), 0x2B)}"',  # no password
              f'GC="{encrypt(project_id, VISIBLE, 0x37)}"',
              "", "[Host Extender Info]", HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{m}=0, 0, 0, 0, C" for m, _ in modules]
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{CODEPAGE}")


def _projectwm_stream(modules: list[tuple[str, bool]]) -> bytes:
    return b"".join(m.encode(f"cp{CODEPAGE}") + b"\0" + m.encode("utf-16-le") + b"\0\0" for m, _ in modules) + b"\0\0"


def vba_project(name: str, project_id: str, sources: dict[str, str], references: list[Reference]) -> bytes:
    """vbaProject.bin for these standard modules (name -> source with its Attribute line), beside the workbook's
    ThisWorkbook and Sheet1 document modules."""
    texts = {doc: document_source(doc) for doc in DOCUMENT_BASES} | sources
    modules = [(m, m in DOCUMENT_BASES) for m in texts]
    streams = {f"VBA/{m}": compress(text.encode(f"cp{CODEPAGE}")) for m, text in texts.items()}
    streams |= {"VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00",  # Version 0xFFFF: compile from source
                "VBA/dir": compress(_dir_stream(name, references, modules)),
                "PROJECT": _project_stream(name, project_id, modules), "PROJECTwm": _projectwm_stream(modules)}
    return compound_file(streams)
