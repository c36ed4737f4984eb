"""Write a workbook without ever leaving a half-written or lost file: lock check, temp file, backup, atomic move."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xltasks.files.xlsx.temp_files import temp_prefix


MAX_CELL_CHARS = 32_767
# Characters no cell may hold (the same set openpyxl refuses); defined here so a command does not pay openpyxl's
# import time just to clean text.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
KEEP_BACKUPS = 5


class Unchanged(Exception):
    """What would be written is what the file already holds (apart from its creation time): nothing was written,
    no backup was made."""


def same_package(a: Path, b: Path) -> bool:
    """Two .xlsx packages with the same parts and contents, the document's creation time aside."""
    import zipfile

    try:
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            names = sorted(n for n in za.namelist() if n != "docProps/core.xml")
            if names != sorted(n for n in zb.namelist() if n != "docProps/core.xml"):
                return False
            # each part's CRC-32 and size first (from the directory, nothing inflated; the same content packed at
            # another deflate level is still the same), then the bytes
            if any((za.getinfo(n).CRC, za.getinfo(n).file_size) != (zb.getinfo(n).CRC, zb.getinfo(n).file_size)
                   for n in names):
                return False
            return all(za.read(n) == zb.read(n) for n in names)
    except (OSError, zipfile.BadZipFile):
        return False


class WriteRefused(Exception):
    """The target could not be written (open in Excel, exists, folder missing); the message says why in Chinese."""


def lock_file(path: Path) -> Path | None:
    """Excel's and WPS's owner file (~$name.xlsx), or LibreOffice's (.~lock.name.xlsx#), beside a workbook means
    someone has it open."""
    for candidate in (path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:]),
                      path.with_name(f".~lock.{path.name}#")):
        if candidate.exists():
            return candidate
    return None


def cell_text(value: object) -> object:
    """A value safe to put in a cell: illegal control characters dropped, text within Excel's 32,767 limit."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return value[:MAX_CELL_CHARS]
    return value


def backup_name(path: Path, now: dt.datetime, folder: Path | None = None) -> Path:
    """名.备份-20261125-083015.xlsx (in `folder`, default beside the file); a second backup in the same second gets
    -2, -3: none is ever overwritten."""
    where = Path(folder) if folder is not None else path.parent
    name = where / f"{path.stem}.备份-{now:%Y%m%d-%H%M%S}{path.suffix}"
    n = 1
    while name.exists():
        n += 1
        name = where / f"{path.stem}.备份-{now:%Y%m%d-%H%M%S}-{n}{path.suffix}"
    return name


def good_package(path: Path, *, thorough: bool = False) -> bool:
    """Whether the file opens as a zip package (with `thorough`, every member's CRC is checked as well)."""
    import zipfile

    try:
        if not zipfile.is_zipfile(path):
            return False
        if thorough:
            with zipfile.ZipFile(path) as zf:
                return zf.testzip() is None
        return True
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError):
        return False


def _prune_backups(path: Path, folder: Path | None = None) -> None:
    """Keep the KEEP_BACKUPS newest good backups. A backup that does not open as a zip (a truncated copy an
    earlier version left on a full disk) never counts and is never removed here (it is left for a person to
    look at), so broken ones cannot push the good ones out and the last good one always stays."""
    where = Path(folder) if folder is not None else path.parent
    pattern = re.compile(re.escape(path.stem) + r"\.备份-(\d{8}-\d{6})(?:-(\d+))?" + re.escape(path.suffix) + "$")
    try:
        found = [(m, p) for p in where.iterdir() if (m := pattern.match(p.name))]
    except OSError:
        return
    backups = [p for m, p in sorted(found, key=lambda item: (item[0][1], int(item[0][2] or 1)))]
    good = [backup for backup in backups if good_package(backup)]
    for old in good[:-KEEP_BACKUPS]:
        try:
            old.unlink(missing_ok=True)
        except OSError:
            pass


@dataclass(frozen=True)
class FileSignature:
    """What a file was when it was read: size, modification time (ns) and SHA-256 of its bytes. Taken before a
    command reads the master, it is checked again before the master is replaced: a master saved meanwhile by
    anything else (Excel, a sync client) is never overwritten."""
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileSignature:
        path = Path(path)
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            digest = hashlib.sha256()
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return cls(before.st_size, before.st_mtime_ns, digest.hexdigest())

    def same_stat(self, path: Path) -> bool:
        try:
            now = Path(path).stat()
        except OSError:
            return False
        return (now.st_size, now.st_mtime_ns) == (self.size, self.mtime_ns)


def _changed_meanwhile(path: Path) -> WriteRefused:
    return WriteRefused(f"“{path}”在读取之后已被其他程序改动或另存（如Excel、WPS或网盘同步），为免覆盖别人的修改，本次什么也没有写入，"
                        "请确认该文件的内容后重新运行。")


def _size_text(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{max(1, -(-n // 1024))} KB"


def _make_backup(path: Path, folder: Path | None, expected: FileSignature | None, needed_extra: int) -> Path:
    """Copy `path` to a temporary name beside the backups, check the copy (a zip package that opens, every member
    intact, as many bytes as the source, the same SHA-256 as when it was read), then rename it to its backup name.
    Any failure removes the copy and raises WriteRefused; the file itself is never touched."""
    where = Path(folder) if folder is not None else path.parent
    try:
        where.mkdir(exist_ok=True)
    except OSError as exc:
        from xltasks.core.oserrors import describe_os_error
        raise WriteRefused(f"备份未能建立，原文件未改动。{describe_os_error(exc, where)}") from exc
    temp = None
    try:
        fd, name = tempfile.mkstemp(prefix=temp_prefix(), suffix=".备份" + path.suffix, dir=where)
        temp = Path(name)
        digest = hashlib.sha256()
        with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
            size = os.fstat(src.fileno()).st_size
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        shutil.copystat(path, temp)
        if expected is not None and (digest.hexdigest() != expected.sha256 or size != expected.size):
            raise _changed_meanwhile(path)
        # as many bytes as the source, and a package that opens with every member intact when the source is one
        if temp.stat().st_size != size or (good_package(path) and not good_package(temp, thorough=True)):
            raise WriteRefused(f"备份“{temp.name}”写入后检查未通过（不是完整的表格文件），原文件未改动。请检查“{where}”所在磁盘后再试。")
        backup = backup_name(path, dt.datetime.now(), folder)
        os.rename(temp, backup)
        return backup
    except OSError as exc:
        if temp is not None:
            temp.unlink(missing_ok=True)
        from xltasks.core.oserrors import describe_os_error, os_kind
        if os_kind(exc) == "full":
            try:
                free = shutil.disk_usage(where).free
            except OSError:
                free = 0
            need = path.stat().st_size + needed_extra  # the new file (already written) and its backup
            free += needed_extra  # once the new file, not moved into place, is removed
            raise WriteRefused(f"备份未能写入文件夹“{where}”：磁盘空间不足，这次写入约需{_size_text(need)}可用空间，"
                               f"现只有{_size_text(free)}，原文件未改动，请清理磁盘后再试。") from exc
        raise WriteRefused(f"备份未能写入，原文件未改动。{describe_os_error(exc, where)}") from exc
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, save: Callable[[Path], None], *, replace: bool, unless_same: bool = False,
                     expected: FileSignature | None = None, backup_dir: Path | None = None) -> Path | None:
    """Save through `save(temp_path)`, then move into place; keep the old file as a timestamped backup.

    Returns the backup's path when an existing file was replaced. On any failure the target is untouched. With
    `unless_same`, a result equal to the existing file is dropped and Unchanged raised: re-running a merge must
    not push the real backups out of the rotation. With `expected` (the FileSignature taken when the file was
    read), a file that changed on disk since is not replaced: WriteRefused, nothing written. Backups go into
    `backup_dir` (created when needed) instead of beside the file; a backup that cannot be written and checked
    aborts the write before the file is replaced.
    """
    path = Path(path)
    if path.is_symlink() and path.exists():  # a shortcut to the master: the master is what gets written
        path = path.resolve()
    if not path.parent.is_dir():
        raise WriteRefused(f"输出文件夹“{path.parent}”不存在，请先创建。")
    if path.exists() and not replace:
        raise WriteRefused(f"“{path}”已存在。为避免覆盖已有总台账，请换一个文件名，或加 --force 覆盖（原文件会自动备份）。")
    if replace and path.is_file() and not path.stat().st_mode & stat.S_IWUSR:
        raise WriteRefused(f"“{path.name}”是只读文件。如需更新，请先在文件属性中取消“只读”。")
    lock = lock_file(path)
    if lock:
        raise WriteRefused(f"“{path.name}”正在被打开（发现锁文件“{lock.name}”），请先在Excel/WPS/LibreOffice中关闭后再试。"
                           "如确认没有打开，可删除该锁文件。")
    if expected is not None and not expected.same_stat(path):
        raise _changed_meanwhile(path)
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(), suffix=path.suffix, dir=path.parent)  # whose
    os.close(fd)
    temp = Path(temp_name)
    backup = None
    try:
        save(temp)
        if expected is not None and not expected.same_stat(path):
            raise _changed_meanwhile(path)
        if unless_same and path.exists() and same_package(temp, path):
            raise Unchanged(str(path))
        os.chmod(temp, _file_mode(path))  # mkstemp makes 0600; a shared folder needs what the user's umask gives
        if path.exists():
            backup = _make_backup(path, backup_dir, expected, temp.stat().st_size)
        if expected is not None and not expected.same_stat(path):  # saved by another program during the backup
            raise _changed_meanwhile(path)
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, WriteRefused) and backup is not None:
            backup.unlink(missing_ok=True)  # the file was not replaced: its copy is no backup of anything
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk names no file: the folder is the one
            exc.filename = str(temp)
        raise
    if backup:
        _prune_backups(path, backup_dir)
    return backup
