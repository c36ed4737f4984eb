"""Worker processes end when the process that started them dies (kill -9, a crash), on every platform.

A pool's worker waits on a queue its siblings also hold open, so it never sees its parent go; this daemon thread
does: on Linux and macOS the worker is handed to another parent (its parent pid changes, with fork, spawn and
forkserver alike, since a forkserver ends with the process it serves); on Windows a parent pid never changes, so
the thread waits on the handle to the parent that multiprocessing keeps.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

POLL_SECONDS = 0.5
ORPHAN_EXIT_CODE = 70


def _parent_gone(first_parent: int) -> bool:
    if os.name == "nt":
        parent = multiprocessing.parent_process()
        return parent is not None and not parent.is_alive()
    return os.getppid() != first_parent


def _watch(first_parent: int) -> None:
    while not _parent_gone(first_parent):
        time.sleep(POLL_SECONDS)
    os._exit(ORPHAN_EXIT_CODE)


def die_with_parent() -> None:
    """Call first thing in a worker process (a pool's initializer): it exits within a second of its parent."""
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="die-with-parent").start()
