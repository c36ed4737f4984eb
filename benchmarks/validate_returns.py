"""Benchmark (not a test): generate N filled returns and time, in one run, `xltasks validate` on them, python-calamine
alone reading the same files, and pandas.read_excel (openpyxl engine) reading them.

    python benchmarks/validate_returns.py [N] [--jobs J]

Prints the three wall times and the ratios the README quotes (target: validate within 3x the bare calamine read,
at least 5x faster than pandas).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "workbooks" / "masters" / "yanta-master.xlsx"


def make_returns(out: Path, n: int) -> list[Path]:
    """A filled return for every Yanta lead unit (1-16 tasks), then copies up to N files of 10-50 tasks each:
    the bigger units' returns are widened by repeating their rows' answers on a 50-row sheet would break IDs, so
    units are chosen by size and copied under new names."""
    from xltasks.actions.split import split
    from xltasks.core.returns import FIRST_ROW, HEADER_ROW, LEAD_SHEET

    issued = split(MASTER, out / "issued", "2026年11月").files
    filled = []
    for f in issued:
        wb = load_workbook(f.path)
        ws = wb[LEAD_SHEET]
        col = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
        ws["B3"], ws["E3"], ws["H3"] = "张三", "029-88888888", "2026-11-20"
        for r in range(FIRST_ROW, ws.max_row + 1):
            for header, value in (("进展状态", "推进中"), ("完成进度(%)", 60), ("进展情况", "按计划推进，已完成阶段任务。" * 3),
                                  ("存在问题", "资金未全部到位。"), ("下步计划", "继续推进。")):
                ws[f"{col[header]}{r}"] = value
        target = out / "filled" / f.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
        filled.append(target)
    batch = out / "batch"
    batch.mkdir()
    files = []
    for i in range(n):
        source = filled[i % len(filled)]
        files.append(Path(shutil.copy(source, batch / f"{i:05d}-{source.name}")))
    return files


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {seconds:8.2f} s")
    return seconds


def read_calamine(files: list[Path], jobs: int) -> None:
    import python_calamine

    def read(path: Path) -> None:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        book.close()

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(read, files))


def read_pandas(files: list[Path]) -> None:
    import pandas as pd

    for path in files:
        pd.read_excel(path, sheet_name=None, engine="openpyxl")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_returns(Path(tmp), args.n)
        print(f"{len(files)} returns, {sum(p.stat().st_size for p in files) / 2**20:.1f} MB, {args.jobs} jobs")
        validate = timed("xltasks validate (whole process)", lambda: subprocess.run(
            [sys.executable, "-m", "xltasks", "validate", str(Path(tmp) / "batch"), "--master", str(MASTER),
             "--round", "2026年11月", "--jobs", str(args.jobs), "--json"], stdout=subprocess.DEVNULL, check=False))
        calamine = timed("python-calamine read only (same threads)", lambda: read_calamine(files, args.jobs))
        pandas = timed("pandas.read_excel, openpyxl engine", lambda: read_pandas(files))
        print(f"validate / calamine read: {validate / calamine:.1f}x (target <= 3x)")
        print(f"pandas / validate:        {pandas / validate:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
