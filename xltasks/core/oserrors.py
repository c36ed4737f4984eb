"""Operating-system failures (OSError) told in one Chinese sentence: the path, the reason, what to do."""

from __future__ import annotations

import errno
from pathlib import Path

# Windows error codes an OSError carries in .winerror (its .errno is then often a generic EACCES or EINVAL)
_WIN_IN_USE = {32: "in_use", 33: "in_use"}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_WIN_OTHER = {5: "denied", 19: "readonly", 39: "full", 112: "full", 206: "too_long", 3: "missing", 2: "missing"}

_BY_ERRNO = {
    errno.EACCES: "denied", errno.EPERM: "denied", errno.EROFS: "readonly", errno.ENOSPC: "full",
    errno.ENAMETOOLONG: "too_long", errno.ENOENT: "missing", errno.ENOTDIR: "not_dir", errno.EISDIR: "is_dir",
    errno.EBUSY: "in_use", errno.ETXTBSY: "in_use", errno.EIO: "io", errno.EMFILE: "busy", errno.ENFILE: "busy",
    errno.EEXIST: "exists", errno.EXDEV: "io",
}
for _name in ("EDQUOT",):
    if hasattr(errno, _name):
        _BY_ERRNO[getattr(errno, _name)] = "full"

_TEXT = {
    "denied": ("没有权限", "请检查文件和文件夹的权限，或换一个有权限的文件夹"),
    "readonly": ("所在磁盘或共享文件夹是只读的", "请换一个可以写入的文件夹"),
    "full": ("磁盘空间已满", "请清理磁盘或换一个空间充足的文件夹后再试"),
    "too_long": ("路径太长", "请把文件放到路径较短的文件夹中，或把文件名改短"),
    "in_use": ("文件正被其他程序占用", "请在Excel、WPS等程序中关闭该文件后再试"),
    "missing": ("文件或文件夹不存在", "请检查路径"),
    "not_dir": ("路径中有一项是文件而不是文件夹", "请检查路径"),
    "is_dir": ("这是一个文件夹，这里需要文件", "请检查路径"),
    "exists": ("同名文件已存在", "请换一个名称"),
    "io": ("磁盘或网络读写出错", "请检查磁盘和网络连接后再试"),
    "busy": ("同时打开的文件太多", "请关闭一些程序后再试"),
}


def os_kind(exc: OSError) -> str | None:
    """What kind of failure this is ("denied", "full", ...), or None when the operating system did not say."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WIN_IN_USE:
        return _WIN_IN_USE[winerror]
    if winerror in _WIN_OTHER:
        return _WIN_OTHER[winerror]
    return _BY_ERRNO.get(exc.errno)


def _our_temp(exc: OSError) -> Path | None:
    """The temporary file we were writing (.xltasks-…) when the system named it: the failure is its folder's."""
    name = Path(str(exc.filename)) if exc.filename else None
    return name if name is not None and name.name.startswith(".xltasks-") else None


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """One Chinese sentence: 无法访问“路径”：原因。怎么办。 `path` is used when the error names no file."""
    kind, temp = os_kind(exc), _our_temp(exc)
    name = exc.filename or path
    where = f"文件夹“{temp.parent}”" if temp else f"“{name}”" if name is not None else ""
    if kind is None:
        code = exc.errno if exc.errno is not None else getattr(exc, "winerror", None)
        reason, todo = f"操作系统报错（错误码 {code}）", "请检查路径、权限和磁盘空间后再试"
    elif temp and kind == "missing":  # the folder exists but takes no new file (/proc, a vanished share)
        reason, todo = "这个位置不能新建文件", "请换一个普通的文件夹"
    else:
        reason, todo = _TEXT[kind]
    verb = "写入" if temp or kind in ("readonly", "full") else "访问"
    return f"无法{verb}{where}：{reason}。{todo}。"


def is_os_failure(exc: BaseException) -> bool:
    """An OSError the operating system gave a code for (not a library's own OSError("some English text"))."""
    return isinstance(exc, OSError) and (exc.errno is not None or getattr(exc, "winerror", None) is not None)
