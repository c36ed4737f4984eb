"""macros/: every ribbon button names a sub in both VBA modules, and every sub names something that exists."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import ROOT
from xltasks.excel import buttons
from xltasks.excel.coordinator import NEEDED_SHEETS
from xltasks.excel.server import SCRIPTS

MACROS = ROOT / "macros"
# Found, not imported: xlwings imported before xlwings_harness.py sets its licence key keeps the remote engine off.
XLWINGS = Path(importlib.util.find_spec("xlwings").origin).parent


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
    targets = re.findall(r'^    Python "import xltasks\.excel\.buttons as b; b\.(\w+)\(\)"$', local, re.M)
    assert len(targets) == len(actions) and all(callable(getattr(buttons, t, None)) for t in targets)
    assert [buttons.LABELS[t] for t in targets] == [l for labels in groups.values() for l in labels]
    scripts = re.findall(r'^    (If SavedFirst\(\) Then )?Server "(\w+)", "([^"]*)", "([^"]*)"(, \d+)?$', remote, re.M)
    assert [s for _, s, _, _, _ in scripts] == list(SCRIPTS)
    for saved, name, include, exclude, timeout in scripts:  # the request carries what the script declares
        assert (tuple(include.split(",")) if include else (), tuple(exclude.split(",")) if exclude else ()) == (
            SCRIPTS[name].include, SCRIPTS[name].exclude), name
        coordinator = SCRIPTS[name].who == "coordinator"
        assert bool(timeout) == bool(saved) == coordinator, name  # a merge outlasts VBA's 30 s; unsaved edits asked
    assert NEEDED_SHEETS == ("使用说明", "_xltasks")  # no 任务清单: VBA overflows past 32,767 rows of a sheet


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


def body(source: str, kind: str, name: str) -> str:
    return re.search(rf"^Private {kind} {name}\(.*?^End {kind}$", source, re.M | re.S)[0]


def test_both_modules_refuse_a_workbook_that_brings_xlwings_settings_or_code():
    shared = None
    for name in ("XltasksButtons.bas", "XltasksRemote.bas"):
        source = vba(name)
        block = source[source.index("' xlwings takes settings"):source.index("Private Function OwnSettings")]
        assert shared in (None, block), name  # Trusted, Present, XlwingsOpen and Setting are the same text in both
        shared = block
        assert all(word in source for word in ('"xlwings.conf"', '".py"', '"xltasks"', '".zip"')), name
        trusted = body(source, "Function", "Trusted")
        assert "Present(ActiveWorkbook.Path" in trusted and "Dir(" not in source, name  # Dir misses hidden files
        assert 'InStr(ActiveWorkbook.FullName, "://")' in trusted, name  # OneDrive: xlwings reads a local folder
        assert "GetAttr(path)" in body(source, "Function", "Present"), name  # sees hidden and system files too
        assert "OwnSettings = True" in source and 'Setting(CStr(key), "", "user")' in source, name


def test_the_runpython_route_refuses_what_cmd_would_read_and_leaves_the_workbooks_folder():
    source = vba("XltasksButtons.bas")
    press = body(source, "Sub", "Python")
    checks = ["XlwingsOpen()", "Trusted()", "OwnSettings(OWN_KEYS)", "PlainPath()", "SafeFolder()"]
    at = [press.index(f"If Not {c} Then Exit Sub") for c in checks]
    assert at == sorted(at) and at[-1] < press.index("Application.Run"), press  # every check before Python runs
    plain = body(source, "Function", "PlainPath")
    assert 'Array("^", "%", "!")' in plain and "InStr(ActiveWorkbook.FullName, sign)" in plain
    folder = body(source, "Function", "SafeFolder")
    assert "Array(ThisWorkbook.Path, Application.Path)" in folder  # the add-in's folder, never the workbook's
    assert folder.index("ChDrive") < folder.index("ChDir") < folder.index("CurDir")  # ChDir alone keeps the drive
    keys = re.search(r'Private Const OWN_KEYS As String = "([^"]*)"', source)[1].split(",")
    assert {"INTERPRETER_WIN", "INTERPRETER", "CONDA PATH", "CONDA ENV", "PYTHONPATH"} <= set(keys)
    xlwings_keys = set(re.findall(r'GetConfig\("([^"]+)"', (XLWINGS / "addin" / "Main.bas").read_text("utf-8")))
    assert {"INTERPRETER_WIN", "CONDA PATH", "CONDA ENV", "PYTHONPATH", "ADD_WORKBOOK_TO_PYTHONPATH"} <= xlwings_keys


def arguments(call: str) -> list[str]:
    """The top-level comma-separated arguments of a VBA call (line continuations joined)."""
    text, out, depth, quoted, start = call.replace(" _\r\n", " ").replace(" _\n", " "), [], 0, False, 0
    for i, char in enumerate(text):
        quoted ^= char == '"'
        depth += (char == "(") - (char == ")") if not quoted else 0
        if char == "," and not depth and not quoted:
            out.append(text[start:i].strip())
            start = i + 1
    return out + [text[start:].strip()]


def parameters(source: str, function: str) -> list[str]:
    """The parameter names of a function in xlwings' own VBA."""
    head = re.search(rf"Function {function}\((.*?)\)\s*(As \w+)?\r?\n", source, re.S)[1]
    return [re.sub(r"^(Optional |ByVal |ByRef )+", "", p.strip()).split()[0]
            for p in re.sub(r"(^|\s)_\r?\n", " ", head).split(",")]


def test_xlwings_is_called_late_bound_with_its_arguments_in_their_order():
    """Application.Run takes no named arguments: each goes where xlwings' own function (this xlwings) expects it."""
    remote_bas = (XLWINGS / "addin" / "Remote.bas").read_text("utf-8")
    config_bas = (XLWINGS / "addin" / "Config.bas").read_text("utf-8")
    assert parameters(remote_bas, "RunServerPython")[:7] == ["url", "auth", "apiKey", "include", "exclude",
                                                             "headers", "timeout"]
    assert parameters(config_bas, "GetConfig") == ["configKey", "default", "source"]
    assert "If Not IsMissing(headers) Then" in remote_bas and "headers.Keys" in remote_bas  # so a dictionary
    for name in ("XltasksButtons.bas", "XltasksRemote.bas"):
        source = vba(name)
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("'"))
        bare = re.findall(r"(?<![!\w])(RunPython|RunServerPython|GetConfig)\b(?!\")", code)
        assert bare == [], (name, bare)  # a direct call would need the project reference again
        assert 'Private Const XLWINGS_ADDIN As String = "xlwings.xlam"' in source  # what xlwings addin install copies
        setting = re.search(r'Application\.Run\("\'" & XLWINGS_ADDIN & "\'!GetConfig", (.*)\)$', code, re.M)
        assert arguments(setting[1]) == ["key", "default", "source"], name
        assert "If Not XlwingsOpen() Then Exit Sub" in code and "Failed:" in code, name
    local = vba("XltasksButtons.bas")
    assert re.search(r'Application\.Run "\'" & XLWINGS_ADDIN & "\'!RunPython", SAFE_PATH & code$', local, re.M)
    remote = vba("XltasksRemote.bas")
    call = re.search(r'Application\.Run "\'" & XLWINGS_ADDIN & "\'!RunServerPython", (.*?)\r?\n    Exit Sub',
                     remote, re.S)[1]
    assert arguments(call) == ['url & "/xlwings/custom-scripts-call/" & script', 'Setting("AUTH")', '""', "include",
                               "exclude", 'CreateObject("Scripting.Dictionary")', "timeout"]


def test_coordinator_buttons_ask_for_a_save_first_and_never_save_themselves():
    remote = vba("XltasksRemote.bas")
    saved = body(remote, "Function", "SavedFirst")
    assert "SavedFirst = ActiveWorkbook.Saved" in saved and "请先保存" in saved
    assert ".Save " not in remote and ".Save\r" not in remote  # a stale window saved would undo a merge
