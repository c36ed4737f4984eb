"""demo: the whole cycle on both shipped sample programmes, from import to merge.

Each table is imported into a master and split into this month's returns; some are filled as clerks would (made-up
answers, one with a mistake), then validated and merged.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from xltasks.actions.import_table import ImportResult, import_table
from xltasks.actions.merge import MergeResult, merge
from xltasks.actions.split import SplitResult, split
from xltasks.core.config import parse_config
from xltasks.core.returns import COOP_SHEET, FIRST_ROW, HEADER_ROW, LEAD_SHEET, META_SHEET, meta_from_rows

# (source table, office config, master name, folder for the returns) for each sample programme.
SAMPLES = [
    ("yanta-tasks.xlsx", "yanta.toml", "雁塔区重点任务-总台账.xlsx", "雁塔区重点任务-报送表"),
    ("tongchuan-tasks.docx", "tongchuan.toml", "铜川市养老服务改革试点-总台账.xlsx", "铜川市养老服务改革试点-报送表"),
]
FILLED_SUFFIX = "-演示回收"  # the demo's filled returns go beside the blank ones, never over them


def sample_path(name: str) -> Path:
    return Path(str(resources.files("xltasks.workbooks.sources").joinpath(name)))


def sample_config_text(name: str) -> str:
    return resources.files("xltasks.workbooks.configs").joinpath(name).read_text(encoding="utf-8")


def fill_demo_return(issued: Path, out: Path, today: dt.date, seed: int, mistake: bool = False) -> Path:
    """Answers as a clerk would give them, made up for the demo (every text says so): a mix of done, under way
    and not started; with `mistake`, one progress written as words ("八成"), which validate rejects."""
    from openpyxl import load_workbook

    wb = load_workbook(issued)
    meta = meta_from_rows([[c.value for c in row] for row in wb[META_SHEET].iter_rows()])
    cells = meta["header_cells"]
    block = wb[cells["sheet"]]
    block[cells["reporter"]], block[cells["phone"]], block[cells["report_date"]] = "张明（演示）", "029-88880000", today
    for name in (LEAD_SHEET, COOP_SHEET):
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        col = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
        for i, r in enumerate(range(FIRST_ROW, ws.max_row + 1)):
            if not ws[f"A{r}"].value:
                continue
            if name == COOP_SHEET:
                ws[f"{col['配合工作情况']}{r}"] = "（演示）已按牵头单位要求提供相关材料。" if (seed + i) % 2 else "无"
                continue
            kind = (seed + i) % 4
            status, progress = (("已完成", 100), ("推进中", 60), ("推进中", 30), ("未启动", 0))[kind]
            ws[f"{col['进展状态']}{r}"], ws[f"{col['完成进度(%)']}{r}"] = status, progress
            ws[f"{col['进展情况']}{r}"] = ("（演示）任务已完成，已通过验收。", "（演示）按计划推进，已完成方案制定和前期调研。",
                                          "（演示）已启动，正在协调相关单位。", "（演示）尚未启动，待上级政策明确。")[kind]
            ws[f"{col['存在问题']}{r}"] = "（演示）资金尚未全部到位。" if kind in (1, 2, 3) else "无"
            ws[f"{col['下步计划']}{r}"] = "（演示）加快推进，按期完成。" if kind != 0 else "（演示）巩固成果。"
            if status == "已完成":
                ws[f"{col['实际完成日期']}{r}"] = today - dt.timedelta(days=20)
            if mistake and i == 0:
                ws[f"{col['完成进度(%)']}{r}"] = "八成"
    wb.save(out)
    return out


def run_demo(out_dir: Path, today: dt.date | None = None
             ) -> list[tuple[ImportResult, SplitResult, MergeResult]]:
    """Import each sample into out_dir, split it for this month's round (cooperating units included), fill about
    two thirds of the returns with made-up answers (one with a mistake) and merge them as of today.
    out_dir is created if needed; what an earlier demo wrote is replaced and backed up."""
    today = today or dt.date.today()
    round_name = f"{today.year}年{today.month}月"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for source, config_name, master, returns in SAMPLES:
        config = parse_config(sample_config_text(config_name))
        imported = import_table(sample_path(source), out_dir / master, config, force=True)
        issued = split(out_dir / master, out_dir / returns, round_name, config, with_coop=True, force=True)
        filled = out_dir / (returns + FILLED_SUFFIX)
        filled.mkdir(exist_ok=True)
        for old in filled.glob("*.xlsx"):
            old.unlink()  # only the demo's own made-up returns live here
        for i, f in enumerate(issued.files):
            if i % 3 != 2:
                fill_demo_return(f.path, filled / f.path.name, today, i, mistake=i == 1)
        merged = merge(out_dir / master, [filled], round_name, config, as_of=today, today=today)
        results.append((imported, issued, merged))
    return results
