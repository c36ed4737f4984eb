"""One writer at a time per master (xltasks/files/master/writer_lock.py): two real merges started together, and a
writer that finds the lock held."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from conftest import ROOT
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.files.master.writer_lock import lock_paths, one_writer

MASTER = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
ROUND = "2026年11月"


def merged_units(master: Path) -> set[str]:
    return {r[2] for r in load_workbook(master, read_only=True)["报送记录"].iter_rows(min_row=3, values_only=True)
            if r and r[2]}


def merge_process(master: Path, inbox: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xltasks", "merge", str(master), str(inbox), "--round", ROUND,
                             "--as-of", "2026-11-30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def test_two_merges_started_together_both_land_or_the_second_is_refused(tmp_path):
    """Before the lock both exited 0 and the master held only the second's returns."""
    issued = split(MASTER, tmp_path / "issued", ROUND).files
    inboxes = [tmp_path / "A", tmp_path / "B"]
    units = [set(), set()]
    for i, f in enumerate(issued[:6]):
        inbox = inboxes[i % 2]
        inbox.mkdir(exist_ok=True)
        fill_demo_return(f.path, inbox / f.path.name, dt.date(2026, 11, 20), i)
        units[i % 2].add(f.share.unit)
    for trial in range(10):
        master = tmp_path / f"总台账{trial}.xlsx"
        shutil.copy(MASTER, master)
        first = merge_process(master, inboxes[0])
        time.sleep(random.uniform(0, 0.4))
        second = merge_process(master, inboxes[1])
        codes = [p.wait(timeout=180) for p in (first, second)]
        errors = [p.stderr.read() for p in (first, second)]
        found = merged_units(master)
        if codes == [0, 0]:
            assert units[0] | units[1] <= found, (trial, found)
        else:  # the second waited past the limit: refused, the first's result kept
            assert codes == [0, 2] and "正由" in errors[1] and units[0] <= found, (trial, codes, errors)
        assert not any(p.exists() for p in lock_paths(master))  # nothing of the lock stays beside the master


def test_a_held_lock_refuses_the_second_writer_with_who_and_since(tmp_path):
    master = tmp_path / "总台账.xlsx"
    shutil.copy(MASTER, master)
    inbox = tmp_path / "报送表"
    inbox.mkdir()
    f = split(MASTER, tmp_path / "issued", ROUND).files[0]
    fill_demo_return(f.path, inbox / f.path.name, dt.date(2026, 11, 20), 0)
    before = master.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from xltasks.files.master.writer_lock import one_writer\n"
        f"with one_writer(Path({str(master)!r})):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = subprocess.run([sys.executable, "-m", "xltasks", "merge", str(master), str(inbox), "--round", ROUND],
                              capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
        assert done.returncode == 2, done.stdout + done.stderr
        assert "正由" in done.stderr and f"进程 {holder.pid}" in done.stderr and "Traceback" not in done.stderr
        assert master.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    with one_writer(master, wait=1):  # the OS let go of the killed holder's lock: no stale lock is left
        pass
