"""Files another program wrote: sources re-saved by LibreOffice import the same; our master opens in LibreOffice."""

import csv

import pytest

from conftest import CONFIGS, SOURCES, convert
from xltasks.actions.import_table import import_table, read_programme
from xltasks.core.config import parse_config

TONGCHUAN = parse_config((CONFIGS / "tongchuan.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def converted(soffice, tmp_path_factory):
    out = tmp_path_factory.mktemp("lo")
    files = {}
    for fmt in ("xlsx", "ods", "xls"):
        target = out / fmt
        files[fmt] = convert(soffice, SOURCES / "tongchuan-tasks.xlsx", fmt, target)
    files["yanta-xlsx"] = convert(soffice, SOURCES / "yanta-tasks.xlsx", "xlsx", out / "yanta")
    return files


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_tongchuan_resaved_by_libreoffice_gives_the_same_tasks(converted, fmt):
    original = read_programme(SOURCES / "tongchuan-tasks.xlsx", TONGCHUAN)
    resaved = read_programme(converted[fmt], TONGCHUAN)
    assert converted[fmt].read_bytes()[:2] != b""  # a real file LibreOffice wrote
    assert (len(resaved.tasks), resaved.numbered_tasks, len(resaved.sections)) == (35, 27, 9)
    assert [t.task_id for t in resaved.tasks] == [t.task_id for t in original.tasks]
    assert [(t.number, t.sub, t.lead_units, t.coop_units, t.deadline) for t in resaved.tasks] == \
        [(t.number, t.sub, t.lead_units, t.coop_units, t.deadline) for t in original.tasks]


def test_yanta_resaved_by_libreoffice(converted):
    resaved = read_programme(converted["yanta-xlsx"], parse_config(None))
    assert len(resaved.tasks) == 47 and len(resaved.lead_units) == 15
    assert [f.code for f in resaved.findings if f.code == "import.stray-text"] == ["import.stray-text"]


def test_master_opens_in_libreoffice(soffice, tmp_path):
    master = tmp_path / "master.xlsx"
    result = import_table(SOURCES / "tongchuan-tasks.docx", master, TONGCHUAN)
    as_csv = convert(soffice, master, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path / "csv")
    with as_csv.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[1][:3] == ["任务编号", "所属部分", "序号"]
    assert [r[0] for r in rows[2:]] == [t.task_id for t in result.programme.tasks]
    pdf = convert(soffice, master, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
