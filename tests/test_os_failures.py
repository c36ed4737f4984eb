"""Operating-system failures through the CLI: a read-only folder, a full disk, no permission, a path too long, a
missing or malformed TOML file. Each is one Chinese sentence with the path, exit 2, and what was done is shown."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCES, run
from xltasks.core.schemas import validator

SOURCE = SOURCES / "tongchuan-tasks.xlsx"
ROUND = "2026年12月"
AS_ROOT = os.geteuid() == 0


def _mount_tmpfs(where: Path, size: str) -> None:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode:
        pytest.skip("root cannot be kept from writing by chmod, and mounting a tmpfs is not allowed here")


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder that cannot be written, holding `seed` copies: chmod for a user, a read-only tmpfs for root."""
    where = tmp_path / "只读"

    def make(*seed: Path) -> Path:
        if AS_ROOT:
            _mount_tmpfs(where, "4m")
        else:
            where.mkdir()
        for path in seed:
            shutil.copy2(path, where / path.name)
        if AS_ROOT:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        else:
            where.chmod(0o555)
        return where

    yield make
    if AS_ROOT:
        _umount(where)
    elif where.exists():
        where.chmod(0o755)


@pytest.fixture
def full_dir(tmp_path):
    """A 40 KB tmpfs filled to the last byte (root only: nothing else makes a real full disk)."""
    if not AS_ROOT:
        pytest.skip("a full disk needs a tmpfs mount, which needs root")
    where = tmp_path / "满"
    _mount_tmpfs(where, "40k")
    try:
        with open(where / "fill", "wb", buffering=0) as f:
            while True:
                f.write(b"\0" * 4096)
    except OSError:
        pass
    yield where
    _umount(where)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    assert run_demo(out) == 0
    return out


def run_demo(out: Path) -> int:
    return subprocess.run(["python", "-m", "xltasks", "demo", "-o", str(out)], capture_output=True).returncode


def _master(demo: Path) -> Path:
    return demo / "铜川市养老服务改革试点-总台账.xlsx"


def _filled(demo: Path) -> Path:
    return demo / "铜川市养老服务改革试点-报送表-演示回收"


def told_in_chinese(code: int, err: str, path: Path | str, *reasons: str) -> None:
    assert code == 2, err
    assert "Errno" not in err and "内部出错" not in err and "Traceback" not in err, err
    assert str(path) in err, err
    assert any(r in err for r in reasons), err


def test_import_into_a_readonly_folder(readonly_dir, capsys):
    where = readonly_dir()
    code, _, err = run(["import", str(SOURCE), "-o", str(where / "总台账.xlsx")], capsys)
    told_in_chinese(code, err, where, "只读", "没有权限")
    assert not list(where.iterdir())


def test_split_demo_and_addin_into_a_readonly_folder(readonly_dir, demo_dir, capsys):
    where = readonly_dir()
    for argv in (["split", str(_master(demo_dir)), "-o", str(where / "下发"), "--round", ROUND],
                 ["demo", "-o", str(where / "演示")],
                 ["excel", "addin", "-o", str(where / "任务报送.xlam")]):
        code, _, err = run(argv, capsys)
        told_in_chinese(code, err, where, "只读", "没有权限")


def test_merge_of_a_master_in_a_readonly_folder_leaves_it(readonly_dir, demo_dir, capsys):
    where = readonly_dir(_master(demo_dir))
    master = where / _master(demo_dir).name
    before = master.read_bytes()
    code, _, err = run(["merge", str(master), str(_filled(demo_dir)), "--round", ROUND], capsys)
    told_in_chinese(code, err, where, "只读", "没有权限")
    assert "总台账未改动" in err and master.read_bytes() == before


def test_validate_prints_its_results_before_the_report_it_could_not_write(readonly_dir, demo_dir, capsys):
    where = readonly_dir()
    code, out, err = run(["validate", str(_filled(demo_dir)), "--report", str(where / "校验.xlsx")], capsys)
    told_in_chinese(code, err, where, "只读", "没有权限")
    assert "报送表校验结果" in out and "共" in out and "校验已完成" in err


def test_validate_json_keeps_the_results_with_the_error(readonly_dir, demo_dir, capsys):
    import json

    where = readonly_dir()
    code, out, _ = run(["validate", str(_filled(demo_dir)), "--report", str(where / "校验.xlsx"), "--json"], capsys)
    data = json.loads(out)
    assert list(validator("validate-result").iter_errors(data)) == []
    assert code == 2 and data["files"] and str(where) in data["error"]["message"]
    assert "Errno" not in data["error"]["message"]


def test_import_onto_a_full_disk(full_dir, capsys):
    code, _, err = run(["import", str(SOURCE), "-o", str(full_dir / "总台账.xlsx")], capsys)
    told_in_chinese(code, err, full_dir, "磁盘空间已满")
    assert not [p for p in full_dir.iterdir() if p.suffix == ".xlsx"]  # no master, no temporary file left


def test_no_permission(tmp_path, capsys):
    if AS_ROOT:
        where = Path("/sys")  # sysfs refuses new files even to root
    else:
        where = tmp_path / "锁定"
        where.mkdir(mode=0o500)
    code, _, err = run(["import", str(SOURCE), "-o", str(where / "总台账.xlsx")], capsys)
    told_in_chinese(code, err, where, "没有权限")


def test_a_path_too_long(tmp_path, capsys):
    target = tmp_path / ("很长的名称" * 60 + ".xlsx")
    code, _, err = run(["import", str(SOURCE), "-o", str(target)], capsys)
    told_in_chinese(code, err, tmp_path, "路径太长")


def test_serve_with_a_missing_programmes_file(tmp_path, capsys):
    missing = tmp_path / "nosuch.toml"
    code, _, err = run(["serve", "--programmes", str(missing)], capsys)
    told_in_chinese(code, err, missing, "找不到")


def test_serve_with_a_malformed_programmes_file(tmp_path, capsys):
    bad = tmp_path / "项目.toml"
    bad.write_text('[[programme]]\nmaster = = "x"\n', encoding="utf-8")
    code, _, err = run(["serve", "--programmes", str(bad)], capsys)
    told_in_chinese(code, err, bad, "不是有效的TOML格式")
    assert "第2行第10列" in err and "Invalid" not in err


def test_serve_with_a_programme_config_that_is_a_folder(tmp_path, demo_dir, capsys):
    listed = tmp_path / "项目.toml"
    listed.write_text(f'[[programme]]\nmaster = "{_master(demo_dir)}"\ninbox = "{tmp_path}"\noutbox = "{tmp_path}"\n'
                      f'config = "{tmp_path}"\n', encoding="utf-8")
    code, _, err = run(["serve", "--programmes", str(listed)], capsys)
    told_in_chinese(code, err, tmp_path, "文件夹")


def test_a_malformed_config_names_the_line_and_column(tmp_path, capsys):
    bad = tmp_path / "办公室.toml"
    bad.write_text("[status]\nwarning_days = = 3\n", encoding="utf-8")
    code, _, err = run(["import", str(SOURCE), "-o", str(tmp_path / "m.xlsx"), "--config", str(bad)], capsys)
    told_in_chinese(code, err, bad, "不是有效的TOML格式")
    assert "第2行第16列" in err
