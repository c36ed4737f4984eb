"""The master's write with real files: backups written to a temporary name and checked before they count, a full
disk that aborts the write before the master is replaced, a master saved by something else between read and
replace, and split --force's backups kept in a 备份 subfolder."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from openpyxl import Workbook

from xltasks.files.xlsx.safe_write import FileSignature, WriteRefused, write_atomically

TONGCHUAN = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
AS_ROOT = os.geteuid() == 0


def _workbook(path: Path, seed: int, rows: int = 400) -> Path:
    """A real .xlsx of some tens of KB that does not compress away (random text)."""
    rng = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    for r in range(rows):
        ws.append(["".join(rng.choice("甲乙丙丁戊己庚辛壬癸abcdefghij0123456789") for _ in range(30)), r, seed])
    wb.save(path)
    return path


def _backups(master: Path) -> list[Path]:
    return sorted(master.parent.glob(f"{master.stem}.备份-*{master.suffix}"))


def _opens(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return zf.testzip() is None


def _free(where: Path) -> int:
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize


def _fill_to(where: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on the tmpfs."""
    filler = where / "filler.bin"
    filler.unlink(missing_ok=True)
    with open(filler, "wb", buffering=0) as f:
        want = max(0, _free(where) - leave)
        while want > 0:
            try:
                want -= f.write(b"\1" * min(want, 1 << 16))
            except OSError:
                break
    return filler


@pytest.fixture
def small_disk(tmp_path):
    if not AS_ROOT:
        pytest.skip("a full disk needs a tmpfs mount, which needs root")
    where = tmp_path / "小盘"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True)
    if done.returncode:
        pytest.skip("mounting a tmpfs is not allowed here")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_never_costs_the_master_or_a_good_backup(small_disk, tmp_path):
    """Filled until the temporary write or the backup fails, six times, then a success: the master's bytes are
    unchanged after each failure, every backup left opens as a zip, and one equals the last good master."""
    versions = [_workbook(tmp_path / f"v{n}.xlsx", n) for n in range(9)]
    master = small_disk / "总台账.xlsx"
    shutil.copy(versions[0], master)
    for n in (1, 2):  # two good backups before the disk fills
        write_atomically(master, lambda temp, n=n: shutil.copy(versions[n], temp), replace=True,
                         expected=FileSignature.of(master))
    size = master.stat().st_size
    failures = {"temp": 0, "backup": 0}
    for trial in range(6):
        before = master.read_bytes()
        # room for the new file but not its backup (trials 0-3), or not even the new file (4-5)
        leave = int(size * (1.4 if trial < 4 else 0.4))
        filler = _fill_to(small_disk, leave)
        version = versions[3 + trial]
        with pytest.raises((WriteRefused, OSError)) as caught:
            write_atomically(master, lambda temp: shutil.copy(version, temp), replace=True,
                             expected=FileSignature.of(master))
        if isinstance(caught.value, WriteRefused):
            failures["backup"] += 1
            message = str(caught.value)
            assert "磁盘空间不足" in message and str(small_disk) in message and ("KB" in message or "MB" in message)
            assert "Errno" not in message
        else:
            failures["temp"] += 1
        assert master.read_bytes() == before, f"trial {trial}: the master changed"
        assert not list(small_disk.glob(".xltasks-*")), "a temporary file was left"
        assert all(_opens(b) for b in _backups(master)), "a broken backup was left"
        filler.unlink()
    assert failures["backup"] >= 3 and failures["temp"] >= 1, failures
    last_good = master.read_bytes()
    backup = write_atomically(master, lambda temp: shutil.copy(versions[8], temp), replace=True,
                              expected=FileSignature.of(master))
    kept = _backups(master)
    assert backup in kept and backup.read_bytes() == last_good
    assert len(kept) == 3 and all(_opens(b) for b in kept)
    assert master.read_bytes() == versions[8].read_bytes()


def test_broken_backups_do_not_push_the_good_ones_out(tmp_path):
    """Five truncated backups newer than the good ones (an earlier version on a full disk) and one success: the
    good ones stay; the rotation counts only backups that open."""
    master = _workbook(tmp_path / "总台账.xlsx", 0)
    good = []
    for n in range(1, 4):
        good.append(write_atomically(master, lambda temp, n=n: _workbook(temp, n), replace=True))
        time.sleep(0.01)
    for n in range(5):
        (tmp_path / f"总台账.备份-29991231-23595{n}.xlsx").write_bytes(master.read_bytes()[:4096])
    last = master.read_bytes()
    newest = write_atomically(master, lambda temp: _workbook(temp, 9), replace=True)
    kept = [b for b in _backups(master) if _opens(b)]
    assert set(good) <= set(kept) and newest in kept and newest.read_bytes() == last
    for n in range(6, 10):  # more good ones: only then the oldest good go, never beyond KEEP_BACKUPS good
        write_atomically(master, lambda temp, n=n: _workbook(temp, n + 10), replace=True)
    kept = [b for b in _backups(master) if _opens(b)]
    assert len(kept) == 5 and good[0] not in kept


def test_a_master_saved_meanwhile_is_not_overwritten(tmp_path):
    """Another program saves the master while ours writes the new one: nothing is written, no backup made, no
    temporary file left, and the other program's save stays."""
    master = _workbook(tmp_path / "总台账.xlsx", 0)
    theirs = _workbook(tmp_path / "theirs.xlsx", 1)
    read_as = FileSignature.of(master)

    def save(temp: Path) -> None:
        _workbook(temp, 2)
        shutil.copy(theirs, master)  # Excel or a sync client saves it now

    with pytest.raises(WriteRefused) as caught:
        write_atomically(master, save, replace=True, expected=read_as)
    assert "其他程序改动" in str(caught.value) and str(master) in str(caught.value)
    assert master.read_bytes() == theirs.read_bytes()
    assert not list(tmp_path.glob(".xltasks-*")) and not _backups(master)


def test_a_change_that_keeps_size_and_time_is_caught_by_the_digest(tmp_path):
    """Same size and modification time, other bytes: the SHA-256 taken at the read tells them apart."""
    master = _workbook(tmp_path / "总台账.xlsx", 0)
    original = master.read_bytes()
    read_as = FileSignature.of(master)
    stat = master.stat()

    def save(temp: Path) -> None:
        _workbook(temp, 2)
        changed = bytearray(original)
        changed[-30] ^= 0xFF  # one byte of the central directory's comment area
        master.write_bytes(bytes(changed))
        os.utime(master, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    with pytest.raises(WriteRefused):
        write_atomically(master, save, replace=True, expected=read_as)
    assert master.read_bytes() != original and len(master.read_bytes()) == len(original)
    assert not list(tmp_path.glob(".xltasks-*")) and not _backups(master)


def test_merge_refuses_a_master_saved_while_it_ran(tmp_path):
    """A real merge, and a thread that saves the master as soon as the merge starts writing its temporary file:
    the merge refuses (exit 2 through the CLI's WriteRefused) and the other save stays."""
    from test_merge_plan import answer

    from xltasks.actions.merge import merge
    from xltasks.actions.split import split

    issued = {f.share.unit: f.path for f in split(TONGCHUAN, tmp_path / "issued", "2026年11月").files}
    master = Path(shutil.copy(TONGCHUAN, tmp_path / "总台账.xlsx"))
    returns = tmp_path / "returns"
    returns.mkdir()
    answer(issued["市住建局"], returns / "zj.xlsx", "已完成", 100)
    theirs = TONGCHUAN.read_bytes()[:-1] + b"\0"  # the same bytes but one: what "someone else saved" looks like
    saved = threading.Event()
    stop = threading.Event()

    def other_program() -> None:
        while not stop.is_set():
            if list(tmp_path.glob(".xltasks-*.xlsx")):
                master.write_bytes(theirs)
                saved.set()
                return
            time.sleep(0.0005)

    watcher = threading.Thread(target=other_program)
    watcher.start()
    try:
        with pytest.raises(WriteRefused):
            merge(master, [returns], "2026年11月", today=__import__("datetime").date(2026, 11, 25), jobs=1)
    finally:
        stop.set()
        watcher.join()
    assert saved.is_set() and master.read_bytes() == theirs
    assert not list(tmp_path.glob(".xltasks-*")) and not _backups(master)


def test_split_force_keeps_the_replaced_returns_in_a_backup_folder(tmp_path):
    from xltasks.actions.split import split

    out = tmp_path / "报送表"
    first = split(TONGCHUAN, out, "2026年11月").files
    before = {f.path.name: f.path.read_bytes() for f in first}
    again = split(TONGCHUAN, out, "2026年11月", force=True).files
    assert not list(out.glob("*.备份-*")), "a backup among the returns to be sent"
    kept = sorted((out / "备份").glob("*.备份-*.xlsx"))
    assert len(kept) == len(first) and all(f.backup and f.backup.parent == out / "备份" for f in again)
    assert sorted(p.read_bytes() for p in kept) == sorted(before.values())


def test_merge_on_a_disk_without_room_for_the_backup_says_how_much_is_needed(small_disk, tmp_path, capsys):
    """Through the CLI: exit 2, one Chinese sentence with the folder and the space needed; the master unchanged."""
    from conftest import run
    from test_merge_plan import answer

    from xltasks.actions.split import split

    issued = {f.share.unit: f.path for f in split(TONGCHUAN, tmp_path / "issued", "2026年11月").files}
    returns = tmp_path / "returns"
    returns.mkdir()
    answer(issued["市住建局"], returns / "zj.xlsx", "已完成", 100)
    master = Path(shutil.copy(TONGCHUAN, small_disk / "总台账.xlsx"))
    before = master.read_bytes()
    _fill_to(small_disk, int(len(before) * 1.8))
    code, _, err = run(["merge", str(master), str(returns), "--round", "2026年11月", "--as-of", "2026-11-25"], capsys)
    assert code == 2, err
    assert "磁盘空间不足" in err and str(small_disk) in err and "Errno" not in err and "内部出错" not in err, err
    assert master.read_bytes() == before
    assert not list(small_disk.glob(".xltasks-*")) and not _backups(master)
