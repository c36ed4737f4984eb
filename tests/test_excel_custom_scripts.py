"""The buttons as xlwings-server custom scripts: xlwings' own dispatcher runs them on real workbooks' payloads."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from xlwings_harness import actions_of, apply, book_from, payload
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.excel.coordinator import NEEDED_SHEETS
from xltasks.excel.server import SCRIPTS

MASTER = ROOT / "workbooks" / "masters" / "yanta-master.xlsx"


def call(name: str, body: bytes):
    import xlwings.server

    from xltasks.excel import custom_scripts

    book = book_from(body)
    done = xlwings.server.custom_scripts_call(custom_scripts, name, None, typehint_to_value={type(book): book})
    return asyncio.run(done) if asyncio.iscoroutine(done) else done


def test_the_scripts_xlwings_server_lists_are_ours():
    import xlwings.server

    from xltasks.excel import custom_scripts

    meta = {m["function_name"]: (m["include"], m["exclude"]) for m in xlwings.server.custom_scripts_meta(custom_scripts)}
    assert meta == {name: (",".join(s.include) or None, ",".join(s.exclude) or None) for name, s in SCRIPTS.items()}


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_a_clerk_and_a_coordinator_through_xlwings_server(tmp_path, monkeypatch, client):
    issued = split(MASTER, tmp_path / "out", "2026年11月").files[0].path
    path = fill_demo_return(issued, tmp_path / "r.xlsx", dt.date(2026, 11, 28), 1, mistake=True)
    done = apply(path, actions_of(call("validate_return", payload(path, client))))
    assert done.alerts[0].startswith("共") and done.active == "校验结果"
    master = Path(shutil.copy(MASTER, tmp_path / "总台账.xlsx"))
    body = payload(master, client, include=list(NEEDED_SHEETS))
    assert "没有配置这个项目" in apply(master, actions_of(call("split_round", body))).alerts[0]
    (tmp_path / "programmes.toml").write_text(
        f'[[programme]]\nmaster = "{master}"\ninbox = "{tmp_path / "in"}"\noutbox = "{tmp_path / "下发表"}"\n',
        encoding="utf-8")
    monkeypatch.setenv("XLTASKS_PROGRAMMES", str(tmp_path / "programmes.toml"))
    done = apply(master, actions_of(call("split_round", body)))
    assert "写入按钮设置" in done.alerts[0]
