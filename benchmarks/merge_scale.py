"""Benchmark (not a test): the merge at scale, in one run.

    python benchmarks/merge_scale.py [--units 1000] [--tasks-per-unit 10] [--big 100000] [--jobs J] [--rounds N]

1. A programme of UNITS x TASKS_PER_UNIT tasks (default 10,000) is imported, split into one return per unit, and
   every return filled. Then `xltasks validate` and `xltasks merge` run on the same returns; the target is the
   merge within 2x the validate time. With --rounds N, N-1 later monthly rounds are issued, filled and merged
   into the same master (earlier rounds' 历次进展 rows are copied, not written again: the cost stays nearly flat).
2. A programme of BIG tasks (default 100,000) is imported (the master written) and a round merged into it (the
   master rewritten with its fills). Wall time and peak memory of each step, each in its own process; the target
   is under 30 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = "2026年11月"


def write_source(path: Path, units: int, per_unit: int) -> Path:
    """A plain task table: 序号, 工作任务, 牵头单位, 完成时限; a third of the tasks ongoing (长期坚持)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("任务表")
    ws.append(["序号", "工作任务", "牵头单位", "配合单位", "完成时限"])
    n = 0
    for u in range(units):
        for t in range(per_unit):
            n += 1
            deadline = "长期坚持" if n % 3 == 0 else f"2026年{1 + n % 12}月底前"
            ws.append([n, f"第{n}项任务：推进第{u + 1}单位的第{t + 1}项重点工作，按月报送进展。",
                       f"单位{u + 1:04d}", f"单位{(u + 1) % units + 1:04d}", deadline])
    book.save(path)
    return path


def fill(issued: Path, target: Path) -> Path:
    from openpyxl import load_workbook

    from xltasks.core.returns import FIRST_ROW, HEADER_ROW, LEAD_SHEET

    wb = load_workbook(issued)
    ws = wb[LEAD_SHEET]
    col = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
    ws["B3"], ws["E3"], ws["H3"] = "张三", "029-88888888", "2026-11-20"
    for r in range(FIRST_ROW, ws.max_row + 1):
        if not ws[f"A{r}"].value:
            continue
        done = r % 4 == 0
        for header, value in (("进展状态", "已完成" if done else "推进中"), ("完成进度(%)", 100 if done else 60),
                              ("进展情况", "按计划推进，已完成阶段任务。" * 3), ("实际完成日期", "2026-10-15" if done else None),
                              ("存在问题", "资金未全部到位。"), ("下步计划", "继续推进。")):
            if header in col and value is not None:
                ws[f"{col[header]}{r}"] = value
    wb.save(target)
    return target


RUNNER = """
import resource, sys
from xltasks.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, code, file=sys.stderr)
"""


def step(name: str, *argv: str) -> dict:
    """Run one xltasks command in its own process: wall time, and the peak memory of that process (its max RSS,
    worker processes of a parallel validate not included)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak, code = proc.stderr.split()[-2:]
    if code not in ("0", "1"):
        raise SystemExit(f"{name} failed ({code}): {proc.stderr[-2000:]}")
    print(f"{name:<48} {seconds:8.2f} s   peak {int(peak):6d} MB", flush=True)
    return {"seconds": seconds, "peak_mb": int(peak)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--tasks-per-unit", type=int, default=10)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="work in this folder and leave the files there")
    parser.add_argument("--rounds", type=int, default=1,
                        help="merge this many monthly rounds into the 10,000-task master (历次进展 grows each round)")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        tasks = args.units * args.tasks_per_unit
        print(f"== {tasks} tasks, {args.units} returns")
        source = write_source(out / "source.xlsx", args.units, args.tasks_per_unit)
        master = out / "master.xlsx"
        step(f"import ({tasks} tasks)", "import", str(source), "-o", str(master))
        split = step(f"split ({args.units} returns)", "split", str(master), "--round", ROUND, "-o", str(out / "issued"))
        issued = sorted((out / "issued").glob("*.xlsx"))
        (out / "filled").mkdir()
        with ProcessPoolExecutor() as pool:
            filled = list(pool.map(fill, issued, [out / "filled" / f.name for f in issued], chunksize=20))
        print(f"filled {len(filled)} returns")
        validate = step(f"validate ({len(filled)} returns)", "validate", str(out / "filled"), "--master", str(master),
                        "--round", ROUND, *jobs)
        merge = step(f"merge ({len(filled)} returns into {tasks} tasks)", "merge", str(master), str(out / "filled"),
                     "--round", ROUND, "--as-of", "2026-11-30", *jobs)
        print(f"merge / validate: {merge['seconds'] / validate['seconds']:.2f}x (target <= 2x)")
        print(f"split / validate: {split['seconds'] / validate['seconds']:.2f}x (target <= 2x, issue 12)")
        for n in range(2, args.rounds + 1):  # later rounds: the same returns, issued and filled again
            year, month = divmod(9 + n, 12)
            later = f"{2026 + year}年{month + 1}月"
            step(f"split ({later})", "split", str(master), "--round", later, "-o", str(out / f"issued{n}"))
            (out / f"filled{n}").mkdir()
            issued = sorted((out / f"issued{n}").glob("*.xlsx"))
            with ProcessPoolExecutor() as pool:
                list(pool.map(fill, issued, [out / f"filled{n}" / f.name for f in issued], chunksize=20))
            step(f"merge round {n} ({later}, 历次进展 {tasks * (n - 1):,} rows before)", "merge", str(master),
                 str(out / f"filled{n}"), "--round", later, *jobs)

        if args.big:
            units = max(1, args.big // 10)
            print(f"== {args.big} tasks, {units} lead units")
            source = write_source(out / "big-source.xlsx", units, args.big // units)
            big = out / "big-master.xlsx"
            step(f"import: write the {args.big}-task master", "import", str(source), "-o", str(big))
            some = [f"单位{u:04d}" for u in range(1, 51)]
            step("split (50 units of it)", "split", str(big), "--round", ROUND, "-o", str(out / "big-issued"),
                 *(a for unit in some for a in ("--units", unit)))
            (out / "few").mkdir()
            for f in sorted((out / "big-issued").glob("*.xlsx")):
                fill(f, out / "few" / f.name)
            step(f"merge: rewrite the {args.big}-task master", "merge", str(big), str(out / "few"), "--round", ROUND,
                 "--as-of", "2026-11-30")


if __name__ == "__main__":
    main()
