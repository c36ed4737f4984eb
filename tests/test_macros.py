"""macros/: every ribbon button names a sub in both VBA modules, and every sub names something that exists."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from conftest import ROOT
from xltasks.excel import buttons
from xltasks.excel.server import SCRIPTS

MACROS = ROOT / "macros"


def vba(name: str) -> str:
    return (MACROS / name).read_text(encoding="gbk")  # what the VBA editor on a Chinese Windows imports


def test_the_ribbon_names_subs_that_call_what_exists():
    ribbon = ET.parse(MACROS / "customUI14.xml").getroot()
    ns = {"c": "http://schemas.microsoft.com/office/2009/07/customui"}
    assert [t.get("label") for t in ribbon.iterfind(".//c:tab", ns)] == ["任务报送"]
    groups = {g.get("label"): [b.get("label") for b in g.iterfind("c:button", ns)] for g in ribbon.iterfind(".//c:group", ns)}
    assert groups == {"填报": ["校验本表", "清除标记", "导出报送文件"], "汇总": ["生成下发表", "批量校验", "汇总报送", "刷新统计"]}
    actions = [b.get("onAction") for b in ribbon.iterfind(".//c:button", ns)]
    local, remote = vba("XltasksButtons.bas"), vba("XltasksRemote.bas")
    for source in (local, remote):
        subs = re.findall(r"^Sub (\w+)\(control As IRibbonControl\)$", source, re.M)
        assert subs == actions
    targets = re.findall(r'If Trusted\(\) Then RunPython SAFE_PATH & "import xltasks\.excel\.buttons as b; b\.(\w+)\(\)"', local)
    assert len(targets) == len(actions) and all(callable(getattr(buttons, t, None)) for t in targets)
    assert [buttons.LABELS[t] for t in targets] == [l for labels in groups.values() for l in labels]
    scripts = re.findall(r'/xlwings/custom-scripts-call/(\w+)", auth:=GetConfig\("AUTH"\), (include|exclude):="([^"]*)"'
                         r'(, timeout:=\d+)?$', remote, re.M)
    assert [s for s, _, _, _ in scripts] == list(SCRIPTS)
    for name, kind, sheets, timeout in scripts:  # the request carries what the script declares, nothing more
        assert tuple(sheets.split(",")) == getattr(SCRIPTS[name], kind), name
        assert bool(timeout) == (SCRIPTS[name].who == "coordinator"), name  # a merge outlasts VBA's 30 s default


def test_the_python_path_guard_keeps_only_the_installed_pythons_folders(tmp_path):
    """What SAFE_PATH runs before xltasks is imported: a planted xltasks package in the workbook's folder (put first
    on the path by xlwings, and the current folder of `python -c`) is never imported."""
    import subprocess
    import sys

    guard = re.search(r'Private Const SAFE_PATH As String = "([^"]*)"', vba("XltasksButtons.bas"))[1]
    planted = tmp_path / "xltasks"
    planted.mkdir()
    (planted / "__init__.py").write_text("raise SystemExit('PLANTED CODE RAN')", encoding="utf-8")
    code = guard + "import xltasks; print(xltasks.__file__)"
    env = {"PYTHONPATH": f"{tmp_path}{__import__('os').pathsep}{tmp_path / 'r.zip'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and str(tmp_path) not in done.stdout, done.stdout + done.stderr
    assert "PLANTED" not in done.stdout + done.stderr
    assert subprocess.run([sys.executable, "-c", "import xltasks"], cwd=tmp_path, env=env, capture_output=True,
                          text=True).returncode != 0  # without the guard the planted package is what runs


def test_both_modules_refuse_a_workbook_that_brings_xlwings_settings_or_code():
    for name in ("XltasksButtons.bas", "XltasksRemote.bas"):
        source = vba(name)
        calls = re.findall(r"^    (.*)$", source.split("End Function")[-1], re.M)
        assert calls and all(c.startswith("If Trusted() Then Run") for c in calls if c.startswith(("Run", "If "))), name
        assert all(word in source for word in ('"xlwings.conf"', '".py"', '"xltasks"', '".zip"')), name
