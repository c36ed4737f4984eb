"""The coordinator's buttons on a 100,000-task master through VBA's payload, and a window older than its file.

VBA's RunServerPython keeps a sheet's used rows in an Integer: past 32,767 rows the press fails before it is sent.
So a coordinator's request carries 使用说明 and _xltasks only, and a write of the master since the window was
opened shows in _xltasks, whose digest of the master's values every merge renews.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import CONFIGS, ROOT
from xlwings_harness import actions_of, apply, book_from, payload
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.core.config import parse_config
from xltasks.core.deadlines import parse_deadline
from xltasks.core.programme import Programme, Unit
from xltasks.core.tasks import Task, assign_ids
from xltasks.excel import buttons
from xltasks.excel.coordinator import NEEDED_SHEETS
from xltasks.excel.server import SCRIPTS
from xltasks.files.master.layout import HELP_SHEET, TASK_SHEET
from xltasks.files.master.write import master_sheets
from xltasks.files.xlsx.book_write import write_book

ROUND = "2026年11月"
VBA_ROWS = 32_000  # below the 32,767 of VBA's Integer, with room for a few rows added before a press
TASKS, UNITS = 100_000, 20
SETTINGS = [["本期期次", ROUND], ["报送表文件夹", "报送表"], ["下发表文件夹", "下发表"]]


def big_programme() -> Programme:
    """TASKS one-row tasks over UNITS lead units, as import would read them from a plain table (built here: import
    itself reads 100,000 rows in ten seconds or more, and is tested elsewhere)."""
    deadlines = {n: parse_deadline("长期坚持" if n == 0 else f"2026年{n}月底前") for n in range(13)}
    tasks = [Task("", str(n), 1, "", f"第{n}项任务：推进第{n % UNITS + 1}单位的第{n}项重点工作，按月报送进展。",
                  [f"单位{n % UNITS + 1:04d}"], [f"单位{(n + 1) % UNITS + 1:04d}"],
                  deadlines[0 if n % 3 == 0 else 1 + n % 12], "任务表", f"B{n + 1}") for n in range(1, TASKS + 1)]
    assign_ids(tasks)
    units = [Unit(f"单位{u:04d}", lead_tasks=TASKS // UNITS, coop_tasks=TASKS // UNITS) for u in range(1, UNITS + 1)]
    return Programme("十万项任务清单", tasks, units, [], [], TASKS, table_sheet="任务表")


@pytest.fixture(scope="module")
def big_master(tmp_path_factory) -> Path:
    """A 100,000-task master as import writes it, its 使用说明 already holding the buttons' settings rows."""
    defaults = parse_config(None)
    sheets = master_sheets(big_programme(), "任务表.xlsx", hashlib.sha256(b"source").hexdigest(), None,
                           defaults.status_labels)
    next(sheet for sheet, _ in sheets if sheet.name == HELP_SHEET).rows.extend(SETTINGS)
    master = tmp_path_factory.mktemp("big") / "总台账.xlsx"
    write_book(master, sheets, defaults.status_colors)
    return master


def press(body: bytes, button) -> list[dict]:
    """A click through the VBA client's request, as RunPython's mock caller makes it: the answer's actions."""
    book = book_from(body)
    book.set_mock_caller()
    button()
    return actions_of(book)


def vba_request(master: Path) -> bytes:
    return payload(master, "VBA", include=list(NEEDED_SHEETS), name=str(master), lazy=True)


def alert(actions: list[dict]) -> str:
    return next(a["args"][0] for a in actions if a["func"] == "alert")


def test_every_coordinator_button_works_on_a_100000_task_master_through_vba(big_master):
    assert load_workbook(big_master, read_only=True)[TASK_SHEET].max_row > TASKS  # more than VBA can send
    for name, script in SCRIPTS.items():
        if script.who == "coordinator":
            sent = json.loads(payload(big_master, "VBA", include=list(script.include), lazy=True))
            rows = {s["name"]: len(s["values"]) for s in sent["sheets"]}
            assert max(rows.values()) <= VBA_ROWS and rows[TASK_SHEET] == 1, (name, rows)  # [[]]: left out
            assert 1 < rows["_xltasks"] < 100, rows  # the metadata sheet stays a few dozen rows
    issued = split(big_master, big_master.parent / "下发表", ROUND, units=["单位0001"]).files
    inbox = big_master.parent / "报送表"
    inbox.mkdir()
    fill_demo_return(issued[0].path, inbox / issued[0].path.name, dt.date(2026, 11, 28), 1)
    opened = vba_request(big_master)

    assert "不会覆盖" in alert(press(opened, buttons.xl_split_round))  # this round's return is out already
    checked = press(opened, buttons.xl_validate_folder)
    assert alert(checked).startswith("共1份，通过1份，有误0份。")
    assert any(a["func"] == "setValues" and a["values"][0][0] == "文件" for a in checked)  # 校验汇总 written
    assert "总台账已写入" in alert(press(opened, buttons.xl_merge_folder))
    assert "在您打开之后已被更新" in alert(press(opened, buttons.xl_refresh_stats))  # the window before the merge


def test_a_window_opened_before_a_second_merge_of_the_same_round_is_told_apart(tmp_path):
    """Merged again the same day for the same round (a unit sent a correction), _xltasks's round and date stay
    as they were; its digest does not, so the window opened in between is told to reopen, never to save."""
    master = Path(shutil.copy(ROOT / "workbooks" / "masters" / "yanta-master.xlsx", tmp_path / "总台账.xlsx"))
    shutil.copy(CONFIGS / "yanta.toml", tmp_path / "office.toml")
    apply(master, press(payload(master, include=list(NEEDED_SHEETS), name=str(master)), buttons.xl_split_round))
    wb = load_workbook(master)
    next(r for r in wb[HELP_SHEET].iter_rows() if r[0].value == "本期期次")[1].value = ROUND
    wb.save(master)
    assert alert(press(payload(master, include=list(NEEDED_SHEETS), name=str(master)),
                       buttons.xl_split_round)).startswith("已生成")
    issued = sorted((tmp_path / "下发表").glob("*.xlsx"))
    inbox = tmp_path / "报送表"
    inbox.mkdir()
    for i, path in enumerate(issued[:3]):
        fill_demo_return(path, inbox / path.name, dt.date(2026, 11, 28), i)
    assert "总台账已写入" in alert(press(payload(master, include=list(NEEDED_SHEETS), name=str(master)),
                                         buttons.xl_merge_folder))
    between = payload(master, include=list(NEEDED_SHEETS), name=str(master))  # opened after the first merge
    fill_demo_return(issued[0], inbox / issued[0].name, dt.date(2026, 11, 28), 7)  # a correction, same round
    assert "总台账已写入" in alert(press(payload(master, include=list(NEEDED_SHEETS), name=str(master)),
                                         buttons.xl_merge_folder))
    sheets = {s["name"]: s["values"] for s in json.loads(between)["sheets"]}
    now = {s["name"]: s["values"] for s in json.loads(payload(master, include=list(NEEDED_SHEETS)))["sheets"]}
    facts = lambda rows: {r[0]: r[1] for r in rows if r and r[0] != "written_digest"}  # noqa: E731
    assert facts(sheets["_xltasks"]) == facts(now["_xltasks"])  # without the digest, nothing would tell them apart
    assert "在您打开之后已被更新" in alert(press(between, buttons.xl_validate_folder))
    assert "没有改动" in alert(press(payload(master, include=list(NEEDED_SHEETS), name=str(master)),
                                   buttons.xl_merge_folder))  # the digest itself changes nothing when nothing changed
