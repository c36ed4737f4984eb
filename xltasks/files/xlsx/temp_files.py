"""Our temporary files beside a workbook, and the removal of those a killed run left behind.

write_atomically saves into `.xltasks-tmp-<host>-<pid>-<random><suffix>` beside its target, then moves it into
place; a run killed with -9 leaves it. A writer holding the master's lock (so no other writer of that master runs,
on any PC) removes the ones beside the master that are stale: written on this PC by a process that is gone, or
older than STALE_SECONDS whoever wrote them (another PC's processes cannot be asked). Nothing else is touched:
not the lock's own files (`.xltasks-lock-…`), not a file of another suffix, not a name of any other pattern.
Files named by the mkstemp pattern used before (`.xltasks-<8 random><suffix>`) go by age alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from pathlib import Path

STALE_SECONDS = 3600  # no save of one workbook takes an hour; a file this old belongs to no running write
_TAGGED = re.compile(r"\.xltasks-tmp-(?P<host>[0-9a-f]{8})-(?P<pid>\d{1,10})-[a-z0-9_]{8}")
_UNTAGGED = re.compile(r"\.xltasks-[a-z0-9_]{8}")  # tempfile.mkstemp's names, before the tag
_VARIANTS = (".备份", "")  # a backup being written has `.备份` before the suffix


def host_tag() -> str:
    """Eight hex digits naming this PC (a host name may hold characters a file name cannot)."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def temp_prefix() -> str:
    """The prefix for tempfile.mkstemp beside a workbook: who may remove the file later can tell whose it is."""
    return f".xltasks-tmp-{host_tag()}-{os.getpid()}-"


def temp_name(suffix: str) -> str:
    """A fresh temporary file name of our pattern, for a file written by name rather than through mkstemp."""
    import secrets

    return temp_prefix() + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(8)) + suffix


def pid_alive(pid: int) -> bool:
    """Whether a process of this id runs on this PC (a process we may not signal still runs)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would end the process on Windows: ask for its exit code instead
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def _stem(name: str, suffix: str) -> str | None:
    for variant in _VARIANTS:
        end = variant + suffix
        if suffix and name.endswith(end):
            return name[: -len(end)]
    return None


def is_stale(path: Path, suffix: str, now: float | None = None) -> bool:
    """Whether `path` is one of our temporary files for a workbook ending in `suffix` that no live run writes."""
    stem = _stem(path.name, suffix)
    if stem is None:
        return False
    tagged = _TAGGED.fullmatch(stem)
    if not tagged and not _UNTAGGED.fullmatch(stem):
        return False
    try:
        info = path.lstat()
    except OSError:
        return False
    if not path.is_file() or path.is_symlink():
        return False
    if (now if now is not None else time.time()) - info.st_mtime > STALE_SECONDS:
        return True
    return bool(tagged) and tagged["host"] == host_tag() and not pid_alive(int(tagged["pid"]))


def remove_stale_temporaries(master: Path) -> list[Path]:
    """Remove our stale temporary files beside `master`; call it only while holding the master's writer lock.
    Returns what was removed; a file that cannot go (open on Windows, no permission) stays, silently."""
    master = Path(master)
    removed = []
    try:
        entries = list(master.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if entry.name.startswith(".xltasks-") and is_stale(entry, master.suffix, now):
            try:
                entry.unlink()
            except OSError:
                continue
            removed.append(entry)
    return removed
