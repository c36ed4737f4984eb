"""`xltasks serve` as a real process on 127.0.0.1, called with a real HTTP client the way both xlwings clients call it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from conftest import ROOT
from xlwings_harness import apply, payload
from xltasks.actions.demo import fill_demo_return
from xltasks.actions.split import split
from xltasks.core.returns import LEAD_SHEET
from xltasks.excel.coordinator import NEEDED_SHEETS

TOKEN = "s3cret-token-for-tests-0123456789"               # the clerks'
COORDINATOR = "coordinator-s3cret-for-tests-9876543210"  # the coordinator's
MASTER = ROOT / "workbooks" / "masters" / "tongchuan-master.xlsx"
TODAY = dt.date.today()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> tuple[subprocess.Popen, str]:
    """The server as a real process; what it logs goes to a file (a pipe nobody reads would fill and stop it)."""
    port = free_port()
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    log = tempfile.NamedTemporaryFile("w+", encoding="utf-8", prefix="xltasks-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "xltasks", "serve", "--port", str(port), *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    proc.log = Path(log.name)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            if proc.poll() is not None:
                raise AssertionError(server_log(proc))
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("xltasks serve did not start")


def server_log(proc: subprocess.Popen) -> str:
    return proc.log.read_text(encoding="utf-8", errors="replace")[-5000:]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("server")
    shutil.copy(MASTER, root / "总台账.xlsx")
    (root / "报送表").mkdir()
    (root / "token.txt").write_text(TOKEN + "\n", encoding="utf-8")
    (root / "coordinator.txt").write_text(COORDINATOR + "\n", encoding="utf-8")
    (root / "programmes.toml").write_text(
        f'[[programme]]\nmaster = "{root / "总台账.xlsx"}"\ninbox = "{root / "报送表"}"\noutbox = "{root / "下发表"}"\n',
        encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(office):
    proc, url = start("--token-file", str(office / "token.txt"), "--coordinator-token-file",
                      str(office / "coordinator.txt"), "--programmes", str(office / "programmes.toml"))
    yield url
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, server_log(proc)  # stops cleanly


def post(url: str, script: str, body: bytes, token: str = TOKEN) -> httpx.Response:
    return httpx.post(f"{url}/xlwings/custom-scripts-call/{script}", content=body, timeout=60,
                      headers={"Authorization": token, "Content-Type": "application/json"})


@pytest.fixture(scope="module")
def bad_return(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("issued")
    issued = next(f.path for f in split(MASTER, out, "2026年11月").files if f.share.unit == "市民政局")
    return fill_demo_return(issued, out / "filled.xlsx", TODAY, 1, mistake=True)


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_the_clerks_check_through_the_server(server, bad_return, tmp_path, client):
    path = Path(shutil.copy(bad_return, tmp_path / "r.xlsx"))
    answer = post(server, "validate_return", payload(path, client, exclude=["填报说明"]))
    assert answer.status_code == 200, answer.text
    done = apply(path, answer.json()["actions"])
    assert done.alerts == ["共1处需修改，已标红；详见「校验结果」表。"]
    ws = load_workbook(path)[LEAD_SHEET]
    assert any(c.fill.fgColor.rgb[-6:] == "FFC7CE" for row in ws.iter_rows(min_row=6) for c in row)
    answer = post(server, "clear_marks", payload(path, client))
    assert apply(path, answer.json()["actions"]).alerts == ["已清除1处标记。"]
    answer = post(server, "export_return", payload(path, client))
    assert "暂不能导出" in apply(path, answer.json()["actions"]).alerts[0]


def test_refusals_are_chinese_text_and_the_server_keeps_answering(server, bad_return):
    body = payload(bad_return)
    cases = {
        "wrong token": (post(server, "validate_return", body, token="nope"), 401, "口令"),
        "no token": (post(server, "validate_return", body, token=""), 401, "口令"),
        "unknown script": (post(server, "format_disk", body), 404, "没有“format_disk”"),
        "garbage": (post(server, "validate_return", b"\x00\xffnot json{"), 400, "JSON"),
        "not a book": (post(server, "validate_return", b'{"a": 1}'), 400, "缺少"),
        "half a book": (post(server, "validate_return", json.dumps(
            {"client": "Office.js", "version": "x", "book": {}, "sheets": [{"values": 3}]}).encode()), 400, "不完整"),
        "nested": (post(server, "validate_return", b"[" * 100_000 + b"]" * 100_000), 400, "JSON"),
        "a dict in a cell": (post(server, "validate_return", body.replace(b'"values": [[', b'"values": [[{"a": 1}, ', 1)),
                             400, "不完整"),
        "a #SPILL! cell from VBA": (post(server, "validate_return", body.replace(b'"values": [[', b'"values": [[1,,', 1)),
                                    400, "#SPILL!"),
        "old add-in": (post(server, "validate_return", body.replace(b'"version": "', b'"version": "0.0.1-')),
                       400, "版本"),
        "oversize": (post(server, "validate_return", b" " * (64 * 1024 * 1024 + 10)), 413, "太大"),
        "a web page's post": (httpx.post(f"{server}/xlwings/custom-scripts-call/validate_return", content=body,
                                         headers={"Authorization": TOKEN, "Content-Type": "text/plain"}), 415, "内容类型"),
        "no token, big body": (post(server, "validate_return", b" " * (64 * 1024 * 1024 + 10), token=""), 401, "口令"),
    }
    cases["a GET"] = (httpx.get(f"{server}/xlwings/custom-scripts-call/validate_return"), 405, "POST")
    for name, (answer, status, words) in cases.items():
        assert answer.status_code == status, (name, answer.text)
        assert answer.headers["content-type"].startswith("text/plain"), name
        assert words in answer.text and "Traceback" not in answer.text, (name, answer.text)
    assert httpx.get(f"{server}/health").status_code == 200


def test_twenty_clerks_at_once(server, bad_return):
    body = payload(bad_return)
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: post(server, "validate_return", body), range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1  # each the same answer
    assert httpx.get(f"{server}/health").status_code == 200


def test_the_coordinators_buttons_work_on_the_servers_folders(server, office, tmp_path):
    master = office / "总台账.xlsx"
    body = lambda: payload(master, "VBA", include=list(NEEDED_SHEETS))  # noqa: E731
    post = lambda url, script, body: globals()["post"](url, script, body, token=COORDINATOR)  # noqa: E731
    first = apply(master, post(server, "split_round", body()).json()["actions"])
    assert "写入按钮设置" in first.alerts[0]
    wb = load_workbook(master)
    for row in wb["使用说明"].iter_rows():
        if row[0].value == "本期期次":
            row[1].value = "2026年11月"
        if row[0].value in ("报送表文件夹", "下发表文件夹"):
            row[1].value = "/etc"  # a client's path is never used on the server
    wb.save(master)
    done = apply(master, post(server, "split_round", body()).json()["actions"])
    issued = sorted((office / "下发表").glob("*.xlsx"))
    assert done.alerts[0].startswith(f"已生成{len(issued)}份报送表") and str(office / "下发表") in done.alerts[0]
    for i, path in enumerate(issued[:3]):
        fill_demo_return(path, office / "报送表" / path.name, dt.date(2026, 11, 28), i)
    done = apply(master, post(server, "validate_folder", body()).json()["actions"])
    assert done.alerts[0].startswith("共3份，通过3份")
    (office / "报送表" / "~$lock.xlsx").write_bytes(b"x")  # the Excel lock file of a return open on the share
    done = apply(master, post(server, "validate_folder", body()).json()["actions"])
    assert done.alerts[0].startswith("共3份，通过3份，有误0份；另跳过1个")
    stale = body()
    done = apply(master, post(server, "merge_folder", body()).json()["actions"])
    assert done.alerts[0].startswith("汇总3份") and "重新打开" in done.alerts[0]
    stale_alert = post(server, "validate_folder", stale).json()["actions"][-1]["args"][0]
    assert "已被更新" in stale_alert and "不要保存" in stale_alert  # never "save": that would undo the merge
    (office / "~$总台账.xlsx").write_bytes(b"x")  # the master open in Excel on the share
    done = apply(master, post(server, "refresh_stats", body()).json()["actions"])
    assert "打开" in done.alerts[0] and "刷新统计" not in done.alerts[0]
    (office / "~$总台账.xlsx").unlink()
    stranger = tmp_path / "其他.xlsx"
    shutil.copy(ROOT / "workbooks" / "masters" / "yanta-master.xlsx", stranger)
    answer = post(server, "split_round", payload(stranger, include=list(NEEDED_SHEETS)))
    assert answer.status_code == 400 and "没有配置这个项目" in answer.text


def test_listening_beyond_loopback_needs_a_usable_token(tmp_path):
    done = subprocess.run([sys.executable, "-m", "xltasks", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "口令" in done.stderr and "Traceback" not in done.stderr
    chinese = tmp_path / "口令.txt"
    chinese.write_text("铜川市养老服务改革试点口令2026年", encoding="utf-8")  # headers carry ASCII only
    done = subprocess.run([sys.executable, "-m", "xltasks", "serve", "--token-file", str(chinese), "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "不能有汉字" in done.stderr
    same = tmp_path / "same.txt"
    same.write_text(TOKEN, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "xltasks", "serve", "--token-file", str(same),
                           "--coordinator-token-file", str(same), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "不同的口令" in done.stderr  # else every clerk PC could merge
    done = subprocess.run([sys.executable, "-m", "xltasks", "serve", "--allowed-origin", "javascript:alert(1)",
                           "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--allowed-origin" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "xltasks", "serve", "--allowed-host", "http://xltasks.bgs.local",
                           "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "不带 http://" in done.stderr  # it would have been taken as the name "http"


def test_loopback_without_a_token_and_the_alert_page():
    proc, url = start()
    try:
        page = httpx.get(f"{url}/xlwings/alert", params={"prompt": "<b>共3处</b>", "title": "t",
                                                         "callback": '"><script>x()</script>'}).text
        assert page.count("&lt;b&gt;共3处") == 1 and "<script>x()" not in page and "'ok|'" in page
        meta = httpx.get(f"{url}/xlwings/custom-scripts-meta.json").json()
        assert {m["function_name"] for m in meta} >= {"validate_return", "merge_folder"}
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


def test_serve_without_the_excel_extra_says_what_to_install(monkeypatch, capsys):
    from conftest import run

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if `pip install xltasks` without [excel]
    monkeypatch.delitem(sys.modules, "xltasks.excel.server", raising=False)
    code, _, err = run(["serve", "--port", str(free_port())], capsys)
    assert code == 2 and 'pip install "xltasks[excel]"' in err and "fastapi" in err
