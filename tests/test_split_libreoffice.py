"""Return workbooks opened and re-saved by LibreOffice keep their checks, protection, metadata and fingerprints."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import ROOT, convert
from openpyxl import load_workbook

from xltasks.actions.split import split
from xltasks.core.returns import META_SHEET, row_fingerprint
from xltasks.core.schemas import validator
from test_split import read_meta

MASTERS = ROOT / "workbooks" / "masters"


@pytest.fixture(scope="module")
def resaved(soffice, tmp_path_factory):
    """Every return of both samples (with cooperating units), and LibreOffice's .xlsx re-save of each."""
    out = tmp_path_factory.mktemp("returns")
    files = []
    for name in ("yanta", "tongchuan"):
        files += [f.path for f in split(MASTERS / f"{name}-master.xlsx", out / name, "2026年11月", with_coop=True).files]
    lo_dir = tmp_path_factory.mktemp("libreoffice")
    subprocess.run([soffice, f"-env:UserInstallation=file://{lo_dir / '.profile'}", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(lo_dir), *map(str, files)], check=True, capture_output=True, timeout=600)
    return [(path, lo_dir / path.name) for path in files]


def _two_operands(dv) -> bool:
    """LibreOffice writes formula2="0" where it means nothing (lists, custom, one-operand comparisons)."""
    return dv.type not in ("list", "custom") and (dv.operator or "between") in ("between", "notBetween")


def _checks(path):
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = (
            sorted((str(dv.sqref), dv.type, dv.operator or "between", dv.formula1,
                    dv.formula2 if _two_operands(dv) else None, dv.prompt, dv.error)
                   for dv in ws.data_validations.dataValidation),
            sorted((str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules),
            ws.protection.sheet, ws.protection.insertRows, ws.protection.deleteRows,
        )
    return out, {ws.title: ws.sheet_state for ws in wb.worksheets}


def test_libreoffice_opens_every_return_and_keeps_its_checks(resaved):
    assert len(resaved) > 30
    for original, saved in resaved:
        assert saved.exists(), f"LibreOffice could not open {original.name}"
        ours, ours_states = _checks(original)
        theirs, their_states = _checks(saved)
        assert theirs == ours, original.name
        assert ours_states[META_SHEET] == "veryHidden"
        assert their_states[META_SHEET] in ("hidden", "veryHidden")  # LibreOffice knows no "very hidden"


def test_metadata_and_fingerprints_survive_a_libreoffice_resave(resaved):
    import python_calamine

    for original, saved in resaved[::5]:
        meta = read_meta(saved)
        assert meta == read_meta(original)
        assert list(validator("return-meta").iter_errors(meta)) == []
        book = python_calamine.CalamineWorkbook.from_path(str(saved))
        for t in meta["tasks"]:
            headers = meta["columns"][t["role"]].split("|")
            n_context = headers.index("进展状态" if t["role"] == "lead" else "配合工作情况")
            cells = book.get_sheet_by_name(t["sheet"]).to_python()[t["row"] - 1]
            assert row_fingerprint(cells[:n_context]) == t["fingerprint"], (saved.name, t["task_id"])
        book.close()


def test_a_return_prints_through_libreoffice(resaved, soffice, tmp_path):
    original = next(o for o, _ in resaved if "王益区政府" in o.name)
    pdf = convert(soffice, original, "pdf", tmp_path).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 3 <= pages <= 8  # lead sheet, cooperating sheet over a few pages, help: not one page per column


def test_a_master_resaved_by_libreoffice_splits_the_same(soffice, tmp_path):
    master = convert(soffice, MASTERS / "tongchuan-master.xlsx", "xlsx", tmp_path / "lo")
    ours = split(MASTERS / "tongchuan-master.xlsx", tmp_path / "a", "2026年11月", with_coop=True).to_json()
    theirs = split(master, tmp_path / "b", "2026年11月", with_coop=True).to_json()
    key = lambda data: [(f["unit"], f["tasks"], f["coop_tasks"], f["via_group"]) for f in data["files"]]
    assert key(theirs) == key(ours) and theirs["groups"] == ours["groups"]


def test_the_generated_formulas_mean_what_they_say(soffice, tmp_path):
    """LibreOffice evaluates the phone check and every conditional-format rule on typical inputs (CSV out)."""
    import csv
    import datetime as dt

    from openpyxl import Workbook

    from xltasks.core.schemas import load_schema
    from xltasks.files.returns.data_validation import conditional_rules, overdue_rule, validation_for

    phone = load_schema("return-header")["properties"]["phone"]
    phones = [("0919-3188888", True), (13800000000, True), ("138 0000 0000", True), ("(029)8888-8888转801", True),
              ("电话", False), ("123", False), ("0919-31888888888888888", False), ("", False)]
    schema = load_schema("return-row")
    cols = {"status": "A", "progress": "B", "done_date": "C", "problems": "D", "due": "E"}
    old, new = dt.date(2020, 1, 1), dt.date(2099, 1, 1)
    # (status, progress, done date, problems, due) -> which cells the rules mark
    rows = [(("已完成", 100, old, None, old), set()),
            (("已完成", 80, None, None, old), {"progress", "done_date", "status"}),
            (("已完成", 100, None, None, None), {"done_date", "status"}),
            (("未启动", 10, None, None, new), {"progress", "status"}),
            (("未启动", 0, None, None, new), set()),
            (("推进中", 50, None, None, old), {"overdue"}),
            (("推进中", 50, None, "资金未到位", old), set()),
            (("推进中", 50, None, None, None), set())]
    wb = Workbook()
    ws = wb.active
    for r, (value, _) in enumerate(phones, start=1):
        ws.cell(row=r, column=7, value=value if value != "" else None)
        ws.cell(row=r, column=8, value="=" + validation_for(phone, f"G{r}").formula1)
    names = []
    for r, (values, _) in enumerate(rows, start=1):
        for key, value in zip(cols, values):
            ws[f"{cols[key]}{r}"] = value
        first = {key: f"${col}{r}" for key, col in cols.items()}
        rules = conditional_rules(schema, first)
        rules.append(("overdue", overdue_rule(first)))
        names = [key for key, _ in rules]
        for c, (_, formula) in enumerate(rules, start=10):
            ws.cell(row=r, column=c, value="=" + formula)
    source = tmp_path / "formulas.xlsx"
    wb.save(source)
    with convert(soffice, source, "csv", tmp_path / "out").open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert [row[7] for row in table[:len(phones)]] == [str(ok).upper() for _, ok in phones]
    for row, (_, expected) in zip(table, rows):
        marked = {name for name, cell in zip(names, row[9:]) if cell == "TRUE"}
        assert marked == expected, row[:5]
