"""One writer at a time per master, across processes and PCs that share its folder: an OS lock beside it.

filelock takes an operating-system lock (flock on Linux and macOS, msvcrt on Windows, both honoured on SMB shares)
on `.xltasks-lock-<master>.lock`; the OS drops it when its holder dies, so a killed merge leaves no stale lock and
no rule for one is needed. The file is removed before the lock is let go (filelock 4 retries a lock taken on a
file removed meanwhile), so nothing of ours stays beside the master. Beside it, `.xltasks-lock-<master>.who` names the holder (user, PC, process, since when)
for the refusal a second writer gets after waiting WAIT_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import inspect
import os
import socket
from contextlib import contextmanager
from pathlib import Path

from xltasks.core.oserrors import describe_os_error
from xltasks.files.xlsx.safe_write import WriteRefused
from xltasks.files.xlsx.temp_files import remove_stale_temporaries

WAIT_SECONDS = 10


def lock_paths(master: Path) -> tuple[Path, Path]:
    """The lock file and the holder's note; their prefix keeps them out of a folder of returns."""
    return (master.with_name(f".xltasks-lock-{master.name}.lock"),
            master.with_name(f".xltasks-lock-{master.name}.who"))


def _holder() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment (a service)
        user = "未知用户"
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"{user}（电脑 {socket.gethostname()}，进程 {os.getpid()}）自 {now} 起"


@contextmanager
def one_writer(master: Path, wait: float = WAIT_SECONDS):
    """Hold the master's writer lock for the block; WriteRefused (who holds it, since when) after `wait` seconds."""
    from filelock import FileLock, Timeout

    lock_path, who_path = lock_paths(Path(master))
    lock = FileLock(str(lock_path), timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = who_path.read_text(encoding="utf-8").strip() or "另一个程序"
        except OSError:
            holder = "另一个程序"
        raise WriteRefused(f"总台账“{master}”正由{holder}写入，已等{wait:.0f}秒。请等它完成后再试。") from None
    except OSError as exc:
        raise WriteRefused(f"总台账未改动，写入锁未能建立：{describe_os_error(exc, lock_path.parent)}") from exc
    try:
        try:
            who_path.write_text(_holder(), encoding="utf-8")
        except OSError:
            pass  # the note only helps the message; the lock itself holds
        remove_stale_temporaries(Path(master))  # what a killed writer left (no writer of this master runs now)
        yield
    finally:
        for done in (who_path, lock_path):  # nothing of ours stays beside the master
            try:
                done.unlink(missing_ok=True)
            except OSError:
                pass  # Windows: an open file cannot go; filelock removes it after the release there
        lock.release()  # a waiter that locked the unlinked file sees it gone and takes a new one (filelock 4)


def writes_master(argument: str = "master"):
    """Decorate an action whose `argument` names the master it writes: the call holds the master's writer lock
    (not with dry_run=True, nor when the argument is None)."""
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def locked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            master = bound.arguments.get(argument)
            if master is None or bound.arguments.get("dry_run"):
                return function(*args, **kwargs)
            with one_writer(Path(master)):
                return function(*args, **kwargs)
        return locked
    return decorate
