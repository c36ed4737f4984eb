"""Write a workbook without ever leaving a half-written or lost file: lock check, temp file, backup, atomic move."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
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


def backup_name(path: Path, now: dt.datetime) -> Path:
    """名.备份-20261125-083015.xlsx; a second backup in the same second gets -2, -3: none is ever overwritten."""
    name = path.with_name(f"{path.stem}.备份-{now:%Y%m%d-%H%M%S}{path.suffix}")
    n = 1
    while name.exists():
        n += 1
        name = path.with_name(f"{path.stem}.备份-{now:%Y%m%d-%H%M%S}-{n}{path.suffix}")
    return name


def _prune_backups(path: Path) -> None:
    pattern = re.compile(re.escape(path.stem) + r"\.备份-(\d{8}-\d{6})(?:-(\d+))?" + re.escape(path.suffix) + "$")
    found = [(m, p) for p in path.parent.iterdir() if (m := pattern.match(p.name))]
    backups = [p for m, p in sorted(found, key=lambda item: (item[0][1], int(item[0][2] or 1)))]
    for old in backups[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def _file_mode(path: Path) -> int:
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, save: Callable[[Path], None], *, replace: bool, unless_same: bool = False
                     ) -> Path | None:
    """Save through `save(temp_path)`, then move into place; keep the old file as a timestamped backup.

    Returns the backup's path when an existing file was replaced. On any failure the target is untouched. With
    `unless_same`, a result equal to the existing file is dropped and Unchanged raised: re-running a merge must
    not push the real backups out of the rotation.
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
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(), suffix=path.suffix, dir=path.parent)  # whose
    os.close(fd)
    temp = Path(temp_name)
    backup = None
    try:
        save(temp)
        if unless_same and path.exists() and same_package(temp, path):
            raise Unchanged(str(path))
        os.chmod(temp, _file_mode(path))  # mkstemp makes 0600; a shared folder needs what the user's umask gives
        if path.exists():
            backup = backup_name(path, dt.datetime.now())
            shutil.copy2(path, backup)
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk names no file: the folder is the one
            exc.filename = str(temp)
        raise
    if backup:
        _prune_backups(path)
    return backup
