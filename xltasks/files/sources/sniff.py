"""Look at a file before any library parses it: kind by its first bytes, encryption, zip bombs, XML entities."""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from xltasks.core.findings import Finding, SourceError, finding

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # a real workbook or document is far below this
MAX_RATIO = 200  # XML deflates 10-30x; a member that claims more than this is a bomb
MAX_MEMBERS = 20_000
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods"}
DOCUMENT_SUFFIXES = {".docx", ".docm"}


def _zip_kind(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names and "mimetype" in names and b"spreadsheet" in zf.read("mimetype")[:100]:
        return "ods"
    return ""


HEAD_BYTES = 64 * 1024  # a DOCTYPE must come before the root element; real parts reach it within a few bytes
_ELEMENT = re.compile(rb"<[A-Za-z]")


def _head(fp: BinaryIO, zf: zipfile.ZipFile, member: zipfile.ZipInfo, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a member, inflated straight from its local header: a workbook has a dozen XML parts,
    and zipfile's per-member open costs more than the check itself. Anything unusual goes through zipfile."""
    if member.flag_bits & 0x1:
        raise RuntimeError("encrypted member")
    if member.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        fp.seek(member.header_offset)
        local = fp.read(30)
        if local[:4] == b"PK\x03\x04":
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            fp.seek(member.header_offset + 30 + name_len + extra_len)
            raw = fp.read(min(member.compress_size, 4 * size))
            if member.compress_type == zipfile.ZIP_STORED:
                return raw[:size]
            return zlib.decompressobj(-15).decompress(raw, size)
    with zf.open(member) as stream:
        return stream.read(size)


def _check_zip(fp: BinaryIO, zf: zipfile.ZipFile, path: str) -> None:
    """Refuse zip bombs and XML with a DOCTYPE (entity expansion) before any parser sees them."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise SourceError(finding("source.too-large", path=path, detail=f"含{len(members)}个部件"))
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise SourceError(finding("source.too-large", path=path, detail=f"约{total // 2**20} MB"))
    for member in members:
        if member.file_size > 10 * 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise SourceError(finding("source.too-large", path=path, detail=f"部件{member.filename}压缩比异常"))
        if member.filename.endswith((".xml", ".rels")):
            head = _head(fp, zf, member, 4096)
            if not _ELEMENT.search(head) and member.file_size > len(head):
                head = _head(fp, zf, member)  # a long prologue: look further, up to HEAD_BYTES
            root = _ELEMENT.search(head)
            if root is None and member.file_size > len(head):
                raise SourceError(finding("source.hostile", path=path, detail=f"{member.filename}开头异常"))
            head = head[:root.start()] if root else head
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise SourceError(finding("source.hostile", path=path, detail=f"{member.filename}中有DOCTYPE/ENTITY声明"))


_SPECIAL = ((stat.S_ISFIFO, "命名管道"), (stat.S_ISSOCK, "套接字"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"))


def is_link(path: Path) -> bool:
    """A symbolic link, or a Windows junction (Python 3.12+ can tell those apart; 3.11 takes them for folders)."""
    junction = getattr(os.path, "isjunction", None)
    return path.is_symlink() or bool(junction and junction(path))


def leads_out(path: Path, within: tuple[Path, ...]) -> bool:
    """Whether `path` is a link whose target (followed to the end) lies outside every folder of `within`
    (resolved folders)."""
    if not is_link(path):
        return False
    target = Path(os.path.realpath(path))
    return not any(target == root or target.is_relative_to(root) for root in within)


def entry_refusal(path: Path, within: tuple[Path, ...] | None = None) -> Finding | None:
    """Why `path` must not be opened, told from its directory entry alone (stat, never open: opening a named pipe
    waits for a writer forever): a link found in the folders `within` that leads out of them, anything but a
    regular file or a folder, more than MAX_FILE_BYTES. None if it may be opened (a missing file or a folder is
    for the reader to report); `within` is None for a file named directly, which may live anywhere."""
    shown = str(path)
    try:
        if within is not None and leads_out(path, within):
            return finding("source.outside-link", path=shown, detail=os.path.realpath(path))
        entry = path.stat()
    except OSError:  # gone, a dangling link, a loop of links
        return None
    for test, kind in _SPECIAL:
        if test(entry.st_mode):
            return finding("source.special-file", path=shown, detail=kind)
    if stat.S_ISREG(entry.st_mode) and entry.st_size > MAX_FILE_BYTES:
        return finding("source.too-large", path=shown, detail=f"{entry.st_size // 2**20} MB")
    return None


def sniff(path: Path, inspect: Callable[[zipfile.ZipFile], None] | None = None) -> str:
    """The kind of a source file ("xlsx", "xls", "xlsb", "ods", "docx"); raises SourceError with the reason if unusable.
    `inspect`, when given, sees a zip that passed the checks while it is still open (one open per file)."""
    shown = str(path)
    refused = entry_refusal(path)
    if refused:
        raise SourceError(refused)
    if not path.exists():
        raise SourceError(finding("source.missing", path=shown))
    if not path.is_file():
        raise SourceError(finding("source.not-a-file", path=shown))
    size = path.stat().st_size
    if size == 0:
        raise SourceError(finding("source.empty", path=shown))
    with path.open("rb") as f:
        head = f.read(8)
        if head == OLE_MAGIC:
            f.seek(0)
            if _ENCRYPTED_STREAM in f.read(min(size, 4 * 2**20)):
                raise SourceError(finding("source.encrypted", path=shown))
            return "xls"
    if head.startswith(ZIP_MAGIC):
        try:
            with path.open("rb") as fp, zipfile.ZipFile(fp) as zf:
                kind = _zip_kind(zf)
                if not kind:
                    raise SourceError(finding("source.unsupported", path=shown))
                _check_zip(fp, zf, shown)
                if inspect is not None:
                    inspect(zf)
                return kind
        except RuntimeError as exc:  # zipfile: a member encrypted with a zip password
            raise SourceError(finding("source.encrypted", path=shown)) from exc
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, KeyError, ValueError,
                NotImplementedError) as exc:  # NotImplementedError: a compression method (Deflate64) zipfile lacks
            raise SourceError(finding("source.corrupt", path=shown, detail="文件结构不完整，可能下载或复制时中断")) from exc
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES | DOCUMENT_SUFFIXES:
        raise SourceError(finding("source.corrupt", path=shown, detail=f"扩展名是{suffix}，但内容不是该格式"))
    raise SourceError(finding("source.unsupported", path=shown))


MAX_SHEET_CELLS = 5_000_000
MAX_COLUMNS = 16_384
MAX_BOOK_CELLS = 20_000_000
_ROW_TAG = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"')
# A cell with content (a value, inline text or a formula); empty styled cells (LibreOffice writes a million of
# them) do not count: calamine sizes its grid by the cells that hold something.
_FILLED_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>/]*>\s*<(?:v|is|f)\b')
_WIDE_REF = re.compile(rb'\br="([A-Z]{2,3})[0-9]+"')  # any cell past column Z, filled or not


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_extent(xml: bytes, sheet: str, path: str) -> int:
    """Refuse a sheet whose last cell lies far out (XFD1048576): calamine builds the whole grid from A1, so one
    such cell would ask for hundreds of gigabytes. Read from the sheet's XML before calamine sees it. Returns the
    cells calamine may allocate (an upper bound), for a budget over the whole workbook."""
    last_row = max((int(r) for r in _ROW_TAG.findall(xml)), default=0)
    quick = last_row * max((_column_number(letters) for letters in _WIDE_REF.findall(xml)), default=26)
    if quick <= MAX_SHEET_CELLS:
        return quick  # the widest cell of any kind keeps it small (most sheets end before column AA)
    rows = cols = 0
    for letters, row in _FILLED_CELL.findall(xml):
        rows, cols = max(rows, int(row)), max(cols, _column_number(letters))
    if rows * max(cols, 1) > MAX_SHEET_CELLS:
        raise SourceError(finding("source.too-large", path=path,
                                  detail=f"工作表“{sheet}”的范围异常（{rows}行×{cols}列）"))
    return rows * max(cols, 1)


class ExtentBudget:
    """check_extent over a workbook's sheets, and a limit on their sum: thirty sheets that each stay just under
    the limit would still fill the memory."""

    def __init__(self, path: str):
        self.path, self.cells = path, 0

    def check(self, xml: bytes, sheet: str) -> None:
        self.cells += check_extent(xml, sheet, self.path)
        if self.cells > MAX_BOOK_CELLS:
            raise SourceError(finding("source.too-large", path=self.path,
                                      detail=f"各工作表合计范围异常（超过{MAX_BOOK_CELLS // 10_000}万个单元格）"))


def check_all_extents(zf: zipfile.ZipFile, path: str) -> None:
    """check_extent for every worksheet part of an .xlsx, within one budget."""
    budget = ExtentBudget(path)
    for name in zf.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            budget.check(zf.read(name), name)


_SUFFIXES_OF = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",), "xlsb": (".xlsb",), "ods": (".ods",)}


def open_spreadsheet(path: Path, kind: str):
    """A python-calamine workbook for a file `sniff` called `kind`. calamine picks its reader by the extension;
    an .xls saved under an .xlsx name (WPS, a renamed mail attachment) is read by its content instead."""
    import python_calamine

    if path.suffix.lower() in _SUFFIXES_OF.get(kind, ()):
        return python_calamine.CalamineWorkbook.from_path(str(path))
    with path.open("rb") as f:
        return python_calamine.CalamineWorkbook.from_filelike(f)
