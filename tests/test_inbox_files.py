"""What lies in an inbox besides returns: a 60 GB sparse file, a named pipe, links out of the folder. Each is a
finding, told from its directory entry before anything opens or hashes it; the good returns still merge."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from test_merge_plan import answer
from xltasks.actions.split import split
from xltasks.actions.validate import inbox_files
from xltasks.files.sources.sniff import MAX_FILE_BYTES

TONGCHUAN = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
ROUND = "2021年6月"
HUGE = 60 * 2**30


def cli(*args: str) -> tuple[int, dict]:
    """The command in its own process; a run that opens the pipe would wait for a writer forever, so it has a
    limit, and reaching it fails the test."""
    done = subprocess.run([sys.executable, "-m", "xltasks", *args, "--json"], capture_output=True, text=True,
                          timeout=240)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> dict[str, Path]:
    return {f.share.unit: f.path for f in
            split(TONGCHUAN, tmp_path_factory.mktemp("issued"), ROUND, with_coop=True).files}


@pytest.fixture
def inbox(issued, tmp_path) -> Path:
    """Two returns, one more behind a link inside the inbox, and the strange entries."""
    inbox, elsewhere = tmp_path / "报送表", tmp_path / "别处"
    (inbox / "存档").mkdir(parents=True)
    elsewhere.mkdir()
    answer(issued["王益区政府"], inbox / "王益.xlsx", "已完成", 100)
    answer(issued["市民政局"], inbox / "民政局.xlsx", "推进中", 60, coop="提供名单")
    answer(issued["市住建局"], inbox / "存档" / "zj.data", "已完成", 100)  # not a spreadsheet's name: only the link
    (inbox / "住建局.xlsx").symlink_to(Path("存档") / "zj.data")
    with open(inbox / "巨大.xlsx", "wb") as f:
        f.truncate(HUGE)  # sparse: no block written, but reading it all would take minutes
    os.mkfifo(inbox / "管道.xlsx")
    answer(issued["市人社局"], elsewhere / "交通.xlsx", "推进中", 50)
    (inbox / "交通.xlsx").symlink_to(elsewhere / "交通.xlsx")
    (inbox / "共享").symlink_to(elsewhere, target_is_directory=True)
    return inbox


def by_name(files: list[dict]) -> dict[str, list[str]]:
    return {Path(f["path"]).name: [x["code"] for x in f["findings"] if x["severity"] == "error"] for f in files}


def test_validate_skips_what_must_not_be_opened(inbox):
    code, data = cli("validate", str(inbox))
    seen = by_name(data["files"])
    assert seen == {"交通.xlsx": ["source.outside-link"], "共享": ["source.outside-link"],
                    "住建局.xlsx": [], "巨大.xlsx": ["source.too-large"], "民政局.xlsx": [],
                    "王益.xlsx": [], "管道.xlsx": ["source.special-file"]}
    messages = {Path(f["path"]).name: f["findings"][0]["message"] for f in data["files"] if f["findings"]}
    assert "61440 MB" in messages["巨大.xlsx"] and "命名管道" in messages["管道.xlsx"]
    assert str(inbox.parent / "别处" / "交通.xlsx") in messages["交通.xlsx"]
    assert code == 1 and data["summary"]["valid"] == 3


def test_merge_merges_the_good_returns_and_hashes_no_refused_file(inbox, tmp_path):
    master = Path(shutil.copy(TONGCHUAN, tmp_path / "总台账.xlsx"))
    code, data = cli("merge", str(master), str(inbox), "--round", ROUND)
    assert data["written"], data
    register = {Path(r[7]).name: r for r in load_workbook(master)["报送记录"].iter_rows(min_row=3, values_only=True)}
    merged = sorted(r[2] for r in register.values() if r[3] == "已汇总")
    assert merged == ["市住建局", "市民政局", "王益区政府"]
    assert all(len(register[name][8]) == 64 for name in ("王益.xlsx", "民政局.xlsx", "住建局.xlsx"))
    refused = ("巨大.xlsx", "管道.xlsx", "交通.xlsx", "共享")
    assert [(register[name][3], register[name][8]) for name in refused] == [("退回", None)] * 4  # never read


def test_a_file_named_directly_may_be_a_link_anywhere_but_not_a_pipe(inbox):
    code, data = cli("validate", str(inbox / "交通.xlsx"), str(inbox / "管道.xlsx"), str(inbox / "巨大.xlsx"))
    assert by_name(data["files"]) == {"交通.xlsx": [], "管道.xlsx": ["source.special-file"],
                                      "巨大.xlsx": ["source.too-large"]}


def test_a_link_into_another_folder_given_is_inside(inbox, tmp_path):
    """Several inboxes at once: a link from one into another stays within what the coordinator named."""
    listed = inbox_files([inbox, tmp_path / "别处"])
    found = {f.path.name: f.within for f in listed}
    assert found["交通.xlsx"] is not None and "共享" not in found  # a folder link into a given folder: not listed
    assert not any("共享" in f.path.parts for f in listed)  # nor walked into: its files come once, from 别处
    code, data = cli("validate", str(inbox), str(tmp_path / "别处"))
    seen = by_name(data["files"])
    assert seen["交通.xlsx"] == [] and seen["巨大.xlsx"] == ["source.too-large"]


def test_the_size_limit_is_the_readers_own(inbox):
    """The entry check and the reader refuse at the same size: a file just over it is never opened either."""
    just_over = inbox / "略大.xlsx"
    with open(just_over, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    code, data = cli("validate", str(just_over))
    assert by_name(data["files"]) == {"略大.xlsx": ["source.too-large"]}
