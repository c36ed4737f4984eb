"""A merge killed with -9 (xltasks/core/orphans.py, xltasks/files/xlsx/temp_files.py): real processes, killed at
three moments of a merge big enough to start the validate pool. Before: the pool's workers stayed alive for good,
and a temporary master the size of the real one stayed beside it, never removed by a later run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from xltasks.actions.split import split
from xltasks.actions.validate import PROCESS_POOL_FROM
from xltasks.files.xlsx.temp_files import STALE_SECONDS, host_tag, is_stale, remove_stale_temporaries, temp_name

sys.path.insert(0, str(ROOT / "benchmarks"))
from merge_scale import fill, write_source  # noqa: E402

ROUND = "2026年11月"
UNITS = PROCESS_POOL_FROM + 12
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    """A master of UNITS units x 40 tasks and one filled return per unit."""
    out = tmp_path_factory.mktemp("killed")
    source = write_source(out / "source.xlsx", UNITS, 40)
    master = out / "master.xlsx"
    subprocess.run([sys.executable, "-m", "xltasks", "import", str(source), "-o", str(master)], check=True,
                   capture_output=True)
    issued = [f.path for f in split(master, out / "issued", ROUND).files]
    (out / "inbox").mkdir()
    with ProcessPoolExecutor() as pool:
        list(pool.map(fill, issued, [out / "inbox" / p.name for p in issued]))
    return master, out / "inbox"


def _parents() -> dict[int, tuple[int, str]]:
    """Every process: its parent and its state (Z for a zombie)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            found[int(entry)] = (int(fields[1]), fields[0])
    return found


def descendants(pid: int) -> set[int]:
    table = _parents()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    table = _parents()
    return {p for p in pids if p in table and table[p][1] != "Z"}


def merge(master: Path, inbox: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xltasks", "merge", str(master), str(inbox), "--round", ROUND,
                             "--as-of", "2026-11-30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "COLUMNS": "200"})


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".xltasks-"))


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if condition():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("moment", ["early", "validating", "writing"])
def test_a_merge_killed_leaves_no_process_and_no_temporary_file(programme, tmp_path, moment):
    source, inbox = programme
    master = tmp_path / "总台账.xlsx"
    shutil.copy(source, master)
    before = master.read_bytes()
    proc = merge(master, inbox)
    family: set[int] = set()  # every process seen below the merge, up to the kill

    def seen() -> set[int]:
        family.update(descendants(proc.pid))
        return family

    if moment == "early":
        time.sleep(0.5)
    elif moment == "validating":  # killed the moment its validate pool is seen
        assert _wait_for(seen, proc), "the merge never started its validate pool"
    else:
        assert _wait_for(lambda: any(n.startswith(".xltasks-tmp-") for n in temporaries(tmp_path)), proc), \
            "the merge never wrote its temporary master"
    seen()
    assert proc.poll() is None, "the merge ended before it could be killed"
    proc.kill()
    proc.wait(timeout=10)
    if moment == "validating":
        assert family, "no worker process to outlive the merge"
    end = time.monotonic() + 10
    while alive(family) and time.monotonic() < end:
        time.sleep(0.1)
    assert not alive(family), f"processes of the killed merge still alive: {alive(family)}"

    load_workbook(master, read_only=True).close()  # the old master or the new one, whole
    if moment == "early":
        assert master.read_bytes() == before
    if moment == "writing":
        assert any(n.startswith(".xltasks-tmp-") for n in temporaries(tmp_path))  # what the kill left

    again = merge(master, inbox)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    load_workbook(master, read_only=True).close()
    assert temporaries(tmp_path) == [], temporaries(tmp_path)


def test_only_our_stale_temporary_files_beside_the_master_are_removed(tmp_path):
    master = tmp_path / "总台账.xlsx"
    master.write_bytes(b"master")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    me = os.getpid()
    names = {
        f".xltasks-tmp-{host_tag()}-{dead.pid}-abcd_123.xlsx": True,  # ours, its writer gone
        f".xltasks-tmp-{host_tag()}-{dead.pid}-abcd_123.备份.xlsx": True,  # a backup being written, writer gone
        f".xltasks-tmp-{host_tag()}-{me}-abcd_123.xlsx": False,  # a live writer's
        f".xltasks-tmp-0000beef-{dead.pid}-abcd_123.xlsx": False,  # another PC's, recent: cannot tell
        ".xltasks-abcd_123.xlsx": False,  # the old pattern, recent
        f".xltasks-lock-{master.name}.lock": False,  # the lock's own
        f".xltasks-lock-{master.name}.who": False,
        f".xltasks-tmp-{host_tag()}-{dead.pid}-abcd_123.csv": False,  # another suffix
        f".xltasks-tmp-{host_tag()}-{dead.pid}-abcd_123-copy.xlsx": False,  # not our pattern
        "xltasks-abcd_123.xlsx": False,
        "总台账.备份-20261125-083015.xlsx": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    old = {".xltasks-abcd_124.xlsx": True, f".xltasks-tmp-0000beef-{me}-abcd_123.xlsx": True,
           f".xltasks-lock-{master.name}.lock.old.xlsx": False}
    for name in old:
        (tmp_path / name).write_bytes(b"x")
        stamp = time.time() - STALE_SECONDS - 60
        os.utime(tmp_path / name, (stamp, stamp))
    expected = {name for name, stale in {**names, **old}.items() if stale}
    assert {p.name for p in tmp_path.iterdir() if is_stale(p, ".xlsx")} == expected
    removed = remove_stale_temporaries(master)
    assert {p.name for p in removed} == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"总台账.xlsx", *names, *old} - expected)


def test_a_named_temporary_file_is_ours_while_its_writer_lives(tmp_path):
    """The 历次进展 archive's temporary workbook is written by name (temp_name), not through mkstemp."""
    mine = tmp_path / temp_name(".xlsx")
    mine.write_bytes(b"x")
    assert not is_stale(mine, ".xlsx")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = mine.with_name(mine.name.replace(f"-{os.getpid()}-", f"-{dead.pid}-"))
    mine.rename(orphan)
    assert is_stale(orphan, ".xlsx")
